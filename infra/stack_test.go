package main

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
	"github.com/tandemsync/tandem/infra/tandem"
)

// Synthesising through jsii takes seconds, so both stages are built once in
// one app, with cdk-nag attached, and every test reads the results.
var stacks = map[string]*synthesized{}

type synthesized struct {
	stack    awscdk.Stack
	template assertions.Template
	// resources is the template's Resources section, for checks that span
	// several resources.
	resources map[string]map[string]any
}

var assetDir string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	// jsii prints a large banner on every start under Node 20, which this
	// machine has; the README asks for Node 22 or later.
	if _, set := os.LookupEnv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"); !set {
		os.Setenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
	}
	defer jsii.Close()
	tmp, err := os.MkdirTemp("", "tandem-infra-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	assetDir = filepath.Join(tmp, "build")
	if err := writeDummyZips(assetDir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}

	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(filepath.Join(tmp, "cdk.out"))})
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Reports: jsii.Bool(false)}), nil)
	for _, stage := range []string{"dev", "prod"} {
		stack, err := tandem.NewStack(app, "Tandem-"+stage, &tandem.StackProps{Stage: stage, AssetDir: assetDir})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		stacks[stage] = &synthesized{stack: stack}
	}
	for _, s := range stacks {
		s.template = assertions.Template_FromStack(s.stack, nil)
		raw := *s.template.ToJSON()
		s.resources = map[string]map[string]any{}
		for id, r := range raw["Resources"].(map[string]any) {
			s.resources[id] = r.(map[string]any)
		}
	}
	return m.Run()
}

// writeDummyZips stands in for `make build`: the stack only needs files to
// hash and reference.
func writeDummyZips(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, name := range tandem.FunctionNames() {
		f, err := os.Create(filepath.Join(dir, name+".zip"))
		if err != nil {
			return err
		}
		w := zip.NewWriter(f)
		entry, err := w.Create("bootstrap")
		if err == nil {
			_, err = entry.Write([]byte("dummy " + name))
		}
		if err == nil {
			err = w.Close()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// forEachStage runs a check against both stages: dev must have the
// production shape.
func forEachStage(t *testing.T, check func(t *testing.T, s *synthesized)) {
	for _, stage := range []string{"dev", "prod"} {
		t.Run(stage, func(t *testing.T) { check(t, stacks[stage]) })
	}
}

// assert turns a failed assertions call, which jsii reports as a panic,
// into a test failure.
func assert(t *testing.T, check func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Error(r)
		}
	}()
	check()
}

func (s *synthesized) ofType(typ string) map[string]map[string]any {
	found := map[string]map[string]any{}
	for id, r := range s.resources {
		if r["Type"] == typ {
			found[id] = r
		}
	}
	return found
}

func props(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}

// refTo returns the logical id in {"Ref": id} or {"Fn::GetAtt": [id, ...]}.
func refTo(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	if id, ok := m["Ref"].(string); ok {
		return id
	}
	if att, ok := m["Fn::GetAtt"].([]any); ok && len(att) > 0 {
		id, _ := att[0].(string)
		return id
	}
	return ""
}

func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

func TestTable(t *testing.T) {
	forEachStage(t, func(t *testing.T, s *synthesized) {
		assert(t, func() {
			s.template.ResourceCountIs(jsii.String("AWS::DynamoDB::Table"), jsii.Number(1))
			s.template.HasResourceProperties(jsii.String("AWS::DynamoDB::Table"), map[string]any{
				"KeySchema": []any{
					map[string]any{"AttributeName": "pk", "KeyType": "HASH"},
					map[string]any{"AttributeName": "sk", "KeyType": "RANGE"},
				},
				"AttributeDefinitions": []any{
					map[string]any{"AttributeName": "pk", "AttributeType": "S"},
					map[string]any{"AttributeName": "sk", "AttributeType": "S"},
				},
				"BillingMode":                      "PAY_PER_REQUEST",
				"TimeToLiveSpecification":          map[string]any{"AttributeName": "ttl", "Enabled": true},
				"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
				"SSESpecification":                 map[string]any{"SSEEnabled": true},
			})
		})
	})
}

func TestStageSettings(t *testing.T) {
	cases := map[string]struct {
		policy     string
		protection bool
		tier       string
	}{
		"dev":  {policy: "Delete", protection: false, tier: "ESSENTIALS"},
		"prod": {policy: "Retain", protection: true, tier: "PLUS"},
	}
	for stage, want := range cases {
		t.Run(stage, func(t *testing.T) {
			s := stacks[stage]
			assert(t, func() {
				s.template.HasResource(jsii.String("AWS::DynamoDB::Table"), map[string]any{
					"DeletionPolicy": want.policy,
					"Properties":     map[string]any{"DeletionProtectionEnabled": want.protection},
				})
				s.template.HasResource(jsii.String("AWS::Cognito::UserPool"), map[string]any{
					"DeletionPolicy": want.policy,
					"Properties":     map[string]any{"UserPoolTier": want.tier},
				})
			})
		})
	}
	assert(t, func() {
		stacks["prod"].template.HasResourceProperties(jsii.String("AWS::Cognito::UserPool"), map[string]any{
			"UserPoolAddOns": map[string]any{"AdvancedSecurityMode": "ENFORCED"},
		})
	})
}

func TestRejectsUnknownStageAndMissingBuild(t *testing.T) {
	app := awscdk.NewApp(nil)
	if _, err := tandem.NewStack(app, "Typo", &tandem.StackProps{Stage: "production", AssetDir: assetDir}); err == nil {
		t.Error("stage \"production\" was accepted; a typo must not get dev's DESTROY policies")
	}
	_, err := tandem.NewStack(app, "NoBuild", &tandem.StackProps{Stage: "dev", AssetDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "make build") {
		t.Errorf("missing zips gave %v, want an error pointing at make build", err)
	}
}

func TestQueuesAreFifoWithRedrive(t *testing.T) {
	forEachStage(t, func(t *testing.T, s *synthesized) {
		queues := s.ofType("AWS::SQS::Queue")
		var want []string
		for _, p := range tandem.Platforms {
			for _, kind := range []string{"events", "commands"} {
				want = append(want, "tandem-"+p+"-"+kind+".fifo", "tandem-"+p+"-"+kind+"-dlq.fifo")
			}
		}
		var names []string
		for id, q := range queues {
			p := props(q)
			name, _ := p["QueueName"].(string)
			names = append(names, name)
			if p["FifoQueue"] != true || p["SqsManagedSseEnabled"] != true {
				t.Errorf("%s: want FIFO with SQS-managed encryption, got %v", id, p)
			}
			if strings.HasSuffix(name, "-dlq.fifo") {
				continue
			}
			redrive, _ := p["RedrivePolicy"].(map[string]any)
			dlq := queues[refTo(redrive["deadLetterTargetArn"])]
			if redrive["maxReceiveCount"] != 5.0 || dlq == nil || props(dlq)["FifoQueue"] != true {
				t.Errorf("%s: want redrive to a FIFO DLQ after 5 receives, got %v", id, redrive)
			}
		}
		sort.Strings(want)
		sort.Strings(names)
		if !slices.Equal(names, want) {
			t.Errorf("queue names = %v, want %v", names, want)
		}
		// enforceSSL is a queue policy that denies insecure transport.
		secured := map[string]bool{}
		for _, policy := range s.ofType("AWS::SQS::QueuePolicy") {
			p := props(policy)
			doc, _ := p["PolicyDocument"].(map[string]any)
			for _, st := range asList(doc["Statement"]) {
				if b, _ := json.Marshal(st); strings.Contains(string(b), `"Condition":{"Bool":{"aws:SecureTransport":"false"}}`) &&
					st.(map[string]any)["Effect"] == "Deny" {
					for _, q := range asList(p["Queues"]) {
						secured[refTo(q)] = true
					}
				}
			}
		}
		for id := range queues {
			if !secured[id] {
				t.Errorf("%s: no policy denying insecure transport", id)
			}
		}
	})
}

var functionIDs = map[string]string{
	"settings":         "SettingsFunction",
	"connections":      "ConnectionsFunction",
	"config":           "ConfigFunction",
	"webhook":          "WebhookFunction",
	"sync-autotask":    "SyncAutotaskFunction",
	"sync-connectwise": "SyncConnectwiseFunction",
	"sync-halo":        "SyncHaloFunction",
	"sync-graph":       "SyncGraphFunction",
}

func TestFunctions(t *testing.T) {
	forEachStage(t, func(t *testing.T, s *synthesized) {
		fns := s.ofType("AWS::Lambda::Function")
		if len(fns) != len(functionIDs) {
			t.Errorf("%d functions, want %d", len(fns), len(functionIDs))
		}
		for name, id := range functionIDs {
			fn := fns[id]
			if fn == nil {
				t.Errorf("no function with logical id %s (for functions/%s)", id, name)
				continue
			}
			p := props(fn)
			arch, _ := p["Architectures"].([]any)
			if !slices.Equal(arch, []any{"arm64"}) || p["Runtime"] != "provided.al2023" || p["Handler"] != "bootstrap" {
				t.Errorf("%s: want arm64 provided.al2023 bootstrap, got %v %v %v", id, arch, p["Runtime"], p["Handler"])
			}
			if tracing, _ := p["TracingConfig"].(map[string]any); tracing["Mode"] != "Active" {
				t.Errorf("%s: tracing %v, want Active", id, tracing)
			}
			if p["FunctionName"] != "tandem-"+name {
				t.Errorf("%s: FunctionName %v", id, p["FunctionName"])
			}
			if logs := s.resources[refTo(p["LoggingConfig"].(map[string]any)["LogGroup"])]; props(logs)["RetentionInDays"] == nil {
				t.Errorf("%s: log group without retention", id)
			}
		}
	})
}

func environment(s *synthesized, id string) map[string]any {
	env, _ := props(s.resources[id])["Environment"].(map[string]any)
	vars, _ := env["Variables"].(map[string]any)
	return vars
}

func queueVars(env map[string]any) []string {
	var names []string
	for k := range env {
		if strings.HasPrefix(k, "TANDEM_QUEUE_") {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	return names
}

func TestEnvironment(t *testing.T) {
	s := stacks["prod"]
	var events, commands []string
	for _, p := range tandem.Platforms {
		events = append(events, "TANDEM_QUEUE_"+strings.ToUpper(p)+"_EVENTS")
		commands = append(commands, "TANDEM_QUEUE_"+strings.ToUpper(p)+"_COMMANDS")
	}
	sort.Strings(events)
	sort.Strings(commands)

	for name, id := range functionIDs {
		env := environment(s, id)
		if env["TANDEM_SECRET_PREFIX"] != "tandem/" || refTo(env["TANDEM_TABLE"]) == "" || env["TANDEM_WEBHOOK_BASE_URL"] == nil {
			t.Errorf("%s: common variables missing: %v", id, env)
		}
		want := []string(nil)
		switch {
		case name == "webhook":
			want = events
		case strings.HasPrefix(name, "sync-"):
			want = commands
		}
		if got := queueVars(env); !slices.Equal(got, want) {
			t.Errorf("%s: queue variables %v, want %v", id, got, want)
		}
	}
}

func TestEventSourceMappings(t *testing.T) {
	forEachStage(t, func(t *testing.T, s *synthesized) {
		esms := s.ofType("AWS::Lambda::EventSourceMapping")
		if len(esms) != 2*len(tandem.Platforms) {
			t.Errorf("%d event source mappings, want %d", len(esms), 2*len(tandem.Platforms))
		}
		consumed := map[string]string{}
		for id, esm := range esms {
			p := props(esm)
			scaling, _ := p["ScalingConfig"].(map[string]any)
			if p["BatchSize"] != 10.0 ||
				!slices.Equal(asList(p["FunctionResponseTypes"]), []any{"ReportBatchItemFailures"}) ||
				scaling["MaximumConcurrency"] == nil || scaling["MaximumConcurrency"].(float64) < 2 {
				t.Errorf("%s: want batch 10, ReportBatchItemFailures and MaximumConcurrency >= 2, got %v", id, p)
			}
			fnID, queueID := refTo(p["FunctionName"]), refTo(p["EventSourceArn"])
			consumed[queueID] = fnID
			timeout := props(s.resources[fnID])["Timeout"].(float64)
			visibility := props(s.resources[queueID])["VisibilityTimeout"].(float64)
			if visibility < 6*timeout {
				t.Errorf("%s: visibility timeout %vs < 6 x %s's timeout %vs", queueID, visibility, fnID, timeout)
			}
		}
		for queueID, q := range s.ofType("AWS::SQS::Queue") {
			name := props(q)["QueueName"].(string)
			if strings.HasSuffix(name, "-dlq.fifo") {
				continue
			}
			platform := strings.Split(name, "-")[1]
			if want := functionIDs["sync-"+platform]; consumed[queueID] != want {
				t.Errorf("%s consumed by %q, want %s", name, consumed[queueID], want)
			}
		}
	})
}

var routes = map[string]bool{ // route key -> needs the JWT authorizer
	"ANY /v1/settings/{proxy+}":               true,
	"ANY /v1/connections":                     true,
	"ANY /v1/connections/{proxy+}":            true,
	"ANY /v1/connections/{id}/config":         true,
	"GET /v1/connections/{id}/options/{kind}": true,
	"GET /v1/openapi.json":                    false,
	"POST /webhooks/{platform}/{endpointId}":  false,
}

func TestRoutes(t *testing.T) {
	forEachStage(t, func(t *testing.T, s *synthesized) {
		authorizers := s.ofType("AWS::ApiGatewayV2::Authorizer")
		if len(authorizers) != 1 {
			t.Fatalf("%d authorizers, want 1", len(authorizers))
		}
		var authorizerID string
		for id, a := range authorizers {
			authorizerID = id
			p := props(a)
			jwt, _ := p["JwtConfiguration"].(map[string]any)
			if p["AuthorizerType"] != "JWT" || len(asList(jwt["Audience"])) != 1 || jwt["Issuer"] == nil {
				t.Errorf("authorizer %s: want a JWT authorizer with the app client as audience, got %v", id, p)
			}
		}
		seen := map[string]bool{}
		for id, r := range s.ofType("AWS::ApiGatewayV2::Route") {
			p := props(r)
			key, _ := p["RouteKey"].(string)
			seen[key] = true
			needsJWT, known := routes[key]
			switch {
			case !known:
				t.Errorf("unexpected route %q", key)
			case needsJWT && (p["AuthorizationType"] != "JWT" || refTo(p["AuthorizerId"]) != authorizerID):
				t.Errorf("%s (%s): want the JWT authorizer, got %v %v", key, id, p["AuthorizationType"], p["AuthorizerId"])
			case !needsJWT && (p["AuthorizerId"] != nil || (p["AuthorizationType"] != nil && p["AuthorizationType"] != "NONE")):
				t.Errorf("%s (%s): public routes must not require a token, got %v", key, id, p["AuthorizationType"])
			}
		}
		for key := range routes {
			if !seen[key] {
				t.Errorf("route %q missing", key)
			}
		}
		assert(t, func() {
			s.template.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Stage"), map[string]any{
				"StageName":            "$default",
				"DefaultRouteSettings": map[string]any{"ThrottlingRateLimit": assertions.Match_AnyValue(), "ThrottlingBurstLimit": assertions.Match_AnyValue()},
				"AccessLogSettings":    map[string]any{"DestinationArn": assertions.Match_AnyValue(), "Format": assertions.Match_AnyValue()},
			})
		})
	})
}

func TestIdentity(t *testing.T) {
	forEachStage(t, func(t *testing.T, s *synthesized) {
		assert(t, func() {
			s.template.HasResourceProperties(jsii.String("AWS::Cognito::UserPool"), map[string]any{
				"Schema": assertions.Match_ArrayWith(&[]any{
					map[string]any{"Name": "org_id", "AttributeDataType": "String", "Mutable": false},
					map[string]any{"Name": "org_name", "AttributeDataType": "String", "Mutable": true},
				}),
				"UsernameAttributes":    []any{"email"},
				"AdminCreateUserConfig": map[string]any{"AllowAdminCreateUserOnly": true},
				"Policies": map[string]any{"PasswordPolicy": map[string]any{
					"MinimumLength": 12.0, "RequireLowercase": true, "RequireUppercase": true,
					"RequireNumbers": true, "RequireSymbols": true,
				}},
				"AccountRecoverySetting": map[string]any{"RecoveryMechanisms": []any{
					map[string]any{"Name": "verified_email", "Priority": 1.0},
				}},
				"MfaConfiguration": "ON",
			})
			s.template.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolClient"), map[string]any{
				"GenerateSecret":    false,
				"ExplicitAuthFlows": []any{"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
				"WriteAttributes":   []any{"name"},
				"AllowedOAuthFlows": assertions.Match_Absent(),
			})
		})
	})
}

// policyStatements maps each function's logical id to the statements of
// every policy attached to its role.
func policyStatements(s *synthesized) map[string][]map[string]any {
	roleToFn := map[string]string{}
	for id, fn := range s.ofType("AWS::Lambda::Function") {
		roleToFn[refTo(props(fn)["Role"])] = id
	}
	out := map[string][]map[string]any{}
	for _, policy := range s.ofType("AWS::IAM::Policy") {
		p := props(policy)
		doc, _ := p["PolicyDocument"].(map[string]any)
		for _, role := range asList(p["Roles"]) {
			fn := roleToFn[refTo(role)]
			for _, st := range asList(doc["Statement"]) {
				out[fn] = append(out[fn], st.(map[string]any))
			}
		}
	}
	return out
}

func TestNoDataActionsOnEveryResource(t *testing.T) {
	forEachStage(t, func(t *testing.T, s *synthesized) {
		for fn, statements := range policyStatements(s) {
			for _, st := range statements {
				for _, a := range asList(st["Action"]) {
					action := a.(string)
					if !strings.HasPrefix(action, "dynamodb:") && !strings.HasPrefix(action, "sqs:") && !strings.HasPrefix(action, "secretsmanager:") {
						continue
					}
					if strings.HasSuffix(action, ":*") || slices.Contains(asList(st["Resource"]), any("*")) {
						t.Errorf("%s: %s is not scoped: %v", fn, action, st)
					}
				}
			}
		}
	})
}

func TestLeastPrivilege(t *testing.T) {
	s := stacks["prod"]
	statements := policyStatements(s)
	actionsOf := func(fn, prefix string) (actions []string, resources []any) {
		for _, st := range statements[fn] {
			for _, a := range asList(st["Action"]) {
				if strings.HasPrefix(a.(string), prefix) {
					actions = append(actions, a.(string))
					resources = append(resources, asList(st["Resource"])...)
				}
			}
		}
		return actions, resources
	}

	for _, fn := range []string{"SettingsFunction", "ConnectionsFunction", "ConfigFunction"} {
		if actions, _ := actionsOf(fn, "sqs:"); len(actions) > 0 {
			t.Errorf("%s may use queues: %v", fn, actions)
		}
	}
	if actions, _ := actionsOf("ConnectionsFunction", "secretsmanager:"); len(actions) > 0 {
		t.Errorf("ConnectionsFunction may use secrets: %v", actions)
	}

	actions, resources := actionsOf("WebhookFunction", "sqs:")
	if slices.ContainsFunc(actions, func(a string) bool { return strings.Contains(a, "Receive") || strings.Contains(a, "Delete") }) {
		t.Errorf("WebhookFunction may consume queues: %v", actions)
	}
	for _, r := range resources {
		name, _ := props(s.resources[refTo(r)])["QueueName"].(string)
		if !strings.HasSuffix(name, "-events.fifo") {
			t.Errorf("WebhookFunction may send to %v; only events queues are allowed", r)
		}
	}

	// Only settings manages secrets; everyone else who needs them reads.
	for fn, id := range functionIDs {
		actions, resources := actionsOf(id, "secretsmanager:")
		if needs := fn != "connections"; needs != slices.Contains(actions, "secretsmanager:GetSecretValue") {
			t.Errorf("%s: reads secrets = %v, want %v", id, !needs, needs)
		}
		if fn == "settings" && !slices.Contains(actions, "secretsmanager:CreateSecret") {
			t.Errorf("%s cannot create secrets: %v", id, actions)
		}
		writes := slices.ContainsFunc(actions, func(a string) bool {
			return a != "secretsmanager:GetSecretValue"
		})
		if writes && fn != "settings" {
			t.Errorf("%s may change secrets: %v", id, actions)
		}
		for _, r := range resources {
			if !strings.Contains(fmt.Sprint(r), ":secret:tandem/*") {
				t.Errorf("%s: secrets access beyond tandem/*: %v", id, r)
			}
		}
	}
}

func TestAlarms(t *testing.T) {
	forEachStage(t, func(t *testing.T, s *synthesized) {
		var dlqAlarms, errorAlarms int
		for id, a := range s.ofType("AWS::CloudWatch::Alarm") {
			p := props(a)
			if p["Threshold"] != 0.0 || p["ComparisonOperator"] != "GreaterThanThreshold" {
				t.Errorf("%s: want > 0, got %v %v", id, p["ComparisonOperator"], p["Threshold"])
			}
			switch p["MetricName"] {
			case "ApproximateNumberOfMessagesVisible":
				dlqAlarms++
			case "Errors":
				errorAlarms++
			}
		}
		if dlqAlarms != 2*len(tandem.Platforms) || errorAlarms != len(functionIDs) {
			t.Errorf("%d DLQ alarms and %d error alarms, want %d and %d", dlqAlarms, errorAlarms, 2*len(tandem.Platforms), len(functionIDs))
		}
	})
}

func TestCdkNagAwsSolutions(t *testing.T) {
	forEachStage(t, func(t *testing.T, s *synthesized) {
		errs := assertions.Annotations_FromStack(s.stack).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
		for _, e := range *errs {
			//lint:ignore SA1019 Annotations.FindError returns cxapi.SynthesisMessage; the Go binding has no non-deprecated type to read instead
			t.Errorf("%s: %v", *e.Id, e.Entry.Data)
		}
	})
}

// TestCfnLint runs cfn-lint on both synthesized templates and fails on
// errors; warnings are logged.
func TestCfnLint(t *testing.T) {
	bin, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Fatal("cfn-lint is not on PATH; install it with `pip install cfn-lint`")
	}
	dir := t.TempDir()
	var files []string
	for _, stage := range []string{"dev", "prod"} {
		body, err := json.MarshalIndent(stacks[stage].template.ToJSON(), "", " ")
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, "Tandem-"+stage+".template.json")
		if err := os.WriteFile(file, body, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, file)
	}
	out, err := exec.Command(bin, append([]string{"--non-zero-exit-code", "error", "--"}, files...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("cfn-lint found errors (%v):\n%s", err, out)
	}
	if len(out) > 0 {
		t.Logf("cfn-lint warnings:\n%s", out)
	}
}

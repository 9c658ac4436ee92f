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

	configs, err := stageConfigs()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(filepath.Join(tmp, "cdk.out"))})
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Reports: jsii.Bool(false)}), nil)
	for _, stage := range []string{"dev", "prod"} {
		props := &tandem.StackProps{Stage: stage, AssetDir: assetDir, Config: configs[stage]}
		if configs[stage].Account != "" {
			props.Env = &awscdk.Environment{Account: jsii.String(configs[stage].Account)}
		}
		stack, err := tandem.NewStack(app, tandem.StackName(stage), props)
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

// prodConfig is what an operator would put in cdk.json for production, so
// the tests see every option set in prod and the defaults in dev.
var prodConfig = tandem.Config{
	Account:           "123456789012",
	ConsoleOrigins:    []string{"https://console.tandem.example.com"},
	CallbackURLs:      []string{"https://console.tandem.example.com/signed-in"},
	LogoutURLs:        []string{"https://console.tandem.example.com/"},
	APIDomain:         "api.tandem.example.com",
	APICertificateARN: "arn:aws:acm:eu-west-1:123456789012:certificate/0e5a1c2b-3d4e-4f60-8a9b-0c1d2e3f4a5b",
	TraceEveryChange:  true,
	ReportEveryChange: true,
}

// stageConfigs reads cdk.json as the CDK CLI would, for dev; prod gets
// prodConfig on top of it.
func stageConfigs() (map[string]tandem.Config, error) {
	raw, err := os.ReadFile("cdk.json")
	if err != nil {
		return nil, err
	}
	var cdk struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(raw, &cdk); err != nil {
		return nil, fmt.Errorf("cdk.json: %w", err)
	}
	out := map[string]tandem.Config{}
	for _, stage := range tandem.Stages() {
		cfg, err := tandem.ConfigFrom(cdk.Context["tandem:stages"], stage)
		if err != nil {
			return nil, fmt.Errorf("cdk.json: %w", err)
		}
		out[stage] = cfg
	}
	out["prod"] = prodConfig
	return out, nil
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

// stageOf is the stage a synthesized stack belongs to.
func stageOf(s *synthesized) string {
	for stage, other := range stacks {
		if other == s {
			return stage
		}
	}
	panic("unknown stack")
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
				"TableName":                        "tandem-" + stageOf(s),
				"BillingMode":                      "PAY_PER_REQUEST",
				"TimeToLiveSpecification":          map[string]any{"AttributeName": "ttl", "Enabled": true},
				"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
				"SSESpecification":                 map[string]any{"SSEEnabled": true},
			})
		})
	})
}

// Production keeps its data when the stack is deleted or a resource is
// replaced, but not when its first creation rolls back (RetainExceptOnCreate),
// so a failed first deploy leaves no named resource to block the next one.
func TestStageSettings(t *testing.T) {
	cases := map[string]struct {
		deletion, replace string
		protection        bool
		tier              string
	}{
		"dev":  {deletion: "Delete", replace: "Delete", protection: false, tier: "ESSENTIALS"},
		"prod": {deletion: "RetainExceptOnCreate", replace: "Retain", protection: true, tier: "PLUS"},
	}
	for stage, want := range cases {
		t.Run(stage, func(t *testing.T) {
			s := stacks[stage]
			assert(t, func() {
				s.template.HasResource(jsii.String("AWS::DynamoDB::Table"), map[string]any{
					"DeletionPolicy":      want.deletion,
					"UpdateReplacePolicy": want.replace,
					"Properties":          map[string]any{"DeletionProtectionEnabled": want.protection},
				})
				s.template.HasResource(jsii.String("AWS::Cognito::UserPool"), map[string]any{
					"DeletionPolicy":      want.deletion,
					"UpdateReplacePolicy": want.replace,
					"Properties":          map[string]any{"UserPoolTier": want.tier, "DeletionProtection": map[bool]string{true: "ACTIVE", false: "INACTIVE"}[want.protection]},
				})
			})
			for id, lg := range s.ofType("AWS::Logs::LogGroup") {
				if lg["DeletionPolicy"] != want.deletion || lg["UpdateReplacePolicy"] != want.replace {
					t.Errorf("log group %s: DeletionPolicy %v, UpdateReplacePolicy %v; want %s, %s", id, lg["DeletionPolicy"], lg["UpdateReplacePolicy"], want.deletion, want.replace)
				}
			}
		})
	}
	assert(t, func() {
		stacks["prod"].template.HasResourceProperties(jsii.String("AWS::Cognito::UserPool"), map[string]any{
			"UserPoolAddOns": map[string]any{"AdvancedSecurityMode": "ENFORCED"},
		})
	})
}

func TestRejectsMissingBuild(t *testing.T) {
	_, err := tandem.NewStack(awscdk.NewApp(nil), "NoBuild", &tandem.StackProps{Stage: "dev", AssetDir: t.TempDir()})
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
				name := "tandem-" + stageOf(s) + "-" + p + "-" + kind
				want = append(want, name+".fifo", name+"-dlq.fifo")
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
			// 14 days, the most SQS keeps: nothing expires behind an outage.
			if p["MessageRetentionPeriod"] != 14*24*3600.0 {
				t.Errorf("%s: retention %v s, want 14 days", id, p["MessageRetentionPeriod"])
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
	"sync-zendesk":     "SyncZendeskFunction",
	// renew-subscriptions runs on the EventBridge schedule (TestRenewSchedule).
	"renew-subscriptions": "RenewSubscriptionsFunction",
	"sweep":               "SweepFunction",
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
			// The functions that run once per synced change pass tracing
			// through unless the stage traces every change (prod here).
			want := "Active"
			if perChange := name == "webhook" || strings.HasPrefix(name, "sync-"); perChange && stageOf(s) == "dev" {
				want = "PassThrough"
			}
			if tracing, _ := p["TracingConfig"].(map[string]any); tracing["Mode"] != want {
				t.Errorf("%s: tracing %v, want %s", id, tracing, want)
			}
			// They also drop Lambda's START, END and REPORT lines unless
			// the stage keeps them (prod here); the others keep Lambda's
			// defaults.
			logging, _ := p["LoggingConfig"].(map[string]any)
			wantLogging := [3]any{nil, nil, nil}
			if perChange := name == "webhook" || strings.HasPrefix(name, "sync-"); perChange {
				wantLogging = [3]any{"JSON", "INFO", "WARN"}
				if stageOf(s) == "prod" {
					wantLogging[2] = "INFO"
				}
			}
			if got := [3]any{logging["LogFormat"], logging["ApplicationLogLevel"], logging["SystemLogLevel"]}; got != wantLogging {
				t.Errorf("%s: log format, application and system levels %v, want %v", id, got, wantLogging)
			}
			fnName := "tandem-" + stageOf(s) + "-" + name
			if p["FunctionName"] != fnName {
				t.Errorf("%s: FunctionName %v, want %s", id, p["FunctionName"], fnName)
			}
			logs := props(s.resources[refTo(p["LoggingConfig"].(map[string]any)["LogGroup"])])
			if logs["RetentionInDays"] == nil || logs["LogGroupName"] != "/aws/lambda/"+fnName {
				t.Errorf("%s: log group %v, want /aws/lambda/%s with a retention", id, logs, fnName)
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
	var events, commands []string
	for _, p := range tandem.Platforms {
		events = append(events, "TANDEM_QUEUE_"+strings.ToUpper(p)+"_EVENTS")
		commands = append(commands, "TANDEM_QUEUE_"+strings.ToUpper(p)+"_COMMANDS")
	}
	sort.Strings(events)
	sort.Strings(commands)

	forEachStage(t, func(t *testing.T, s *synthesized) {
		stage := stageOf(s)
		for name, id := range functionIDs {
			env := environment(s, id)
			if env["TANDEM_SECRET_PREFIX"] != "tandem/"+stage+"/" || refTo(env["TANDEM_TABLE"]) == "" || env["TANDEM_WEBHOOK_BASE_URL"] == nil {
				t.Errorf("%s: common variables missing or wrong: %v", id, env)
			}
			// With a custom domain, webhooks are registered under it, so
			// they survive a replacement of the API.
			if stage == "prod" && env["TANDEM_WEBHOOK_BASE_URL"] != "https://"+prodConfig.APIDomain+"/" {
				t.Errorf("%s: TANDEM_WEBHOOK_BASE_URL %v, want the custom domain", id, env["TANDEM_WEBHOOK_BASE_URL"])
			}
			want := []string(nil)
			switch {
			case name == "webhook", name == "sweep":
				want = events
			case strings.HasPrefix(name, "sync-"):
				want = commands
			case name == "renew-subscriptions":
				// It queues the catch-up after recreating a subscription.
				want = []string{"TANDEM_QUEUE_GRAPH_EVENTS"}
			case name == "connections":
				want = append(slices.Clone(commands), events...)
				sort.Strings(want)
			}
			if got := queueVars(env); !slices.Equal(got, want) {
				t.Errorf("%s: queue variables %v, want %v", id, got, want)
			}
		}
	})
}

// The dev bearer (pkg/app localdev.go) is for sam local only: no function
// of any stage may carry the variables that switch it on.
func TestNoFunctionAcceptsTheDevBearer(t *testing.T) {
	forEachStage(t, func(t *testing.T, s *synthesized) {
		for id := range s.ofType("AWS::Lambda::Function") {
			for _, v := range []string{"TANDEM_LOCAL_DEV_AUTH", "AWS_SAM_LOCAL"} {
				if _, set := environment(s, id)[v]; set {
					t.Errorf("%s sets %s: a deployed function would accept unsigned 'Bearer dev:<org>' tokens", id, v)
				}
			}
		}
	})
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
			platform := strings.Split(name, "-")[2] // tandem-<stage>-<platform>-<kind>
			if want := functionIDs["sync-"+platform]; consumed[queueID] != want {
				t.Errorf("%s consumed by %q, want %s", name, consumed[queueID], want)
			}
		}
	})
}

// routes are the route keys and whether each needs the JWT authorizer.
// The /v1 routes name their methods: an ANY route would also catch the
// browser's OPTIONS preflight and send it to the authorizer.
var routes = func() map[string]bool {
	r := map[string]bool{
		"GET /v1/connections/{id}/options/{kind}": true,
		"GET /v1/log":                            true,
		"POST /v1/connections/{id}/preview":      true,
		"GET /v1/openapi.json":                   false,
		"POST /webhooks/{platform}/{endpointId}": false,
		// Zendesk's OAuth redirect: the browser carries no token; the
		// single-use state names the organisation.
		"GET /v1/oauth/zendesk/callback": false,
	}
	for _, path := range []string{"/v1/settings/{proxy+}", "/v1/connections", "/v1/connections/{proxy+}", "/v1/connections/{id}/config"} {
		for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			r[m+" "+path] = true
		}
	}
	return r
}()

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
			case strings.HasPrefix(key, "ANY ") || strings.HasPrefix(key, "OPTIONS ") || key == "$default":
				t.Errorf("route %q would catch CORS preflights", key)
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
		// The webhook route is throttled on its own, apart from /v1, and the
		// stage waits for the route its settings name.
		for id, st := range s.ofType("AWS::ApiGatewayV2::Stage") {
			p := props(st)
			rs, _ := p["RouteSettings"].(map[string]any)
			wh, _ := rs["POST /webhooks/{platform}/{endpointId}"].(map[string]any)
			if wh["ThrottlingRateLimit"] == nil || wh["ThrottlingBurstLimit"] == nil {
				t.Fatalf("stage %s: no throttle of its own on the webhook route: %v", id, rs)
			}
			for key := range rs {
				if strings.HasPrefix(key, "POST /v1") || strings.HasPrefix(key, "GET /v1") {
					t.Errorf("stage %s: route settings for %s would take it out of the /v1 defaults", id, key)
				}
			}
			deps := fmt.Sprint(st["DependsOn"])
			found := false
			for rid, r := range s.ofType("AWS::ApiGatewayV2::Route") {
				if props(r)["RouteKey"] == "POST /webhooks/{platform}/{endpointId}" && strings.Contains(deps, rid) {
					found = true
				}
			}
			if !found {
				t.Errorf("stage %s does not depend on the webhook route (DependsOn %s)", id, deps)
			}
		}
	})
}

// CORS: the configured console origins may call /v1 with a bearer token;
// API Gateway answers their preflights itself, since no route takes OPTIONS
// (TestRoutes).
func TestCORS(t *testing.T) {
	forEachStage(t, func(t *testing.T, s *synthesized) {
		origins := map[string][]any{"dev": {"http://localhost:8080"}, "prod": {prodConfig.ConsoleOrigins[0]}}[stageOf(s)]
		assert(t, func() {
			s.template.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Api"), map[string]any{
				"Name": "tandem-" + stageOf(s),
				"CorsConfiguration": map[string]any{
					"AllowOrigins":     origins,
					"AllowMethods":     []any{"GET", "POST", "PUT", "PATCH", "DELETE"},
					"AllowHeaders":     []any{"authorization", "content-type"},
					"AllowCredentials": false,
				},
			})
		})
	})
}

// Webhook URLs survive a replacement of the API when a custom domain is
// configured (prod in these tests); without one (dev) there is none.
func TestCustomDomain(t *testing.T) {
	prod := stacks["prod"]
	assert(t, func() {
		prod.template.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::DomainName"), map[string]any{
			"DomainName": prodConfig.APIDomain,
			"DomainNameConfigurations": []any{map[string]any{
				"CertificateArn": prodConfig.APICertificateARN, "EndpointType": "REGIONAL", "SecurityPolicy": "TLS_1_2",
			}},
		})
		prod.template.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::ApiMapping"), map[string]any{
			"Stage": "$default", "ApiId": assertions.Match_AnyValue(), "DomainName": assertions.Match_AnyValue(),
		})
		prod.template.HasOutput(jsii.String("ApiDomainTarget"), map[string]any{})
		prod.template.HasOutput(jsii.String("WebhookBaseUrl"), map[string]any{"Value": "https://" + prodConfig.APIDomain + "/"})
	})
	dev := stacks["dev"]
	if n := len(dev.ofType("AWS::ApiGatewayV2::DomainName")); n != 0 {
		t.Errorf("dev has %d custom domains, want none", n)
	}
}

// Sign-in: the password policy and MFA are unchanged; managed login with
// the OAuth authorization code flow (PKCE, a public client) is on, with the
// stage's callback and logout URLs and `tandem login`'s loopback URLs.
func TestIdentity(t *testing.T) {
	forEachStage(t, func(t *testing.T, s *synthesized) {
		callbacks := []any{tandem.LoginCallbackURL}
		logouts := []any{tandem.LoginLogoutURL}
		if stageOf(s) == "prod" {
			callbacks = append(callbacks, prodConfig.CallbackURLs[0])
			logouts = append(logouts, prodConfig.LogoutURLs[0])
		}
		assert(t, func() {
			s.template.HasResourceProperties(jsii.String("AWS::Cognito::UserPool"), map[string]any{
				"UserPoolName": "tandem-" + stageOf(s),
				"Schema": assertions.Match_ArrayWith(&[]any{
					map[string]any{"Name": "org_id", "AttributeDataType": "String", "Mutable": false},
					map[string]any{"Name": "org_name", "AttributeDataType": "String", "Mutable": true},
				}),
				"UsernameAttributes":    []any{"email"},
				"AdminCreateUserConfig": map[string]any{"AllowAdminCreateUserOnly": true},
				"Policies": map[string]any{"PasswordPolicy": map[string]any{
					"MinimumLength": 12.0, "RequireLowercase": true, "RequireUppercase": true,
					"RequireNumbers": true, "RequireSymbols": true, "TemporaryPasswordValidityDays": 3.0,
				}},
				"AccountRecoverySetting": map[string]any{"RecoveryMechanisms": []any{
					map[string]any{"Name": "verified_email", "Priority": 1.0},
				}},
				"MfaConfiguration": "ON",
				"EnabledMfas":      []any{"SOFTWARE_TOKEN_MFA"},
			})
			s.template.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolClient"), map[string]any{
				"GenerateSecret":                  false,
				"ExplicitAuthFlows":               []any{"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
				"WriteAttributes":                 []any{"name"},
				"AllowedOAuthFlows":               []any{"code"},
				"AllowedOAuthFlowsUserPoolClient": true,
				"AllowedOAuthScopes":              []any{"openid", "email", "profile"},
				"SupportedIdentityProviders":      []any{"COGNITO"},
				"CallbackURLs":                    callbacks,
				"LogoutURLs":                      logouts,
			})
			s.template.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolDomain"), map[string]any{
				"ManagedLoginVersion": 2.0,
				"Domain":              map[string]any{"Fn::Join": []any{"-", []any{"tandem-" + stageOf(s), map[string]any{"Ref": "AWS::AccountId"}}}},
			})
			s.template.HasResourceProperties(jsii.String("AWS::Cognito::ManagedLoginBranding"), map[string]any{
				"UseCognitoProvidedValues": true, "ClientId": assertions.Match_AnyValue(),
			})
			s.template.HasOutput(jsii.String("AuthDomain"), map[string]any{})
			s.template.HasOutput(jsii.String("UserPoolClientId"), map[string]any{})
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

	for _, fn := range []string{"SettingsFunction", "ConfigFunction"} {
		if actions, _ := actionsOf(fn, "sqs:"); len(actions) > 0 {
			t.Errorf("%s may use queues: %v", fn, actions)
		}
	}
	// Connections queues retries, skips, replays and initial syncs for the
	// sync functions, and the sweep's schedule queues sweeps: they send,
	// and consume nothing.
	for fn, suffixes := range map[string][]string{
		"ConnectionsFunction": {"-events.fifo", "-commands.fifo"},
		"SweepFunction":       {"-events.fifo"},
	} {
		actions, resources := actionsOf(fn, "sqs:")
		if len(actions) == 0 || slices.ContainsFunc(actions, func(a string) bool { return strings.Contains(a, "Receive") || strings.Contains(a, "Delete") }) {
			t.Errorf("%s may use queues with %v: want send only", fn, actions)
		}
		for _, r := range resources {
			name, _ := props(s.resources[refTo(r)])["QueueName"].(string)
			if !slices.ContainsFunc(suffixes, func(sfx string) bool { return strings.HasSuffix(name, sfx) }) || strings.Contains(name, "-dlq") {
				t.Errorf("%s may send to %v; only %v queues are allowed", fn, r, suffixes)
			}
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
}

// secretGrants renders each function's Secrets Manager statements as
// "action,action on pattern" strings, the ARN's fixed head stripped.
func secretGrants(s *synthesized) map[string][]string {
	const head = "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:"
	out := map[string][]string{}
	for fn, statements := range policyStatements(s) {
		for _, st := range statements {
			var actions []string
			for _, a := range asList(st["Action"]) {
				if strings.HasPrefix(a.(string), "secretsmanager:") {
					actions = append(actions, a.(string))
				}
			}
			if len(actions) == 0 {
				continue
			}
			for _, r := range asList(st["Resource"]) {
				arn := render(r)
				pattern, ok := strings.CutPrefix(arn, head)
				if !ok || st["Effect"] != "Allow" || st["Condition"] != nil {
					out[fn] = append(out[fn], fmt.Sprintf("unexpected statement: %v %s %v", st["Effect"], arn, st["Condition"]))
					continue
				}
				out[fn] = append(out[fn], strings.Join(actions, ",")+" on "+pattern)
			}
		}
		sort.Strings(out[fn])
	}
	return out
}

// render flattens Fn::Join and Ref into ${Ref} text.
func render(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		if ref, ok := v["Ref"].(string); ok {
			return "${" + ref + "}"
		}
		if join, ok := v["Fn::Join"].([]any); ok && len(join) == 2 {
			var parts []string
			for _, p := range asList(join[1]) {
				parts = append(parts, render(p))
			}
			return strings.Join(parts, join[0].(string))
		}
	}
	return fmt.Sprint(v)
}

// Each function's secrets, exactly: settings manages the stage's secrets;
// config reads credentials (any platform: a mapping may name the partner's
// values); the public webhook reads signing secrets and, for ConnectWise's
// signature check, ConnectWise credentials; each sync function reads its own
// platform's credentials only; renew-subscriptions reads Microsoft 365
// credentials and, to recreate a removed subscription with the same
// clientState, Microsoft 365 signing secrets (so does sync-graph);
// connections reads none. Zendesk rotates its
// OAuth refresh token at every use, so the functions that build Zendesk
// clients (config, sync-zendesk) also write Zendesk credentials and read
// Tandem's Zendesk OAuth client.
func TestSecretsPerFunction(t *testing.T) {
	forEachStage(t, func(t *testing.T, s *synthesized) {
		prefix := "tandem/" + stageOf(s) + "/"
		read := "secretsmanager:GetSecretValue on "
		manage := "secretsmanager:GetSecretValue,secretsmanager:CreateSecret,secretsmanager:PutSecretValue," +
			"secretsmanager:DeleteSecret,secretsmanager:TagResource on "
		creds := func(p string) string { return prefix + "*/" + p + "-??????" }
		rotate := "secretsmanager:GetSecretValue,secretsmanager:PutSecretValue on "
		oauthClient := prefix + "config/zendesk-oauth-??????"
		want := map[string][]string{
			"SettingsFunction": {manage + prefix + "*"},
			"ConfigFunction": {read + creds("autotask"), read + creds("connectwise"), read + creds("graph"), read + creds("halo"),
				read + creds("zendesk"), rotate + creds("zendesk"), read + oauthClient},
			"WebhookFunction":            {read + creds("connectwise"), read + prefix + "*/*/webhook/*"},
			"RenewSubscriptionsFunction": {read + creds("graph"), read + prefix + "*/graph/webhook/*"},
		}
		for _, p := range tandem.Platforms {
			want[functionIDs["sync-"+p]] = []string{read + creds(p)}
		}
		want["SyncZendeskFunction"] = append(want["SyncZendeskFunction"], rotate+creds("zendesk"), read+oauthClient)
		// sync-graph recreates a removed subscription with its clientState.
		want["SyncGraphFunction"] = append(want["SyncGraphFunction"], read+prefix+"*/graph/webhook/*")
		got := secretGrants(s)
		for _, id := range functionIDs {
			sort.Strings(want[id])
			if !slices.Equal(got[id], want[id]) {
				t.Errorf("%s may use secrets:\n  %s\nwant:\n  %s", id, strings.Join(got[id], "\n  "), strings.Join(want[id], "\n  "))
			}
		}
	})
}

// The patterns keep kinds of secrets apart: a sync function's pattern
// matches its platform's credentials and nothing else of the stage, the
// webhook pattern matches signing secrets only, and no pattern reaches
// another stage. (Secrets Manager appends -XXXXXX to every name.)
func TestSecretPatternsMatchTheirKindOnly(t *testing.T) {
	names := map[string]string{
		"prod credentials": "tandem/prod/acme/halo-AbC123",
		"prod cw creds":    "tandem/prod/acme/connectwise-AbC123",
		"prod webhook":     "tandem/prod/acme/halo/webhook/wh_Q2x9halo-AbC123",
		"dev credentials":  "tandem/dev/acme/halo-AbC123",
		"odd org":          "tandem/prod/halo/graph-AbC123",
		"graph webhook":    "tandem/prod/acme/graph/webhook/wh_Q2x9graph-AbC123",
	}
	patterns := map[string][]string{
		"tandem/prod/*/halo-??????":        {"prod credentials"},
		"tandem/prod/*/connectwise-??????": {"prod cw creds"},
		"tandem/prod/*/*/webhook/*":        {"graph webhook", "prod webhook"},
		"tandem/prod/*/graph/webhook/*":    {"graph webhook"},
		"tandem/prod/*/graph-??????":       {"odd org"},
		"tandem/prod/*":                    {"graph webhook", "odd org", "prod credentials", "prod cw creds", "prod webhook"},
	}
	for pattern, want := range patterns {
		var got []string
		for what, name := range names {
			if iamMatch(pattern, name) {
				got = append(got, what)
			}
		}
		sort.Strings(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s matches %v, want %v", pattern, got, want)
		}
	}
}

// iamMatch is IAM's ARN wildcard match: * any run of characters (slashes
// included), ? one character.
func iamMatch(pattern, s string) bool {
	if pattern == "" {
		return s == ""
	}
	switch pattern[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if iamMatch(pattern[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && iamMatch(pattern[1:], s[1:])
	default:
		return s != "" && s[0] == pattern[0] && iamMatch(pattern[1:], s[1:])
	}
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

// Timeouts fit what runs inside them. The settings function holds a
// connection test (settings.DefaultTestTimeout, 20 s) and saving its outcome
// (settings.DefaultRecordTime, 2 s) below API Gateway's 30 s; a sync
// function holds a batch of ten records, each up to a few 30 s platform
// attempts, and stops sqsbatch.DefaultMargin (5 s) before its deadline. The
// visibility timeouts stay at 6 x (TestEventSourceMappings).
func TestTimeouts(t *testing.T) {
	forEachStage(t, func(t *testing.T, s *synthesized) {
		for name, id := range functionIDs {
			timeout := props(s.resources[id])["Timeout"].(float64)
			var want float64
			switch {
			case name == "settings":
				want = 25
			case strings.HasPrefix(name, "sync-"):
				want = 120
			case name == "renew-subscriptions":
				want = 300 // scheduled, behind no API Gateway
			case name == "sweep":
				want = 60
			default:
				want = 10
			}
			if timeout != want {
				t.Errorf("%s: timeout %v s, want %v s", id, timeout, want)
			}
			if !strings.HasPrefix(name, "sync-") && name != "renew-subscriptions" && name != "sweep" && timeout >= 30 {
				t.Errorf("%s: timeout %v s does not fit API Gateway's 30 s", id, timeout)
			}
		}
	})
}

// The renewal of Microsoft Graph subscriptions runs on an EventBridge
// schedule that invokes renew-subscriptions, and only it, every 6 hours.
func TestRenewSchedule(t *testing.T) {
	forEachStage(t, func(t *testing.T, s *synthesized) {
		var found int
		for id, r := range s.ofType("AWS::Events::Rule") {
			p := props(r)
			if p["ScheduleExpression"] != "rate(6 hours)" {
				continue
			}
			found++
			if p["State"] != "ENABLED" {
				t.Errorf("%s: state %v, want ENABLED", id, p["State"])
			}
			targets, _ := p["Targets"].([]any)
			if len(targets) != 1 {
				t.Fatalf("%s: %d targets, want the renew function", id, len(targets))
			}
			arn, _ := json.Marshal(targets[0].(map[string]any)["Arn"])
			if !strings.Contains(string(arn), "RenewSubscriptionsFunction") {
				t.Errorf("%s targets %s, want RenewSubscriptionsFunction", id, arn)
			}
		}
		if found != 1 {
			t.Fatalf("%d rate(6 hours) rules, want 1", found)
		}
		var invokes bool
		for _, perm := range s.ofType("AWS::Lambda::Permission") {
			p := props(perm)
			fn, _ := json.Marshal(p["FunctionName"])
			if p["Principal"] == "events.amazonaws.com" && strings.Contains(string(fn), "RenewSubscriptionsFunction") {
				invokes = true
			}
		}
		if !invokes {
			t.Error("EventBridge may not invoke RenewSubscriptionsFunction")
		}
	})
}

// The reconciliation sweep's schedule: one rule, every five minutes (the
// shortest interval a connection may set), invoking the sweep function,
// which may invoke nothing else.
func TestSweepSchedule(t *testing.T) {
	forEachStage(t, func(t *testing.T, s *synthesized) {
		rules := map[string]map[string]any{}
		for id, r := range s.ofType("AWS::Events::Rule") {
			if props(r)["ScheduleExpression"] == "rate(5 minutes)" {
				rules[id] = r
			}
		}
		if len(rules) != 1 {
			t.Fatalf("%d rate(5 minutes) rules, want the sweep's", len(rules))
		}
		for id, r := range rules {
			p := props(r)
			targets := asList(p["Targets"])
			if p["ScheduleExpression"] != "rate(5 minutes)" || len(targets) != 1 || p["State"] == "DISABLED" {
				t.Errorf("%s: %v, want an enabled rate(5 minutes) rule with one target", id, p)
				continue
			}
			arn, _ := targets[0].(map[string]any)["Arn"].(map[string]any)
			if fn, _ := arn["Fn::GetAtt"].([]any); len(fn) == 0 || fn[0] != functionIDs["sweep"] {
				t.Errorf("%s targets %v, want %s", id, targets[0], functionIDs["sweep"])
			}
		}
	})
}

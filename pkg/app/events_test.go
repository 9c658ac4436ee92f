package app_test

// The sample events in events/ are what `sam local invoke -e` feeds each
// function. This test decodes every one into the aws-lambda-go type Lambda
// would, checks the fields AWS always sends are there, and calls the
// function's real handler on it (deps built like the local runner's, but
// with LocalMode off so the JWT claims path authenticates), so a sample
// cannot drift from the handlers or the handlers from the samples.

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tandemsync/tandem/pkg/api"
	"github.com/tandemsync/tandem/pkg/app"
	"github.com/tandemsync/tandem/pkg/app/allplatforms"
	"github.com/tandemsync/tandem/pkg/app/apifn"
	"github.com/tandemsync/tandem/pkg/app/syncfn"
	"github.com/tandemsync/tandem/pkg/autotask/autotasksim"
	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/localrun"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/queue"
	"github.com/tandemsync/tandem/pkg/queue/memqueue"
	"github.com/tandemsync/tandem/pkg/relay"
	"github.com/tandemsync/tandem/pkg/secretstore/secretstoretest"
	"github.com/tandemsync/tandem/pkg/settings"
	"github.com/tandemsync/tandem/pkg/webhook"
	"github.com/tandemsync/tandem/pkg/zendesk"
)

const (
	eventsDir    = "../../events"
	functionsDir = "../../functions"
	// envFile is SAM's --env-vars file (samconfig.toml names it), not an event.
	envFile = "env.json"

	// sampleWebhookSecret signs the delivery in events/webhook.json
	// (x-hook-signature). It is a sample-only value: no deployment uses it.
	// The test installs the sample's endpoint with it, so the committed
	// signature must verify. After editing that body, set the header to
	// what the failure message prints.
	sampleWebhookSecret = "sample-only-not-a-real-secret-0123456789abcdef"
	// sampleOrg is the organisation every sample acts for.
	sampleOrg = "org_acme"
)

// functionNames lists the directories under functions/ that hold a main.go.
func functionNames(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(functionsDir)
	if err != nil {
		t.Fatalf("read %s: %v", functionsDir, err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(functionsDir, e.Name(), "main.go")); err == nil {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		t.Fatalf("no functions found under %s", functionsDir)
	}
	return names
}

// sampleFiles maps each events/*.json (but env.json) to its function: the
// base name is the function's name, or "<function>-<variant>" for a second
// sample of the same function (the longest matching function name wins).
func sampleFiles(t *testing.T, functions []string) map[string]string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(eventsDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, p := range paths {
		base := strings.TrimSuffix(filepath.Base(p), ".json")
		if base+".json" == envFile {
			continue
		}
		fn := ""
		for _, f := range functions {
			if (base == f || strings.HasPrefix(base, f+"-")) && len(f) > len(fn) {
				fn = f
			}
		}
		if fn == "" {
			t.Errorf("events/%s.json belongs to no function: name it after a directory under functions/ (%s)", base, strings.Join(functions, ", "))
			continue
		}
		out[p] = fn
	}
	return out
}

func TestEventSamplesCoverEveryFunction(t *testing.T) {
	functions := functionNames(t)
	samples := sampleFiles(t, functions)
	for _, fn := range functions {
		if _, err := os.Stat(filepath.Join(eventsDir, fn+".json")); err != nil {
			t.Errorf("functions/%s has no sample event: add events/%s.json", fn, fn)
		}
		if _, ok := expectations[fn]; !ok {
			t.Errorf("functions/%s has no expectation in events_test.go: say what its handler answers to the sample", fn)
		}
	}
	for fn := range expectations {
		if !slices.Contains(functions, fn) {
			t.Errorf("events_test.go expects a function %q that functions/ does not have", fn)
		}
	}
	if len(samples) < len(functions) {
		t.Errorf("%d samples for %d functions", len(samples), len(functions))
	}
}

// TestSAMEnvVars checks events/env.json, the --env-vars file samconfig.toml
// points sam local at: global "Parameters" or a function's logical id.
func TestSAMEnvVars(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(eventsDir, envFile))
	if err != nil {
		t.Fatalf("samconfig.toml names events/%s: %v", envFile, err)
	}
	var env map[string]map[string]string
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatalf("events/%s is not {scope: {VAR: value}}: %v", envFile, err)
	}
	scopes := map[string]bool{"Parameters": true}
	for _, fn := range functionNames(t) {
		scopes[logicalID(fn)] = true
	}
	for scope, vars := range env {
		if !scopes[scope] {
			t.Errorf("events/%s: %q is neither Parameters nor a function's logical id", envFile, scope)
		}
		for k, v := range vars {
			if !strings.HasPrefix(k, "TANDEM_") || v == "" {
				t.Errorf("events/%s: %s.%s=%q: want a non-empty TANDEM_ variable", envFile, scope, k, v)
			}
		}
	}
	if env["Parameters"]["TANDEM_TABLE"] == "" {
		t.Errorf("events/%s: Parameters.TANDEM_TABLE is required: every function reads it at start", envFile)
	}
	for _, p := range allplatforms.Providers {
		for _, q := range []string{relay.EventsQueue(p.Kind), relay.CommandsQueue(p.Kind)} {
			v := "TANDEM_QUEUE_" + strings.ToUpper(strings.ReplaceAll(q, "-", "_"))
			// infra names queues tandem-<stage>-<platform>-<kind>.fifo.
			if !regexp.MustCompile(`/tandem-[a-z0-9]+-` + q + `\.fifo$`).MatchString(env["Parameters"][v]) {
				t.Errorf("events/%s: Parameters.%s = %q, want the URL of tandem-<stage>-%s.fifo", envFile, v, env["Parameters"][v], q)
			}
		}
	}
}

// logicalID is the CloudFormation id infra gives functions/<fn>:
// sync-autotask → SyncAutotaskFunction.
func logicalID(fn string) string {
	var b strings.Builder
	for _, part := range strings.Split(fn, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String() + "Function"
}

// expectation says how a function's handler must answer its sample.
type expectation func(t *testing.T, h *harness, raw []byte)

// expectations feed each function's samples to the handler its main.go
// starts (the main hands the same Deps method to lambda.StartHandlerFunc,
// which checks its type at compile time) and say what it must answer.
var expectations = map[string]expectation{
	"settings":         apiSample(func(d *app.Deps) api.Handler { return apifn.Deps{Deps: d}.SettingsHandler() }, expectSettings),
	"connections":      apiSample(func(d *app.Deps) api.Handler { return apifn.Deps{Deps: d}.ConnectionsHandler() }, expectConnections),
	"config":           apiSample(func(d *app.Deps) api.Handler { return apifn.Deps{Deps: d}.ConfigHandler() }, expectConfig),
	"webhook":          webhookSample,
	"sync-autotask":    syncSample(platform.Autotask),
	"sync-connectwise": syncSample(platform.ConnectWise),
	"sync-halo":        syncSample(platform.Halo),
	"sync-graph":       syncSample(platform.Graph),
	"sync-zendesk":     syncSample(zendesk.Kind),
	// The scheduled renewal: a subscription due within app.RenewBefore is
	// renewed (here it fails: the organisation has no credentials, which
	// is logged and reported), one that is not due is left alone.
	"renew-subscriptions": renewSample,
	"sweep":               sweepSample,
}

func TestEventSamples(t *testing.T) {
	functions := functionNames(t)
	samples := sampleFiles(t, functions)
	paths := make([]string, 0, len(samples))
	for p := range samples {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		fn := samples[p]
		t.Run(filepath.Base(p), func(t *testing.T) {
			t.Parallel()
			expect, ok := expectations[fn]
			if !ok {
				t.Fatalf("no expectation for function %s", fn)
			}
			raw, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			expect(t, newHarness(t), raw)
		})
	}
}

// harness is Deps as the local runner builds them — minidyn behind the real
// DynamoDB adapter, in-memory secrets, a memqueue broker — except that
// LocalMode is off, as in Lambda.
type harness struct {
	deps   *app.Deps
	broker *memqueue.Broker

	mu       sync.Mutex
	consumed map[string][]events.SQSMessage
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	log := slog.New(slog.NewTextHandler(t.Output(), nil))
	db, stop := localrun.EmbeddedDynamoDB()
	t.Cleanup(stop)
	h := &harness{broker: memqueue.New(memqueue.Options{Log: log}), consumed: map[string][]events.SQSMessage{}}
	h.deps = app.New(app.Options{
		Table: "tandem-events-test", DynamoDB: db, Secrets: secretstoretest.NewMemory(), Queue: h.broker,
		WebhookBaseURL: "https://r4nd0m1d2k.execute-api.eu-west-1.amazonaws.com", Log: log,
		LocalMode: false, // the JWT claims authenticate, not the dev bearer
		Providers: allplatforms.Providers,
	})
	if err := h.deps.Store.CreateTable(context.Background()); err != nil {
		t.Fatalf("create table: %v", err)
	}
	for _, p := range allplatforms.Providers {
		for _, q := range []string{relay.EventsQueue(p.Kind), relay.CommandsQueue(p.Kind)} {
			if err := h.broker.Subscribe(q, h.consumer(q), memqueue.QueueConfig{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return h
}

// consumer records what reaches queue q and does nothing else.
func (h *harness) consumer(q string) memqueue.Handler {
	return func(_ context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.consumed[q] = append(h.consumed[q], ev.Records...)
		return events.SQSEventResponse{}, nil
	}
}

// queued drains the broker and returns every message sent, by queue.
func (h *harness) queued(t *testing.T) map[string][]events.SQSMessage {
	t.Helper()
	if err := h.broker.Drain(context.Background()); err != nil {
		t.Fatalf("drain: %v", err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string][]events.SQSMessage{}
	for q, msgs := range h.consumed {
		if len(msgs) > 0 {
			out[q] = slices.Clone(msgs)
		}
	}
	return out
}

// ---- API Gateway HTTP API (payload 2.0) samples ----

func decodeHTTP(t *testing.T, raw []byte, wantAuthorizer bool) events.APIGatewayV2HTTPRequest {
	t.Helper()
	var req events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		t.Fatalf("not an API Gateway HTTP API event: %v", err)
	}
	checkKnownKeys(t, raw, req)
	rc := req.RequestContext
	for name, v := range map[string]string{
		"version": req.Version, "routeKey": req.RouteKey, "rawPath": req.RawPath,
		"requestContext.accountId": rc.AccountID, "requestContext.apiId": rc.APIID,
		"requestContext.domainName": rc.DomainName, "requestContext.http.method": rc.HTTP.Method,
		"requestContext.http.path": rc.HTTP.Path, "requestContext.http.protocol": rc.HTTP.Protocol,
		"requestContext.http.sourceIp": rc.HTTP.SourceIP, "requestContext.http.userAgent": rc.HTTP.UserAgent,
		"requestContext.requestId": rc.RequestID, "requestContext.routeKey": rc.RouteKey,
		"requestContext.stage": rc.Stage, "requestContext.time": rc.Time,
	} {
		if strings.TrimSpace(v) == "" {
			t.Errorf("%s is empty", name)
		}
	}
	if req.Version != "2.0" {
		t.Errorf("version = %q, want 2.0 (payload format 2.0)", req.Version)
	}
	if rc.Stage != "$default" {
		t.Errorf("stage = %q, want $default", rc.Stage)
	}
	if rc.TimeEpoch <= 0 {
		t.Error("requestContext.timeEpoch is not set")
	}
	if rc.RouteKey != req.RouteKey {
		t.Errorf("requestContext.routeKey %q != routeKey %q", rc.RouteKey, req.RouteKey)
	}
	if rc.HTTP.Path != req.RawPath {
		t.Errorf("requestContext.http.path %q != rawPath %q", rc.HTTP.Path, req.RawPath)
	}
	method, pattern, _ := strings.Cut(req.RouteKey, " ")
	if method != rc.HTTP.Method {
		t.Errorf("routeKey method %q != http.method %q", method, rc.HTTP.Method)
	}
	if !routeMatches(pattern, req.RawPath) {
		t.Errorf("rawPath %q does not match routeKey %q", req.RawPath, req.RouteKey)
	}
	if len(req.Headers) == 0 {
		t.Error("no headers")
	}
	for k := range req.Headers {
		if k != strings.ToLower(k) {
			t.Errorf("header %q: HTTP API sends header names in lower case", k)
		}
	}
	if req.Headers["host"] != rc.DomainName {
		t.Errorf("host header %q != domainName %q", req.Headers["host"], rc.DomainName)
	}
	if req.Body != "" && !req.IsBase64Encoded {
		if cl := req.Headers["content-length"]; cl != "" && cl != itoa(len(req.Body)) {
			t.Errorf("content-length %s, body has %d bytes", cl, len(req.Body))
		}
		if strings.HasPrefix(req.Headers["content-type"], "application/json") && !json.Valid([]byte(req.Body)) {
			t.Error("body is not valid JSON though content-type says so")
		}
	}
	switch {
	case !wantAuthorizer && rc.Authorizer != nil:
		t.Error("this route is public: the sample must carry no authorizer")
	case wantAuthorizer && (rc.Authorizer == nil || rc.Authorizer.JWT == nil):
		t.Fatal("requestContext.authorizer.jwt is missing: every /v1 route sits behind the JWT authorizer")
	case wantAuthorizer:
		claims := rc.Authorizer.JWT.Claims
		for _, c := range []string{"sub", api.ClaimOrgID, api.ClaimOrgName, "email", "iss", "aud", "token_use"} {
			if claims[c] == "" {
				t.Errorf("JWT claim %q is empty", c)
			}
		}
		if claims[api.ClaimOrgID] != sampleOrg {
			t.Errorf("claim %s = %q, want %q", api.ClaimOrgID, claims[api.ClaimOrgID], sampleOrg)
		}
		if !strings.HasPrefix(claims["iss"], "https://cognito-idp.") {
			t.Errorf("iss %q is not a Cognito user pool", claims["iss"])
		}
		if req.Headers["authorization"] == "" {
			t.Error("an authorised request carries the token in the authorization header")
		}
	}
	return req
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// routeMatches matches "/v1/connections/{id}/config" against a path.
func routeMatches(pattern, path string) bool {
	ps, xs := strings.Split(strings.Trim(pattern, "/"), "/"), strings.Split(strings.Trim(path, "/"), "/")
	if len(ps) != len(xs) {
		return false
	}
	for i, p := range ps {
		if !(strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") && xs[i] != "") && p != xs[i] {
			return false
		}
	}
	return true
}

// checkKnownKeys catches a misspelt field name (which a plain Unmarshal
// ignores) without refusing AWS's shape: every object key of the sample must
// survive a round trip through the typed value.
func checkKnownKeys(t *testing.T, raw []byte, typed any) {
	t.Helper()
	back, err := json.Marshal(typed)
	if err != nil {
		t.Fatal(err)
	}
	var orig, again any
	if err := json.Unmarshal(raw, &orig); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(back, &again); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, a, b any)
	walk = func(path string, a, b any) {
		am, ok := a.(map[string]any)
		if !ok {
			return
		}
		bm, _ := b.(map[string]any)
		for k, v := range am {
			bv, ok := bm[k]
			if !ok {
				if v != nil {
					t.Errorf("field %s%s is not part of the aws-lambda-go event type: misspelt?", path, k)
				}
				continue
			}
			walk(path+k+".", v, bv)
		}
	}
	walk("", orig, again)
}

func apiSample(handler func(*app.Deps) api.Handler, check func(t *testing.T, resp events.APIGatewayV2HTTPResponse, body map[string]any)) expectation {
	return func(t *testing.T, h *harness, raw []byte) {
		req := decodeHTTP(t, raw, true)
		resp, err := handler(h.deps)(context.Background(), req)
		if err != nil {
			t.Fatalf("handler error: %v", err)
		}
		body := jsonBody(t, resp)
		if resp.StatusCode >= 500 {
			t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
		}
		check(t, resp, body)
		if q := h.queued(t); len(q) > 0 {
			t.Errorf("an API call queued messages: %v", q)
		}
	}
}

func jsonBody(t *testing.T, resp events.APIGatewayV2HTTPResponse) map[string]any {
	t.Helper()
	if ct := resp.Headers["Content-Type"]; !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
		t.Fatalf("status %d, body not a JSON object: %v: %s", resp.StatusCode, err, resp.Body)
	}
	return body
}

func errorCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

// settings: GET /v1/settings/platform before anything was saved is the
// documented 404 not_configured.
func expectSettings(t *testing.T, resp events.APIGatewayV2HTTPResponse, body map[string]any) {
	if resp.StatusCode != 404 || errorCode(body) != "not_configured" {
		t.Errorf("got %d %s, want 404 not_configured", resp.StatusCode, resp.Body)
	}
}

// connections: POST /v1/connections creates a pending connection and shows
// its verification code once.
func expectConnections(t *testing.T, resp events.APIGatewayV2HTTPResponse, body map[string]any) {
	if resp.StatusCode != 201 {
		t.Fatalf("got %d %s, want 201", resp.StatusCode, resp.Body)
	}
	for _, f := range []string{"id", "verificationCode", "role", "contractName"} {
		if s, _ := body[f].(string); s == "" {
			t.Errorf("response field %q is empty: %s", f, resp.Body)
		}
	}
	if body["status"] != "pending" {
		t.Errorf("status = %v, want pending", body["status"])
	}
}

// config: the sample's connection does not exist in an empty table: 404.
func expectConfig(t *testing.T, resp events.APIGatewayV2HTTPResponse, body map[string]any) {
	if resp.StatusCode != 404 || errorCode(body) != "not_found" {
		t.Errorf("got %d %s, want 404 not_found", resp.StatusCode, resp.Body)
	}
}

// ---- webhook ----

var webhookPath = regexp.MustCompile(`^/webhooks/([a-z]+)/(wh_[A-Za-z0-9_-]+)$`)

func webhookSample(t *testing.T, h *harness, raw []byte) {
	req := decodeHTTP(t, raw, false)
	if req.RequestContext.HTTP.Method != "POST" {
		t.Errorf("method %s: deliveries are POSTed", req.RequestContext.HTTP.Method)
	}
	m := webhookPath.FindStringSubmatch(req.RawPath)
	if m == nil {
		t.Fatalf("rawPath %q is not /webhooks/<platform>/wh_<id>", req.RawPath)
	}
	kind := platform.Kind(m[1])
	if kind != platform.Autotask {
		t.Fatalf("the sample is an Autotask delivery; got %s", kind)
	}
	if req.Headers["x-hook-signature"] == "" {
		t.Fatal("an Autotask delivery carries x-hook-signature")
	}
	ctx := context.Background()

	// As sam local invoke runs it against an empty table: the made-up
	// endpoint is unknown.
	unknown, err := apifn.Deps{Deps: h.deps}.WebhookHandler()(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if unknown.StatusCode != 404 {
		t.Errorf("unknown endpoint: got %d %s, want 404", unknown.StatusCode, unknown.Body)
	}

	// With the sample's endpoint installed, signed with the sample secret.
	ep := webhook.Endpoint{ID: m[2], OrgID: sampleOrg, Platform: kind, SecretName: webhook.SecretName(sampleOrg, kind, m[2]), CreatedAt: h.deps.Clock.Now()}
	if err := h.deps.Store.PutEndpoint(ctx, ep); err != nil {
		t.Fatal(err)
	}
	if err := h.deps.Secrets.PutSecret(ctx, ep.SecretName, []byte(sampleWebhookSecret)); err != nil {
		t.Fatal(err)
	}
	resp, err := apifn.Deps{Deps: h.deps}.WebhookHandler()(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode == 401 {
		t.Fatalf("the sample's signature does not verify with the sample secret: set x-hook-signature to %q",
			autotasksim.Sign(sampleWebhookSecret, []byte(req.Body)))
	}
	if resp.StatusCode != 202 {
		t.Fatalf("got %d %s, want 202", resp.StatusCode, resp.Body)
	}
	if !bytes.Equal(bytes.TrimSpace([]byte(resp.Body)), []byte(`{"queued":1}`)) {
		t.Errorf("body %s, want {\"queued\":1}", resp.Body)
	}
	q := h.queued(t)
	msgs := q[relay.EventsQueue(kind)]
	if len(msgs) != 1 || len(q) != 1 {
		t.Fatalf("queued %v, want one message on %s", q, relay.EventsQueue(kind))
	}
	env := decodeEnvelope(t, msgs[0].Body)
	if env.Org != sampleOrg || env.Event == nil || env.Event.Platform != kind ||
		env.Event.Type != platform.EventTicketUpdated || env.Event.TicketID != "29684127" {
		t.Errorf("queued %s, want an %s ticket.updated of ticket 29684127 for %s", msgs[0].Body, kind, sampleOrg)
	}
	if g := msgs[0].Attributes["MessageGroupId"]; g != "" && g != queue.GroupID(sampleOrg, env.Event.TicketID) {
		t.Errorf("message group %q, want one group per ticket", g)
	}
}

// ---- SQS samples ----

var queueARN = regexp.MustCompile(`^arn:aws:sqs:([a-z0-9-]+):(\d{12}):tandem-([a-z]+)-(events|commands)\.fifo$`)

func decodeEnvelope(t *testing.T, body string) relay.Envelope {
	t.Helper()
	var env relay.Envelope
	dec := json.NewDecoder(strings.NewReader(body)) // our own type: strict
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		t.Fatalf("body is not a relay.Envelope: %v: %s", err, body)
	}
	return env
}

func syncSample(kind platform.Kind) expectation {
	return func(t *testing.T, h *harness, raw []byte) {
		var ev events.SQSEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatalf("not an SQS event: %v", err)
		}
		checkKnownKeys(t, raw, ev)
		if len(ev.Records) == 0 {
			t.Fatal("no Records")
		}
		ids := map[string]bool{}
		for i, r := range ev.Records {
			for name, v := range map[string]string{
				"messageId": r.MessageId, "receiptHandle": r.ReceiptHandle, "body": r.Body,
				"md5OfBody": r.Md5OfBody, "eventSource": r.EventSource, "eventSourceARN": r.EventSourceARN, "awsRegion": r.AWSRegion,
			} {
				if v == "" {
					t.Errorf("record %d: %s is empty", i, name)
				}
			}
			for _, a := range []string{"ApproximateReceiveCount", "SentTimestamp", "MessageGroupId", "MessageDeduplicationId", "SequenceNumber"} {
				if r.Attributes[a] == "" {
					t.Errorf("record %d: attribute %s is empty (FIFO queues always send it)", i, a)
				}
			}
			if ids[r.MessageId] {
				t.Errorf("record %d: messageId %s repeats", i, r.MessageId)
			}
			ids[r.MessageId] = true
			if sum := md5.Sum([]byte(r.Body)); r.Md5OfBody != hex.EncodeToString(sum[:]) {
				t.Errorf("record %d: md5OfBody %s, the body's is %s", i, r.Md5OfBody, hex.EncodeToString(sum[:]))
			}
			if r.EventSource != "aws:sqs" {
				t.Errorf("record %d: eventSource %q", i, r.EventSource)
			}
			m := queueARN.FindStringSubmatch(r.EventSourceARN)
			if m == nil {
				t.Errorf("record %d: eventSourceARN %q is not a tandem-<platform>-<events|commands>.fifo queue", i, r.EventSourceARN)
			} else {
				if m[3] != string(kind) {
					t.Errorf("record %d: queue of %s, but the sample feeds sync-%s", i, m[3], kind)
				}
				if m[1] != r.AWSRegion {
					t.Errorf("record %d: awsRegion %s, queue in %s", i, r.AWSRegion, m[1])
				}
			}
			env := decodeEnvelope(t, r.Body)
			if env.Org != sampleOrg {
				t.Errorf("record %d: org %q, want %q", i, env.Org, sampleOrg)
			}
			if env.Event == nil {
				t.Fatalf("record %d: the samples carry events (a command needs a configured partner)", i)
			}
			if env.Event.Platform != kind || env.Event.Type == "" || env.Event.TicketID == "" || env.Event.DeliveryID == "" {
				t.Errorf("record %d: event %+v: want a %s event with type, ticketId and deliveryId", i, *env.Event, kind)
			}
			if g := r.Attributes["MessageGroupId"]; g != queue.GroupID(env.Org, env.Event.TicketID) {
				t.Errorf("record %d: MessageGroupId %q, the webhook receiver groups by ticket: %q", i, g, queue.GroupID(env.Org, env.Event.TicketID))
			}
		}

		// Nothing is stored: the organisation has no active connection, so
		// each event is done without a platform call and without a retry.
		resp, err := syncfn.Deps{Deps: h.deps, Kind: kind}.Handler()(context.Background(), ev)
		if err != nil {
			t.Fatalf("handler error: %v", err)
		}
		if len(resp.BatchItemFailures) != 0 {
			t.Errorf("batch item failures %v: an event of an organisation without connections is done", resp.BatchItemFailures)
		}
		if q := h.queued(t); len(q) > 0 {
			t.Errorf("sync queued %v; nothing to send without a connection", q)
		}
	}
}

// renewSample feeds the schedule's event (an EventBridge "Scheduled Event",
// docs.aws.amazon.com/eventbridge, "Amazon EventBridge events" example) to
// the handler renew-subscriptions starts.
func renewSample(t *testing.T, h *harness, raw []byte) {
	var ev events.EventBridgeEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("not an EventBridge event: %v", err)
	}
	checkKnownKeys(t, raw, ev)
	if ev.DetailType != "Scheduled Event" || ev.Source != "aws.events" || len(ev.Resources) != 1 || !strings.Contains(ev.Resources[0], ":rule/") {
		t.Fatalf("event %+v: want a Scheduled Event from aws.events naming its rule", ev)
	}
	ctx := context.Background()
	now := h.deps.Clock.Now()
	for _, ep := range []webhook.Endpoint{
		{ID: "wh_due", OrgID: sampleOrg, Platform: platform.Graph, SecretName: "s1", PlatformWebhookID: "sub-due", CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
		{ID: "wh_fresh", OrgID: "org_other", Platform: platform.Graph, SecretName: "s2", PlatformWebhookID: "sub-fresh", CreatedAt: now, ExpiresAt: now.Add(app.RenewBefore + time.Hour)},
	} {
		if err := h.deps.Store.PutEndpoint(ctx, ep); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := h.deps.RenewHandler()(ctx, ev)
	if err == nil || rep.Checked != 2 || rep.Failed != 1 || rep.Renewed != 0 {
		t.Fatalf("report %+v, error %v: want both checked, the due one failed (no credentials), an error", rep, err)
	}
	if q := h.queued(t); len(q) != 0 {
		t.Fatalf("queued %v: nothing was recreated, so no catch-up", q)
	}
	// Any other event is refused rather than taken for the schedule.
	ev.DetailType = "Object Created"
	if _, err := h.deps.RenewHandler()(ctx, ev); err == nil {
		t.Fatal("a non-scheduled event was accepted")
	}
}

// sweepSample: the schedule's tick queues one sweep for each side of each
// active connection, on that side's platform's events queue, and the
// same tick again queues nothing new (the queue drops the repeat).
func sweepSample(t *testing.T, h *harness, raw []byte) {
	var ev events.EventBridgeEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("not an EventBridge event: %v", err)
	}
	checkKnownKeys(t, raw, ev)
	if ev.Source != "aws.events" || ev.DetailType != "Scheduled Event" || len(ev.Resources) != 1 {
		t.Fatalf("not a scheduled event: %+v", ev)
	}
	ctx := context.Background()
	partner := "org_partner"
	for org, kind := range map[string]platform.Kind{sampleOrg: platform.Autotask, partner: platform.Halo} {
		if err := h.deps.Store.PutAccount(ctx, settings.Account{OrgID: org, Platform: kind}); err != nil {
			t.Fatal(err)
		}
	}
	// The accounts carry no credentials: the platforms' readiness for a
	// connection is not what this sample exercises.
	h.deps.Connections.Ready = nil
	created, err := h.deps.Connections.Create(ctx, connection.Caller{OrgID: sampleOrg, OrgName: "Acme"}, connection.Source, "Sweep sample")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.deps.Connections.Accept(ctx, connection.Caller{OrgID: partner, OrgName: "Partner"}, created.VerificationCode); err != nil {
		t.Fatal(err)
	}
	handler := h.deps.SweepHandler()
	out, err := handler(ctx, ev)
	if err != nil || out.Queued != 2 {
		t.Fatalf("tick: %+v, %v; want 2 sweeps queued", out, err)
	}
	got := h.queued(t)
	for q, org := range map[string]string{relay.EventsQueue(platform.Autotask): sampleOrg, relay.EventsQueue(platform.Halo): partner} {
		if len(got[q]) != 1 {
			t.Fatalf("%s got %d messages, want one sweep", q, len(got[q]))
		}
		env := decodeEnvelope(t, got[q][0].Body)
		if env.Org != org || env.Sweep == nil || env.Sweep.ConnectionID != created.ID {
			t.Errorf("%s: %+v, want a sweep of %s for %s", q, env, created.ID, org)
		}
	}
	if _, err := handler(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if again := h.queued(t); len(again[relay.EventsQueue(platform.Halo)]) != 1 {
		t.Errorf("a repeated tick queued the sweep again: %v", again)
	}
}

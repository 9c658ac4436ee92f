package app_test

// Guarantees held by the production wiring (LocalMode off), tested through
// the handlers the Lambda functions serve.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
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
	"github.com/tandemsync/tandem/pkg/localrun"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/queue/memqueue"
	"github.com/tandemsync/tandem/pkg/relay"
	"github.com/tandemsync/tandem/pkg/secretstore/secretstoretest"
	"github.com/tandemsync/tandem/pkg/webhook"
	"github.com/tandemsync/tandem/pkg/zendesk"
)

// productionDeps wires Deps as a Lambda function does: LocalMode off.
func productionDeps(t *testing.T, log *slog.Logger, q *memqueue.Broker) *app.Deps {
	t.Helper()
	db, stop := localrun.EmbeddedDynamoDB()
	t.Cleanup(stop)
	d := app.New(app.Options{Table: "tandem-guarantees", DynamoDB: db, Secrets: secretstoretest.NewMemory(), Queue: q, Log: log,
		WebhookBaseURL: "https://api.example.com", Providers: allplatforms.Providers})
	if err := d.Store.CreateTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	return d
}

// asOrg is an API request as the JWT authorizer passes it on.
func asOrg(org, method, path string, body any) events.APIGatewayV2HTTPRequest {
	req := events.APIGatewayV2HTTPRequest{RawPath: path, Headers: map[string]string{"content-type": "application/json"}}
	req.RequestContext.HTTP.Method = method
	req.RequestContext.HTTP.Path = path
	req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{api.ClaimOrgID: org}},
	}
	if body != nil {
		b, _ := json.Marshal(body)
		req.Body = string(b)
	}
	return req
}

// urlFields are the credential fields of each platform that name a server
// Tandem will call. Graph's are simulator overrides, refused in production
// whatever their value.
var urlFields = map[platform.Kind][]string{
	platform.Autotask:    {"apiUrl"},
	platform.ConnectWise: {"site"},
	platform.Halo:        {"url"},
	platform.Graph:       {"loginUrl", "graphUrl"},
	zendesk.Kind:         {"subdomain"},
}

// In production every platform refuses, when credentials are saved, a URL
// that would make Tandem call a private, loopback, link-local or plain-http
// address (SSRF into the VPC or the metadata endpoint).
func TestProductionRefusesPrivateAddressesForEveryPlatform(t *testing.T) {
	sims := localrunSimulatorCredentials(t)
	d := productionDeps(t, slog.New(slog.DiscardHandler), nil)
	h := apifn.Deps{Deps: d}.SettingsHandler()
	if len(urlFields) != len(allplatforms.Providers) {
		t.Fatalf("urlFields covers %d platforms, allplatforms.Providers has %d: name the new platform's URL fields", len(urlFields), len(allplatforms.Providers))
	}
	for _, p := range allplatforms.Providers {
		for _, field := range urlFields[p.Kind] {
			for _, bad := range []string{"http://127.0.0.1:8080", "https://10.0.0.1", "https://169.254.169.254", "https://[::1]"} {
				t.Run(fmt.Sprintf("%s/%s=%s", p.Kind, field, bad), func(t *testing.T) {
					creds := platform.Credentials{}
					for k, v := range sims[p.Kind] {
						creds[k] = v
					}
					creds[field] = bad
					resp, err := h(context.Background(), asOrg("org_ssrf", "PUT", "/v1/settings/platform", map[string]any{"platform": p.Kind, "credentials": creds}))
					if err != nil {
						t.Fatal(err)
					}
					if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, field) {
						t.Fatalf("saved %s=%s in production: %d %s, want 422 naming %s", field, bad, resp.StatusCode, resp.Body, field)
					}
				})
			}
		}
	}
}

// localrunSimulatorCredentials are valid credentials of every platform
// (pointing at simulators), for tests that change one field of them.
func localrunSimulatorCredentials(t *testing.T) map[platform.Kind]platform.Credentials {
	t.Helper()
	r, err := localrun.Start(context.Background(), localrun.Options{Addr: "127.0.0.1:0", ManualQueues: true, Simulators: true, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	out := map[platform.Kind]platform.Credentials{}
	for _, p := range allplatforms.Providers {
		c, ok := r.Sims.IntegrationCredentials(p.Kind)
		if !ok {
			t.Fatalf("no simulator credentials for %s", p.Kind)
		}
		out[p.Kind] = c
	}
	return out
}

// secretFields are, per platform, the credentials that grant access: named
// here from the vendors' documentation rather than read from the providers,
// so a provider that forgets one fails the test below.
var secretFields = map[platform.Kind][]string{
	platform.Autotask:    {"secret", "integrationCode"},
	platform.ConnectWise: {"privateKey"},
	platform.Halo:        {"clientSecret"},
	platform.Graph:       {"clientSecret"},
	zendesk.Kind:         {"apiToken"},
}

// For every real platform, the secret credential values never come back
// from PUT or GET and never reach a log line; the other fields do.
func TestSecretsOfEveryPlatformAreNeverShownOrLogged(t *testing.T) {
	if len(secretFields) != len(allplatforms.Providers) {
		t.Fatalf("secretFields covers %d platforms, allplatforms.Providers has %d: name the new platform's secret fields", len(secretFields), len(allplatforms.Providers))
	}
	var logs lockedBuffer
	r, err := localrun.Start(context.Background(), localrun.Options{Addr: "127.0.0.1:0", ManualQueues: true, Simulators: true,
		Log: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	for _, p := range allplatforms.Providers {
		t.Run(string(p.Kind), func(t *testing.T) {
			creds, _ := r.Sims.IntegrationCredentials(p.Kind)
			secrets := secretFields[p.Kind]
			org := "org_" + string(p.Kind)
			put := httpJSON(t, r.URL, org, "PUT", "/v1/settings/platform", map[string]any{"platform": p.Kind, "credentials": creds})
			get := httpJSON(t, r.URL, org, "GET", "/v1/settings/platform", nil)
			test := httpJSON(t, r.URL, org, "POST", "/v1/settings/platform/test", nil)
			if !strings.Contains(test, "Connection tested") {
				t.Fatalf("the simulator's credentials did not test: %s", test)
			}
			for _, f := range secrets {
				v := creds[f]
				if v == "" {
					t.Fatalf("the simulator gives no %s", f)
				}
				for what, text := range map[string]string{"PUT answer": put, "GET answer": get, "logs": logs.String()} {
					if strings.Contains(text, v) {
						t.Errorf("%s: the value of secret field %s appears in the %s", p.Kind, f, what)
					}
				}
				if !strings.Contains(get, `"`+f+`"`) {
					t.Errorf("%s: GET does not show the masked %s field at all: %s", p.Kind, f, get)
				}
			}
			// The visible fields are shown as saved, so masking is by field.
			for k, v := range creds {
				if v != "" && !contains(secrets, k) && !strings.Contains(get, v) {
					t.Errorf("%s: non-secret field %s is not shown: %s", p.Kind, k, get)
				}
			}
		})
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func httpJSON(t *testing.T, base, org, method, path string, body any) string {
	t.Helper()
	var rd bytes.Buffer
	if body != nil {
		_ = json.NewEncoder(&rd).Encode(body)
	}
	req, _ := http.NewRequest(method, base+path, &rd)
	req.Header.Set("Authorization", "Bearer dev:"+org)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b.String())
	}
	return b.String()
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// One ticket's slowness must not hold up another's: deliveries go through
// the webhook handler (which picks each event's FIFO group) onto the queue,
// two consumers run the sync handler (the engine), and while ticket A's
// first change is held, ticket B's change is handled and A's second change
// waits behind A's first.
func TestTicketsSyncInParallelWhileEachStaysInOrder(t *testing.T) {
	broker := memqueue.New(memqueue.Options{Log: slog.New(slog.DiscardHandler)})
	d := productionDeps(t, slog.New(slog.DiscardHandler), broker)
	ctx := context.Background()
	const org, secret = "org_fifo", "fifo-test-secret-0123456789abcdef"
	ep := webhook.Endpoint{ID: "wh_fifo", OrgID: org, Platform: platform.Autotask, SecretName: webhook.SecretName(org, platform.Autotask, "wh_fifo")}
	if err := d.Store.PutEndpoint(ctx, ep); err != nil {
		t.Fatal(err)
	}
	if err := d.Secrets.PutSecret(ctx, ep.SecretName, []byte(secret)); err != nil {
		t.Fatal(err)
	}

	names := map[int64]string{1: "a1", 2: "a2", 3: "b1"}
	type seen struct{ ticket, delivery string } // delivery: "a1", "a2", "b1" from the sequence number
	var (
		mu       sync.Mutex
		started  []seen
		heldA    = make(chan struct{})
		releaseA = make(chan struct{})
		handled  = make(chan seen, 8)
	)
	sync := syncfn.Deps{Deps: d, Kind: platform.Autotask}.Handler()
	gated := func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		for _, m := range ev.Records {
			var env relay.Envelope
			if err := json.Unmarshal([]byte(m.Body), &env); err != nil || env.Event == nil {
				t.Errorf("not an event: %s", m.Body)
				continue
			}
			s := seen{env.Event.TicketID, names[env.Event.Sequence]}
			mu.Lock()
			started = append(started, s)
			mu.Unlock()
			if s.delivery == "a1" {
				close(heldA)
				<-releaseA
			}
		}
		resp, err := sync(ctx, ev)
		for _, m := range ev.Records {
			var env relay.Envelope
			_ = json.Unmarshal([]byte(m.Body), &env)
			handled <- seen{env.Event.TicketID, names[env.Event.Sequence]}
		}
		return resp, err
	}
	if err := broker.Subscribe(relay.EventsQueue(platform.Autotask), gated, memqueue.QueueConfig{BatchSize: 1, Concurrency: 2}); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { _ = broker.Run(runCtx) }()

	deliver := func(guid string, ticket int, seq int64) {
		t.Helper()
		body := fmt.Sprintf(`{"Action":"Update","Guid":%q,"EntityType":"Ticket","Id":%d,"Fields":{"status":8},"EventTime":"2026-11-25T10:00:00Z","SequenceNumber":%d,"PersonID":7}`, guid, ticket, seq)
		req := events.APIGatewayV2HTTPRequest{RawPath: "/webhooks/autotask/wh_fifo", Body: body,
			Headers: map[string]string{"x-hook-signature": autotasksim.Sign(secret, []byte(body))}}
		req.RequestContext.HTTP.Method = "POST"
		resp, err := apifn.Deps{Deps: d}.WebhookHandler()(ctx, req)
		if err != nil || resp.StatusCode != http.StatusAccepted {
			t.Fatalf("delivery %s: %d %s %v", guid, resp.StatusCode, resp.Body, err)
		}
	}
	wait := func(what string, ch <-chan struct{}) {
		t.Helper()
		select {
		case <-ch:
		case <-time.After(10 * time.Second):
			t.Fatalf("timed out waiting for %s", what)
		}
	}
	deliver("a1", 1001, 1)
	wait("ticket A's first change to start", heldA)
	deliver("a2", 1001, 2)
	deliver("b1", 2002, 3)
	select {
	case s := <-handled:
		if s.delivery != "b1" {
			t.Fatalf("while A's first change was held, %+v was handled, want ticket B's change", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ticket B's change waited behind ticket A's: tickets do not sync in parallel")
	}
	mu.Lock()
	for _, s := range started {
		if s.delivery == "a2" {
			mu.Unlock()
			t.Fatal("A's second change started while its first was still in flight: the ticket's order is lost")
		}
	}
	mu.Unlock()
	close(releaseA)
	var order []string
	for len(order) < 2 {
		select {
		case s := <-handled:
			order = append(order, s.delivery)
		case <-time.After(10 * time.Second):
			t.Fatalf("A's changes not handled; got %v", order)
		}
	}
	if order[0] != "a1" || order[1] != "a2" {
		t.Fatalf("ticket A's changes handled as %v, want [a1 a2]", order)
	}
}

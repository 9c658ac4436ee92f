package app_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tandemsync/tandem/pkg/app"
	"github.com/tandemsync/tandem/pkg/app/allplatforms"
	"github.com/tandemsync/tandem/pkg/app/apifn"
	"github.com/tandemsync/tandem/pkg/autotask"
	"github.com/tandemsync/tandem/pkg/autotask/autotasksim"
	"github.com/tandemsync/tandem/pkg/localrun"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/queue/memqueue"
	"github.com/tandemsync/tandem/pkg/relay"
	"github.com/tandemsync/tandem/pkg/secretstore/secretstoretest"
	"github.com/tandemsync/tandem/pkg/webhook"
)

// benchDeps wires Deps the way the local runner does: the embedded minidyn
// store over HTTP through the real SDK adapter, the in-memory secret store,
// and a memqueue broker whose events queues have a consumer that is never
// run (messages just accumulate, as in SQS while the sync function is busy).
func benchDeps(b *testing.B) *app.Deps {
	b.Helper()
	db, stop := localrun.EmbeddedDynamoDB()
	b.Cleanup(stop)
	broker := memqueue.New(memqueue.Options{Log: slog.New(slog.DiscardHandler)})
	noop := func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
		return events.SQSEventResponse{}, nil
	}
	for _, k := range allplatforms.Providers {
		if err := broker.Subscribe(relay.EventsQueue(k.Kind), noop, memqueue.QueueConfig{}); err != nil {
			b.Fatal(err)
		}
	}
	d := app.New(app.Options{
		Table: "tandem-bench", DynamoDB: db, Secrets: secretstoretest.NewMemory(), Queue: broker,
		WebhookBaseURL: "http://127.0.0.1:1", LocalMode: true, Providers: allplatforms.Providers,
		// Handlers log as in Lambda (JSON), to nowhere.
		Log: slog.New(slog.NewJSONHandler(discard{}, nil)),
	})
	if err := d.Store.CreateTable(context.Background()); err != nil {
		b.Fatal(err)
	}
	return d
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// autotaskDeliveries are n distinct signed Ticket-update deliveries for the
// endpoint, shaped like the simulator's (and Autotask's) callouts and
// converted to API Gateway events exactly as the local runner converts them.
func autotaskDeliveries(b *testing.B, ep webhook.Endpoint, secret string, n int) []events.APIGatewayV2HTTPRequest {
	b.Helper()
	out := make([]events.APIGatewayV2HTTPRequest, n)
	for i := range out {
		body := fmt.Appendf(nil, `{"Action":"Update","Guid":"5c1d8e0f7a9b4e3c8d2f6a1b0c9e8d7f","EntityType":"Ticket","Id":%d,`+
			`"Fields":{"status":8,"title":"Printer on floor 3 jams","queueID":29682969,"priority":1},`+
			`"EventTime":"2026-11-25T10:%02d:%02d.123Z","SequenceNumber":%d,"PersonID":29682886}`,
			1000+i%200, (i/60)%60, i%60, i+1)
		req := httptest.NewRequest(http.MethodPost, "/webhooks/autotask/"+ep.ID, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(autotask.SignatureHeader, autotasksim.Sign(secret, body))
		out[i] = localrun.ToEvent(req, body)
	}
	return out
}

// BenchmarkWebhookHandler is functions/webhook handling a signed Autotask
// delivery: endpoint lookup (one DynamoDB GetItem over HTTP), secret (cached
// after the first), HMAC-SHA1 verification, parsing, and the FIFO send.
// p50-ns and p99-ns are per-call latencies of the last 64Ki calls.
func BenchmarkWebhookHandler(b *testing.B) {
	d := benchDeps(b)
	ctx := context.Background()
	ep := webhook.Endpoint{ID: "wh_benchEndpoint0000000001", OrgID: "acme", Platform: platform.Autotask,
		SecretName: webhook.SecretName("acme", platform.Autotask, "wh_benchEndpoint0000000001"), CreatedAt: time.Now()}
	const secret = "bench-signing-secret-3f9c2a7e5b1d4c8a9e0f6b2d7c1a5e3f"
	if err := d.Store.PutEndpoint(ctx, ep); err != nil {
		b.Fatal(err)
	}
	if err := d.Secrets.PutSecret(ctx, ep.SecretName, []byte(secret)); err != nil {
		b.Fatal(err)
	}
	reqs := autotaskDeliveries(b, ep, secret, 4096)
	h := apifn.Deps{Deps: d}.WebhookHandler()
	// Warm: the secret cache and the SDK's connection pool.
	if resp, err := h(ctx, reqs[0]); err != nil || resp.StatusCode != http.StatusAccepted {
		b.Fatalf("warm-up delivery: %d %s %v", resp.StatusCode, resp.Body, err)
	}
	const window = 1 << 16
	lat := make([]time.Duration, window)
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		req := reqs[n%len(reqs)]
		start := time.Now()
		resp, err := h(ctx, req)
		lat[n%window] = time.Since(start)
		n++
		if err != nil || resp.StatusCode != http.StatusAccepted {
			b.Fatalf("delivery %d: %d %s %v", n, resp.StatusCode, resp.Body, err)
		}
	}
	got := slices.Clone(lat[:min(n, window)])
	slices.Sort(got)
	if len(got) > 0 {
		b.ReportMetric(float64(got[len(got)/2].Nanoseconds()), "p50-ns")
		b.ReportMetric(float64(got[(len(got)*99)/100].Nanoseconds()), "p99-ns")
	}
}

package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/tandemsync/tandem/pkg/autotask"
	"github.com/tandemsync/tandem/pkg/autotask/autotasksim"
	"github.com/tandemsync/tandem/pkg/graph"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/queue"
	"github.com/tandemsync/tandem/pkg/relay"
	"github.com/tandemsync/tandem/pkg/secretstore/secretstoretest"
	"github.com/tandemsync/tandem/pkg/webhook"
)

type memEndpoints struct {
	mu sync.Mutex
	m  map[string]webhook.Endpoint
}

func (s *memEndpoints) PutEndpoint(_ context.Context, e webhook.Endpoint) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[e.ID] = e
	return nil
}

func (s *memEndpoints) GetEndpoint(_ context.Context, id string) (webhook.Endpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[id]
	if !ok {
		return webhook.Endpoint{}, webhook.ErrUnknownEndpoint
	}
	return e, nil
}

func (s *memEndpoints) EndpointsOf(context.Context, string) ([]webhook.Endpoint, error) {
	return nil, nil
}
func (s *memEndpoints) DeleteEndpoint(context.Context, webhook.Endpoint) error { return nil }

type capture struct {
	mu   sync.Mutex
	sent map[string][]queue.Message
	err  error
}

func (c *capture) Send(_ context.Context, q string, msgs ...queue.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.err
	}
	c.sent[q] = append(c.sent[q], msgs...)
	return nil
}

func (c *capture) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, m := range c.sent {
		n += len(m)
	}
	return n
}

const secret = "endpoint-secret-value-0123456789"

func newReceiver(t *testing.T) (*webhook.Receiver, *capture) {
	t.Helper()
	eps := &memEndpoints{m: map[string]webhook.Endpoint{}}
	secrets := secretstoretest.NewMemory()
	ctx := context.Background()
	for _, e := range []webhook.Endpoint{
		{ID: "wh_at", OrgID: "acme", Platform: platform.Autotask, SecretName: "tandem/acme/autotask/webhook/wh_at"},
		{ID: "wh_graph", OrgID: "acme", Platform: platform.Graph, SecretName: "tandem/acme/graph/webhook/wh_graph"},
	} {
		if err := eps.PutEndpoint(ctx, e); err != nil {
			t.Fatal(err)
		}
		if err := secrets.PutSecret(ctx, e.SecretName, []byte(secret)); err != nil {
			t.Fatal(err)
		}
	}
	out := &capture{sent: map[string][]queue.Message{}}
	return &webhook.Receiver{
		Store: eps, Secrets: secrets, Out: out,
		Readers: readers{
			platform.Autotask: autotask.Provider.Inbound(false),
			platform.Graph:    graph.Provider.Inbound(false),
		},
	}, out
}

// readers wires the platforms these tests deliver for.
type readers map[platform.Kind]platform.Inbound

func (r readers) Inbound(k platform.Kind) (platform.Inbound, bool) {
	in, ok := r[k]
	return in, ok
}

const autotaskBody = `{"Action":"Update","Guid":"5a1f","EntityType":"Ticket","Id":1018,"Fields":{"status":8},"EventTime":"2026-11-25T10:00:00Z","SequenceNumber":2,"PersonID":29682886}`

func signed(body string) platform.WebhookRequest {
	return platform.WebhookRequest{
		Header: http.Header{"X-Hook-Signature": {autotasksim.Sign(secret, []byte(body))}},
		Body:   []byte(body),
	}
}

func TestReceiveQueuesAVerifiedDelivery(t *testing.T) {
	r, out := newReceiver(t)
	resp := r.Receive(context.Background(), "autotask", "wh_at", signed(autotaskBody))
	if resp.Status != 202 {
		t.Fatalf("status %d: %s", resp.Status, resp.Body)
	}
	msgs := out.sent[relay.EventsQueue(platform.Autotask)]
	if len(msgs) != 1 {
		t.Fatalf("queued %d messages", len(msgs))
	}
	var env relay.Envelope
	if err := json.Unmarshal(msgs[0].Body, &env); err != nil {
		t.Fatal(err)
	}
	if env.Org != "acme" || env.Event == nil || env.Event.TicketID != "1018" || env.Event.ActorID != "29682886" {
		t.Fatalf("envelope %+v / %+v", env, env.Event)
	}
	if msgs[0].Group != queue.GroupID("acme", "1018") || msgs[0].DedupID == "" {
		t.Fatalf("group %q dedup %q", msgs[0].Group, msgs[0].DedupID)
	}
	// The platform retrying the same delivery produces the same dedup id,
	// which the FIFO queue drops.
	r.Receive(context.Background(), "autotask", "wh_at", signed(autotaskBody))
	if again := out.sent[relay.EventsQueue(platform.Autotask)][1]; again.DedupID != msgs[0].DedupID {
		t.Fatal("a redelivery got a new dedup id")
	}
}

func TestReceiveRefusesAndQueuesNothing(t *testing.T) {
	tampered := signed(autotaskBody)
	tampered.Body = []byte(strings.Replace(autotaskBody, `"status":8`, `"status":5`, 1))
	wrongSecret := signed(autotaskBody)
	wrongSecret.Header.Set("X-Hook-Signature", autotasksim.Sign("another-secret", []byte(autotaskBody)))
	noHeader := signed(autotaskBody)
	noHeader.Header = http.Header{}
	big := strings.Repeat(" ", webhook.MaxBodyBytes) + autotaskBody
	garbage := `{"Action":"Explode"`
	for _, tc := range []struct {
		name, kind, id string
		req            platform.WebhookRequest
		want           int
	}{
		{"unknown endpoint", "autotask", "wh_nope", signed(autotaskBody), 404},
		{"endpoint of another platform", "halo", "wh_at", signed(autotaskBody), 404},
		{"unknown platform", "zendesk", "wh_at", signed(autotaskBody), 404},
		{"endpoint id for the wrong platform", "graph", "wh_at", signed(autotaskBody), 404},
		{"tampered body", "autotask", "wh_at", tampered, 401},
		{"wrong secret", "autotask", "wh_at", wrongSecret, 401},
		{"missing signature", "autotask", "wh_at", noHeader, 401},
		{"body over the limit", "autotask", "wh_at", signed(big), 400},
		{"unparsable body", "autotask", "wh_at", signed(garbage), 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, out := newReceiver(t)
			resp := r.Receive(context.Background(), tc.kind, tc.id, tc.req)
			if resp.Status != tc.want {
				t.Fatalf("status %d, want %d: %s", resp.Status, tc.want, resp.Body)
			}
			if out.count() != 0 {
				t.Fatalf("%d messages queued for a refused delivery", out.count())
			}
			if strings.Contains(resp.Body, secret) {
				t.Fatal("the answer carries the secret")
			}
		})
	}
}

func TestQueueOutageAsksForRedelivery(t *testing.T) {
	r, out := newReceiver(t)
	out.err = errors.New("sqs unavailable")
	if resp := r.Receive(context.Background(), "autotask", "wh_at", signed(autotaskBody)); resp.Status != 503 {
		t.Fatalf("status %d, want 503 so the platform retries", resp.Status)
	}
}

func TestGraphValidationHandshake(t *testing.T) {
	r, out := newReceiver(t)
	token := "Validation: Token with spaces & symbols"
	req := platform.WebhookRequest{Header: http.Header{"Content-Type": {"text/plain"}}, Query: url.Values{"validationToken": {token}}}
	resp := r.Receive(context.Background(), "graph", "wh_graph", req)
	if resp.Status != 200 || resp.Body != token || !strings.HasPrefix(resp.ContentType, "text/plain") {
		t.Fatalf("handshake answer %+v", resp)
	}
	if out.count() != 0 {
		t.Fatal("the handshake queued something")
	}
	// Not for an unknown endpoint: no oracle for endpoint ids.
	if resp := r.Receive(context.Background(), "graph", "wh_unknown", req); resp.Status != 404 {
		t.Fatalf("handshake on unknown endpoint: %d", resp.Status)
	}
}

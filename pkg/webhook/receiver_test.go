package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
	"github.com/tandemsync/tandem/pkg/settings"
	"github.com/tandemsync/tandem/pkg/webhook"
)

type memEndpoints struct {
	mu  sync.Mutex
	m   map[string]webhook.Endpoint
	err error // every call fails with it, as an unavailable table would
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
	if s.err != nil {
		return webhook.Endpoint{}, s.err
	}
	e, ok := s.m[id]
	if !ok {
		return webhook.Endpoint{}, webhook.ErrUnknownEndpoint
	}
	return e, nil
}

func (s *memEndpoints) EndpointsOf(_ context.Context, org string) ([]webhook.Endpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	var out []webhook.Endpoint
	for _, e := range s.m {
		if e.OrgID == org {
			out = append(out, e)
		}
	}
	return out, nil
}

func (s *memEndpoints) DeleteEndpoint(_ context.Context, e webhook.Endpoint) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	delete(s.m, e.ID)
	return nil
}

func (s *memEndpoints) ids() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for id := range s.m {
		out = append(out, id)
	}
	return out
}

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

// A verified delivery of something Tandem does not sync is acknowledged
// with 2xx and queues nothing: platforms count any other answer as a
// failure and disable endpoints that keep failing.
func TestReceiveAcknowledgesIrrelevantDeliveries(t *testing.T) {
	company := `{"Action":"Update","Guid":"5a1f","EntityType":"Company","Id":1018,"Fields":{},"SequenceNumber":3,"PersonID":29682886}`
	r, out := newReceiver(t)
	resp := r.Receive(context.Background(), "autotask", "wh_at", signed(company))
	if resp.Status != 200 || out.count() != 0 {
		t.Fatalf("company event: status %d, %d queued: %s", resp.Status, out.count(), resp.Body)
	}
	// Graph: the known notification of a batch is queued, the unknown one
	// acknowledged with it.
	mixed := `{"value":[{"subscriptionId":"s","clientState":"` + secret + `","changeType":"created","resourceData":{"id":"m1"}},` +
		`{"subscriptionId":"s","clientState":"` + secret + `","changeType":"archived","resourceData":{"id":"m2"}}]}`
	resp = r.Receive(context.Background(), "graph", "wh_graph", platform.WebhookRequest{Body: []byte(mixed)})
	if resp.Status != 202 || len(out.sent[relay.EventsQueue(platform.Graph)]) != 1 {
		t.Fatalf("mixed graph delivery: status %d, queued %v", resp.Status, out.sent)
	}
	// A malformed part is still a bad delivery.
	bad := `{"value":[{"clientState":"` + secret + `","changeType":"archived"},{"clientState":"` + secret + `","changeType":"created"}]}`
	if resp := r.Receive(context.Background(), "graph", "wh_graph", platform.WebhookRequest{Body: []byte(bad)}); resp.Status != 400 {
		t.Fatalf("malformed graph delivery: %d %s", resp.Status, resp.Body)
	}
}

// fakeInbound verifies with a scripted outcome, reading the account when
// asked to, as ConnectWise's verifier does.
type fakeInbound struct {
	readAccount bool
	verifyErr   error
}

func (f fakeInbound) Verify(ctx context.Context, _ platform.WebhookRequest, _ string, account func(context.Context) (platform.Credentials, error)) error {
	if f.readAccount {
		if _, err := account(ctx); err != nil {
			return err
		}
	}
	return f.verifyErr
}

func (fakeInbound) Parse([]byte) ([]platform.Event, error) {
	return []platform.Event{{Platform: "fake", Type: platform.EventTicketUpdated, TicketID: "1", DeliveryID: "d"}}, nil
}

func (fakeInbound) Handshake(platform.WebhookRequest) (string, bool) { return "", false }

type credentials struct{ err error }

func (c credentials) Credentials(context.Context, string) (platform.Credentials, error) {
	return platform.Credentials{"site": "x"}, c.err
}

type failingSecrets struct{ webhook.SecretStore }

func (failingSecrets) GetSecret(context.Context, string) ([]byte, error) {
	return nil, errors.New("secrets manager: throttled")
}

// A verification that fails for now asks for redelivery (503); one that
// cannot succeed is refused (401).
func TestReceiveTellsTemporaryFromUnverifiable(t *testing.T) {
	temporaryKey := &platform.Error{Platform: platform.ConnectWise, Reason: platform.ReasonUnreachable, Message: "The callback signing key could not be fetched from ConnectWise."}
	refusedKey := fmt.Errorf("fetch signing key: %w", &platform.Error{Platform: platform.ConnectWise, Reason: platform.ReasonNotFound, Status: 404})
	for _, tc := range []struct {
		name    string
		in      fakeInbound
		account error
		store   error
		secrets bool
		want    int
	}{
		{"verified", fakeInbound{readAccount: true}, nil, nil, false, 202},
		{"signing key temporarily unavailable", fakeInbound{verifyErr: temporaryKey}, nil, nil, false, 503},
		{"signing key refused", fakeInbound{verifyErr: refusedKey}, nil, nil, false, 401},
		{"verification timed out", fakeInbound{verifyErr: fmt.Errorf("fetch: %w", context.DeadlineExceeded)}, nil, nil, false, 503},
		{"bad signature", fakeInbound{verifyErr: errors.New("signature mismatch")}, nil, nil, false, 401},
		{"credential store unavailable", fakeInbound{readAccount: true}, errors.New("dynamodb: throttled"), nil, false, 503},
		{"credentials deleted", fakeInbound{readAccount: true}, fmt.Errorf("platform of acme: %w", settings.ErrNotConfigured), nil, false, 401},
		{"endpoint store unavailable", fakeInbound{}, nil, errors.New("dynamodb: throttled"), false, 503},
		{"secret store unavailable", fakeInbound{}, nil, nil, true, 503},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eps := &memEndpoints{m: map[string]webhook.Endpoint{
				"wh_fake": {ID: "wh_fake", OrgID: "acme", Platform: "fake", SecretName: "s"},
			}}
			var secrets webhook.SecretStore = secretstoretest.NewMemory()
			_ = secrets.PutSecret(context.Background(), "s", []byte(secret))
			if tc.secrets {
				secrets = failingSecrets{secrets}
			}
			out := &capture{sent: map[string][]queue.Message{}}
			r := &webhook.Receiver{Store: eps, Secrets: secrets, Out: out, Readers: readers{"fake": tc.in}, Credentials: credentials{tc.account}}
			eps.err = tc.store
			resp := r.Receive(context.Background(), "fake", "wh_fake", platform.WebhookRequest{Body: []byte(`{}`)})
			if resp.Status != tc.want {
				t.Fatalf("status %d, want %d: %s", resp.Status, tc.want, resp.Body)
			}
			if queued := out.count(); (tc.want == 202) != (queued == 1) {
				t.Fatalf("%d queued", queued)
			}
		})
	}
}

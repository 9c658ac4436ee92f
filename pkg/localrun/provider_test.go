package localrun_test

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/app/allplatforms"
	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/localrun"
	"github.com/tandemsync/tandem/pkg/platform"
)

// A fifth platform is its package's Provider plus one line in the list:
// this test wires a platform nothing else in the code knows, by that line
// alone, and watches a ticket raised on it reach the partner's Halo through
// every part of Tandem — settings (validation, masking, test), webhook
// installation and verification, the queues and the sync engine.
func TestAFifthPlatformIsOneProviderInTheList(t *testing.T) {
	desk := newFakeDesk()
	r, err := localrun.Start(context.Background(), localrun.Options{
		Addr: "127.0.0.1:0", ManualQueues: true, Simulators: true,
		Providers: append(slices.Clone(allplatforms.Providers), desk.provider()),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	w := &world{t: t, r: r, source: side{org: "cust", kind: fakeDeskKind},
		target: side{org: "msp", kind: platform.Halo, agent: agentClient(t, r.Sims, platform.Halo)}}

	// Settings: the provider's fields decide what is checked and masked.
	if status, out := w.api("cust", "PUT", "/v1/settings/platform", map[string]any{
		"platform": fakeDeskKind, "credentials": map[string]string{"site": "https://desk.example", "token": ""}}); status != 422 {
		t.Fatalf("missing token: %d %v, want 422 from the provider's check", status, out)
	}
	saved := w.mustAPI("cust", "PUT", "/v1/settings/platform", map[string]any{
		"platform": fakeDeskKind, "credentials": map[string]string{"site": "https://desk.example", "token": fakeDeskToken}}, 200)
	if creds := saved["credentials"].(map[string]any); creds["token"] == fakeDeskToken || creds["site"] != "https://desk.example" {
		t.Fatalf("token not masked or site altered: %v", creds)
	}
	if res := w.mustAPI("cust", "POST", "/v1/settings/platform/test", nil, 200); res["status"] != "Connection tested" {
		t.Fatalf("test: %v", res)
	}
	haloCreds, _ := r.Sims.IntegrationCredentials(platform.Halo)
	w.mustAPI("msp", "PUT", "/v1/settings/platform", map[string]any{"platform": platform.Halo, "credentials": haloCreds}, 200)

	created := w.mustAPI("cust", "POST", "/v1/connections", map[string]string{"role": "source", "contractName": "Fifth"}, 201)
	w.connID = created["id"].(string)
	w.mustAPI("msp", "POST", "/v1/connections/accept", map[string]string{"verificationCode": created["verificationCode"].(string)}, 200)
	w.configure("cust", integration.Config{
		StatusMappings:   []integration.Mapping{{Partner: "1", Mine: "1"}, {Partner: "9", Mine: "5"}},
		PriorityMappings: []integration.Mapping{{Partner: "1", Mine: "1"}, {Partner: "2", Mine: "2"}, {Partner: "3", Mine: "3"}, {Partner: "4", Mine: "4"}},
		ActionMappings:   []integration.ActionMapping{{Partner: "5", Mine: "note"}},
		DefaultAction:    "note",
		Outbound:         integration.Outbound{Actions: []string{"reply"}},
		Escalation:       integration.EscalationRule{Queues: []string{"escalate"}},
	})
	w.configure("msp", integration.Config{
		StatusMappings:    []integration.Mapping{{Partner: "1", Mine: "1"}, {Partner: "5", Mine: "9"}},
		DefaultStatus:     "1",
		PriorityMappings:  []integration.Mapping{{Partner: "1", Mine: "1"}, {Partner: "2", Mine: "2"}, {Partner: "3", Mine: "3"}, {Partner: "4", Mine: "4"}},
		DefaultTicketType: "1",
		FieldMappings:     []integration.Mapping{{Partner: integration.FieldSummary, Mine: integration.FieldSummary}},
		ActionMappings:    []integration.ActionMapping{{Partner: "reply", Mine: "3"}},
		DefaultAction:     "1",
		Outbound:          integration.Outbound{Actions: []string{"5"}},
	})

	// Webhooks: registered through the provider's client, verified by its
	// Inbound, queued on the queue named after its kind.
	hook := w.mustAPI("cust", "POST", "/v1/settings/platform/webhooks", nil, 201)
	if hook["registered"] != true || desk.hookURL() != hook["url"] {
		t.Fatalf("webhook not registered with the fake desk: %v (desk has %q)", hook, desk.hookURL())
	}
	id := desk.raise(platform.Ticket{Summary: "Printer on fire", Status: "1", Priority: "2", Queue: "escalate"})
	if code := desk.deliver(t, id, "wrong-secret"); code != http.StatusUnauthorized {
		t.Fatalf("a delivery with the wrong secret got %d, want 401", code)
	}
	if code := desk.deliver(t, id, ""); code != http.StatusAccepted {
		t.Fatalf("delivery got %d, want 202", code)
	}
	w.settle()

	if n := r.Broker.Metrics(string(fakeDeskKind) + "-events").Deleted; n != 1 {
		t.Fatalf("%d events consumed from %s-events, want 1", n, fakeDeskKind)
	}
	tickets := r.Sims.Halo.Tickets()
	if len(tickets) != 1 {
		t.Fatalf("Halo holds %d tickets, want the one raised on the fifth platform", len(tickets))
	}
	if got := w.partnerTicket(id); got.Summary != "Printer on fire" || got.Priority != "2" {
		t.Fatalf("partner ticket %+v, want the summary and mapped priority", got)
	}
}

const fakeDeskKind platform.Kind = "fakedesk"

const fakeDeskToken = "fake-desk-token-0123456789"

// fakeDesk is a service desk held in memory: the provider and the client
// a new platform package would export, reduced to what the engine calls.
type fakeDesk struct {
	mu      sync.Mutex
	tickets map[string]platform.Ticket
	notes   map[string][]platform.Note
	hook    platform.WebhookSpec
	next    int
}

func newFakeDesk() *fakeDesk {
	return &fakeDesk{tickets: map[string]platform.Ticket{}, notes: map[string][]platform.Note{}}
}

func (d *fakeDesk) provider() platform.Provider {
	return platform.Provider{
		Kind:   fakeDeskKind,
		Name:   "Fake Desk",
		Fields: []platform.Field{{Name: "site"}, {Name: "token", Secret: true}},
		CheckCredentials: func(c platform.Credentials, _ bool) error {
			v := &platform.ValidationError{}
			if c["token"] == "" {
				v.Add("token", "is required")
			}
			return v.Err()
		},
		NewClient: func(c platform.Credentials, _ bool) (platform.Client, error) {
			if c["token"] != fakeDeskToken {
				return nil, errors.New("fake desk: wrong token")
			}
			return d, nil
		},
		Inbound:   func(bool) platform.Inbound { return fakeDeskInbound{} },
		Picklists: []platform.PicklistKind{platform.PickStatuses, platform.PickPriorities, platform.PickQueues, platform.PickActions},
	}
}

func (d *fakeDesk) raise(t platform.Ticket) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.next++
	t.ID = strconv.Itoa(d.next)
	t.UpdatedAt = time.Now().UTC()
	d.tickets[t.ID] = t
	return t.ID
}

func (d *fakeDesk) hookURL() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.hook.URL
}

// deliver posts a ticket-created delivery the way the desk would, with the
// registered secret unless another is given.
func (d *fakeDesk) deliver(t *testing.T, ticketID, secret string) int {
	t.Helper()
	d.mu.Lock()
	url := d.hook.URL
	if secret == "" {
		secret = d.hook.Secret
	}
	d.mu.Unlock()
	body, _ := json.Marshal(map[string]string{"ticket": ticketID, "delivery": "d-" + ticketID})
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("X-Desk-Secret", secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

type fakeDeskInbound struct{}

func (fakeDeskInbound) Verify(_ context.Context, req platform.WebhookRequest, secret string, _ func(context.Context) (platform.Credentials, error)) error {
	if subtle.ConstantTimeCompare([]byte(req.Header.Get("X-Desk-Secret")), []byte(secret)) != 1 {
		return errors.New("fake desk: wrong secret")
	}
	return nil
}

func (fakeDeskInbound) Parse(body []byte) ([]platform.Event, error) {
	var d struct{ Ticket, Delivery string }
	if err := json.Unmarshal(body, &d); err != nil || d.Ticket == "" {
		return nil, fmt.Errorf("fake desk delivery: %q", body)
	}
	return []platform.Event{{Platform: fakeDeskKind, Type: platform.EventTicketCreated, TicketID: d.Ticket, DeliveryID: d.Delivery}}, nil
}

func (fakeDeskInbound) Handshake(platform.WebhookRequest) (string, bool) { return "", false }

func (d *fakeDesk) Test(context.Context) error { return nil }
func (d *fakeDesk) Requests() int64            { return 0 }

func (d *fakeDesk) GetTicket(_ context.Context, id string) (platform.Ticket, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	t, ok := d.tickets[id]
	if !ok {
		return platform.Ticket{}, &platform.Error{Platform: fakeDeskKind, Reason: platform.ReasonNotFound, Message: "no ticket " + id}
	}
	return t, nil
}

func (d *fakeDesk) CreateTicket(_ context.Context, t platform.Ticket) (platform.Ticket, error) {
	id := d.raise(t)
	return d.GetTicket(context.Background(), id)
}

func (d *fakeDesk) UpdateTicket(_ context.Context, id string, u platform.TicketUpdate) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	t := d.tickets[id]
	if u.Status != nil {
		t.Status = *u.Status
	}
	if u.Priority != nil {
		t.Priority = *u.Priority
	}
	d.tickets[id] = t
	return nil
}

func (d *fakeDesk) CloseTicket(ctx context.Context, id, status string) error {
	return d.UpdateTicket(ctx, id, platform.TicketUpdate{Status: &status})
}

func (d *fakeDesk) AddNote(_ context.Context, ticketID string, n platform.Note) (platform.Note, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.next++
	n.ID, n.TicketID, n.CreatedAt = strconv.Itoa(d.next), ticketID, time.Now().UTC()
	d.notes[ticketID] = append(d.notes[ticketID], n)
	return n, nil
}

func (d *fakeDesk) ListNotes(_ context.Context, ticketID string, since time.Time) ([]platform.Note, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []platform.Note
	for _, n := range d.notes[ticketID] {
		if !n.CreatedAt.Before(since) {
			out = append(out, n)
		}
	}
	return out, nil
}

func (d *fakeDesk) ListAttachments(context.Context, string) ([]platform.Attachment, error) {
	return nil, nil
}

func (d *fakeDesk) GetAttachment(context.Context, string, string) (platform.Attachment, error) {
	return platform.Attachment{}, &platform.Error{Platform: fakeDeskKind, Reason: platform.ReasonNotFound, Message: "no files"}
}

func (d *fakeDesk) AddAttachment(_ context.Context, _ string, a platform.Attachment) (platform.Attachment, error) {
	return a, nil
}

func (d *fakeDesk) Picklist(_ context.Context, kind platform.PicklistKind, _ string) ([]platform.Option, error) {
	switch kind {
	case platform.PickStatuses:
		return []platform.Option{{ID: "1", Name: "New", Active: true}, {ID: "5", Name: "Done", Active: true, IsClosed: true}}, nil
	case platform.PickPriorities:
		return []platform.Option{{ID: "1", Name: "P1", Active: true}, {ID: "2", Name: "P2", Active: true}, {ID: "3", Name: "P3", Active: true}, {ID: "4", Name: "P4", Active: true}}, nil
	case platform.PickQueues:
		return []platform.Option{{ID: "escalate", Name: "Escalate", Active: true}}, nil
	case platform.PickActions:
		return []platform.Option{{ID: "note", Name: "Note", Active: true}, {ID: "reply", Name: "Reply to partner", Active: true}}, nil
	}
	return nil, fmt.Errorf("fake desk has no %s", kind)
}

func (d *fakeDesk) RegisterWebhook(_ context.Context, spec platform.WebhookSpec) (platform.Webhook, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.hook = spec
	return platform.Webhook{ID: "hook-1"}, nil
}

func (d *fakeDesk) RemoveWebhook(context.Context, string) error { return nil }

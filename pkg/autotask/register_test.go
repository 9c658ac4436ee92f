package autotask

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/autotask/autotasksim"
	"github.com/tandemsync/tandem/pkg/platform"
)

// receiver is Tandem's webhook endpoint in miniature: it keeps every
// delivery it is sent.
type receiver struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []platform.WebhookRequest
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.reqs = append(r.reqs, platform.WebhookRequest{Header: req.Header.Clone(), Query: req.URL.Query(), Body: body})
		r.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) take() []platform.WebhookRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.reqs
	r.reqs = nil
	return out
}

const hookSecret = "whsec-Tandem-0123456789"

func register(t *testing.T, sim *autotasksim.Server, c *Client, rcv *receiver) platform.Webhook {
	t.Helper()
	hook, err := c.RegisterWebhook(ctxTimeout(t, 10*time.Second), platform.WebhookSpec{
		URL: rcv.srv.URL + "/webhooks/autotask/ep1", DeactivationURL: rcv.srv.URL + "/webhooks/autotask/ep1/deactivated",
		Secret: hookSecret, Name: "Tandem sync", ExcludeActorID: itoa(sim.Integration.ResourceID),
	})
	if err != nil {
		t.Fatalf("RegisterWebhook: %v", err)
	}
	return hook
}

// events verifies and parses every delivery the receiver got.
func events(t *testing.T, sim *autotasksim.Server, rcv *receiver) []platform.Event {
	t.Helper()
	sim.Flush()
	var out []platform.Event
	for _, req := range rcv.take() {
		if err := VerifyWebhook(req, hookSecret); err != nil {
			t.Fatalf("VerifyWebhook(%s): %v", req.Body, err)
		}
		evs, err := ParseWebhook(req.Body)
		if err != nil {
			t.Fatalf("ParseWebhook(%s): %v", req.Body, err)
		}
		out = append(out, evs...)
	}
	return out
}

func TestRegisterWebhookConfiguresAutotask(t *testing.T) {
	sim, c := newSim(t)
	rcv := newReceiver(t)
	hook := register(t, sim, c, rcv)
	if !strings.Contains(hook.ID, ":") || !hook.ExpiresAt.IsZero() {
		t.Errorf("hook = %+v", hook)
	}
	hooks := sim.Webhooks()
	if len(hooks) != 2 {
		t.Fatalf("webhooks = %+v", hooks)
	}
	for _, h := range hooks {
		if !h.IsActive || !h.IsReady || h.SecretKey != hookSecret || h.DeactivationURL == "" ||
			len(h.ExcludedResources) != 1 || h.ExcludedResources[0] != sim.Integration.ResourceID {
			t.Errorf("webhook %+v", h)
		}
	}
	if hooks[0].Entity != "Ticket" || !hooks[0].IsSubscribedToUpdateEvents || len(hooks[0].Fields) < 5 {
		t.Errorf("ticket webhook = %+v", hooks[0])
	}
	if hooks[1].Entity != "TicketNote" || !hooks[1].IsSubscribedToCreateEvents || hooks[1].Name != "Tandem sync notes" {
		t.Errorf("note webhook = %+v", hooks[1])
	}
}

func TestWebhookDeliveriesFromAgentChanges(t *testing.T) {
	sim, c := newSim(t)
	agent := clientFor(t, sim.Credentials(sim.Agent))
	rcv := newReceiver(t)
	register(t, sim, c, rcv)
	ctx := ctxTimeout(t, 10*time.Second)

	tk, err := agent.CreateTicket(ctx, platform.Ticket{Summary: "VPN down", Priority: "2"})
	if err != nil {
		t.Fatal(err)
	}
	if err := agent.UpdateTicket(ctx, tk.ID, platform.TicketUpdate{Status: ptr("8")}); err != nil {
		t.Fatal(err)
	}
	note, err := agent.AddNote(ctx, tk.ID, platform.Note{Body: "Rebooted the R&D firewall <fw-01>", Public: true})
	if err != nil {
		t.Fatal(err)
	}
	agentID := itoa(sim.Agent.ResourceID)
	got := events(t, sim, rcv)
	want := []platform.Event{
		{Type: platform.EventTicketCreated, TicketID: tk.ID, ActorID: agentID, Sequence: 1},
		{Type: platform.EventTicketUpdated, TicketID: tk.ID, ActorID: agentID, Sequence: 2},
		{Type: platform.EventNoteCreated, TicketID: tk.ID, NoteID: note.ID, ActorID: agentID, Sequence: 1},
	}
	if len(got) != len(want) {
		t.Fatalf("events = %+v", got)
	}
	seen := map[string]bool{}
	for i, w := range want {
		g := got[i]
		if g.Platform != platform.Autotask || g.Type != w.Type || g.TicketID != w.TicketID || g.NoteID != w.NoteID ||
			g.ActorID != w.ActorID || g.Sequence != w.Sequence || g.OccurredAt.IsZero() || g.DeliveryID == "" {
			t.Errorf("event %d = %+v, want %+v", i, g, w)
		}
		if seen[g.DeliveryID] {
			t.Errorf("delivery id %s repeated", g.DeliveryID)
		}
		seen[g.DeliveryID] = true
	}
	if got[1].Fields["status"] != "8" {
		t.Errorf("update fields = %v", got[1].Fields)
	}

	// Tandem's own writes are excluded at the source: nothing is delivered.
	if err := c.UpdateTicket(ctx, tk.ID, platform.TicketUpdate{Status: ptr("5")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddNote(ctx, tk.ID, platform.Note{Body: "from the partner"}); err != nil {
		t.Fatal(err)
	}
	if echo := events(t, sim, rcv); len(echo) != 0 {
		t.Errorf("integration's own changes were delivered: %+v", echo)
	}
}

func TestRedeliveryKeepsDeliveryID(t *testing.T) {
	sim, c := newSim(t)
	agent := clientFor(t, sim.Credentials(sim.Agent))
	rcv := newReceiver(t)
	register(t, sim, c, rcv)
	if _, err := agent.CreateTicket(ctxTimeout(t, 5*time.Second), platform.Ticket{Summary: "x", Priority: "2"}); err != nil {
		t.Fatal(err)
	}
	sim.Flush()
	d := sim.Deliveries()
	if len(d) != 1 || d[0].Status != http.StatusOK {
		t.Fatalf("deliveries = %+v", d)
	}
	first, err := ParseWebhook(d[0].Body)
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseWebhook(append([]byte(nil), d[0].Body...))
	if err != nil {
		t.Fatal(err)
	}
	if first[0].DeliveryID != again[0].DeliveryID {
		t.Errorf("delivery id changed on redelivery: %s vs %s", first[0].DeliveryID, again[0].DeliveryID)
	}
}

func TestRemoveWebhook(t *testing.T) {
	sim, c := newSim(t)
	rcv := newReceiver(t)
	hook := register(t, sim, c, rcv)
	ctx := ctxTimeout(t, 10*time.Second)
	if err := c.RemoveWebhook(ctx, hook.ID); err != nil {
		t.Fatalf("RemoveWebhook: %v", err)
	}
	if left := sim.Webhooks(); len(left) != 0 {
		t.Errorf("webhooks left = %+v", left)
	}
	evs := events(t, sim, rcv)
	if len(evs) != 2 || evs[0].Type != platform.EventWebhookDeactivated || evs[1].Type != platform.EventWebhookDeactivated {
		t.Errorf("deactivation events = %+v", evs)
	}
	if err := c.RemoveWebhook(ctx, hook.ID); err != nil {
		t.Errorf("second RemoveWebhook: %v", err)
	}
	wantReason(t, c.RemoveWebhook(ctx, "17"), platform.ReasonInvalid)
}

func TestRegisterWebhookRefusesBadSpecs(t *testing.T) {
	sim, c := newSim(t)
	creds, err := ParseCredentials(sim.Credentials(sim.Integration), true)
	if err != nil {
		t.Fatal(err)
	}
	prod := New(creds, Options{})
	good := platform.WebhookSpec{URL: "https://hooks.example.com/a", DeactivationURL: "https://hooks.example.com/d", Secret: hookSecret}
	tests := []struct {
		name string
		c    *Client
		edit func(*platform.WebhookSpec)
	}{
		{"no deactivation url", c, func(s *platform.WebhookSpec) { s.DeactivationURL = "" }},
		{"no url", c, func(s *platform.WebhookSpec) { s.URL = "" }},
		{"secret over 64", c, func(s *platform.WebhookSpec) { s.Secret = strings.Repeat("k", 65) }},
		{"no secret", c, func(s *platform.WebhookSpec) { s.Secret = "" }},
		{"actor that is not a resource id", c, func(s *platform.WebhookSpec) { s.ExcludeActorID = "api-user" }},
		{"private callback in production", prod, func(s *platform.WebhookSpec) { s.URL = "http://10.0.0.5/hook" }},
		{"metadata callback in production", prod, func(s *platform.WebhookSpec) { s.DeactivationURL = "https://169.254.169.254/latest" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := good
			tt.edit(&spec)
			_, err := tt.c.RegisterWebhook(ctxTimeout(t, 5*time.Second), spec)
			wantReason(t, err, platform.ReasonInvalid)
		})
	}
	if sim.Requests() != 0 {
		t.Errorf("bad specs reached Autotask: %d requests", sim.Requests())
	}
}

func TestRegisterWebhookCleansUpOnFailure(t *testing.T) {
	tests := []struct{ name, failPath string }{
		{"exclusion refused", "/ExcludedResources"},
		{"note webhook refused", "/TicketNoteWebhooks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, c := newSim(t)
			rcv := newReceiver(t)
			sim.FailNext(1, autotasksim.Fault{Status: http.StatusBadRequest, Path: tt.failPath})
			_, err := c.RegisterWebhook(ctxTimeout(t, 5*time.Second), platform.WebhookSpec{
				URL: rcv.srv.URL, DeactivationURL: rcv.srv.URL, Secret: hookSecret, ExcludeActorID: itoa(sim.Integration.ResourceID),
			})
			wantReason(t, err, platform.ReasonInvalid)
			if left := sim.Webhooks(); len(left) != 0 {
				t.Errorf("webhooks left after failure: %+v", left)
			}
		})
	}
}

func TestSimulatorSigningEscapedBodyVerifies(t *testing.T) {
	sim := autotasksim.New(t, autotasksim.Options{SignEscaped: true})
	c := clientFor(t, sim.Credentials(sim.Integration))
	agent := clientFor(t, sim.Credentials(sim.Agent))
	rcv := newReceiver(t)
	register(t, sim, c, rcv)
	if _, err := agent.CreateTicket(ctxTimeout(t, 5*time.Second), platform.Ticket{Summary: `Café R&D <lab> "urgent" + 'ASAP' 🔥`, Priority: "2"}); err != nil {
		t.Fatal(err)
	}
	sim.Flush()
	d := sim.Deliveries()
	if len(d) != 1 {
		t.Fatalf("deliveries = %+v", d)
	}
	if d[0].Signature == autotasksim.Sign(hookSecret, d[0].Body) {
		t.Fatal("simulator signed the raw body; the escaped path is not exercised")
	}
	if evs := events(t, sim, rcv); len(evs) != 1 || evs[0].Fields["title"] != `Café R&D <lab> "urgent" + 'ASAP' 🔥` {
		t.Errorf("events = %+v", evs)
	}
}

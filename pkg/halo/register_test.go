package halo_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tandemsync/tandem/pkg/halo"
	"github.com/tandemsync/tandem/pkg/halo/halosim"
	"github.com/tandemsync/tandem/pkg/platform"
)

// receiver is Tandem's webhook function in miniature: verify, then parse.
type receiver struct {
	srv    *httptest.Server
	secret string
	mu     sync.Mutex
	events []platform.Event
	errs   []error
}

func newReceiver(t *testing.T, secret string) *receiver {
	r := &receiver{secret: secret}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		wr := platform.WebhookRequest{Header: req.Header, Query: req.URL.Query(), Body: body}
		err := halo.VerifyWebhook(wr, r.secret)
		var evs []platform.Event
		if err == nil {
			evs, err = halo.ParseWebhook(body)
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if err != nil {
			r.errs = append(r.errs, err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		r.events = append(r.events, evs...)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) take() ([]platform.Event, []error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	evs, errs := r.events, r.errs
	r.events, r.errs = nil, nil
	return evs, errs
}

func TestWebhookRegistrationAndDelivery(t *testing.T) {
	const secret = "endpoint-secret-0f9e"
	rcv := newReceiver(t, secret)
	s := halosim.New(t, halosim.Options{})
	integration := newClient(t, s, halosim.Integration)
	agent := newClient(t, s, halosim.Agent)
	ctx := context.Background()

	hook, err := integration.RegisterWebhook(ctx, platform.WebhookSpec{URL: rcv.srv.URL + "/webhooks/halo/ep1", Secret: secret})
	if err != nil {
		t.Fatalf("RegisterWebhook: %v", err)
	}
	hooks := s.Webhooks()
	if len(hooks) != 1 || hooks[0].ID != hook.ID || hooks[0].AuthenticationType != 1 || hooks[0].BasicUsername != halo.WebhookUsername {
		t.Fatalf("simulator webhooks: %+v", hooks)
	}

	// The integration logs a ticket; a human agent then updates it and adds
	// an action, over HTTP, as they would in Halo.
	tk, err := integration.CreateTicket(ctx, platform.Ticket{Summary: "Sync me"})
	if err != nil {
		t.Fatal(err)
	}
	if err := agent.UpdateTicket(ctx, tk.ID, platform.TicketUpdate{Status: ptr("2")}); err != nil {
		t.Fatal(err)
	}
	note, err := agent.AddNote(ctx, tk.ID, platform.Note{Kind: "3", Body: "Looking now", Public: true})
	if err != nil {
		t.Fatal(err)
	}
	s.Flush()
	events, errs := rcv.take()
	if len(errs) != 0 {
		t.Fatalf("receiver refused deliveries: %v", errs)
	}
	// Echo suppression: the integration's own change is recognisable.
	self, err := integration.AgentID(ctx)
	if err != nil {
		t.Fatalf("AgentID: %v", err)
	}
	human, err := agent.AgentID(ctx)
	if err != nil || self != "27" || human != "5" {
		t.Fatalf("agent ids %q %q (%v)", self, human, err)
	}
	want := []struct {
		typ   platform.EventType
		actor string
		note  string
	}{
		// Ticket events carry no action, so no documented actor: the
		// envelope's agent_id (the assigned agent) is never taken for one.
		{platform.EventTicketCreated, "", ""},
		{platform.EventTicketUpdated, "", ""},
		{platform.EventNoteCreated, "5", note.ID},
	}
	if len(events) != len(want) {
		t.Fatalf("events = %+v", events)
	}
	// Deliveries run concurrently; match by type.
	for _, w := range want {
		found := false
		for _, ev := range events {
			if ev.Type == w.typ {
				found = true
				if ev.TicketID != tk.ID || ev.ActorID != w.actor || ev.NoteID != w.note || ev.DeliveryID == "" || ev.OccurredAt.IsZero() {
					t.Errorf("%s event = %+v", w.typ, ev)
				}
			}
		}
		if !found {
			t.Errorf("no %s event in %+v", w.typ, events)
		}
	}

	// A redelivery of the same payload keeps its dedup id.
	d := s.Deliveries()[0]
	if status := s.Redeliver(d); status != http.StatusOK {
		t.Fatalf("redelivery answered %d", status)
	}
	again, _ := rcv.take()
	first, err := halo.ParseWebhook(d.Body)
	if err != nil || len(again) != 1 || again[0].DeliveryID != first[0].DeliveryID {
		t.Fatalf("redelivery id %+v vs %+v (%v)", again, first, err)
	}

	if err := integration.RemoveWebhook(ctx, hook.ID); err != nil {
		t.Fatalf("RemoveWebhook: %v", err)
	}
	if _, err := agent.AddNote(ctx, tk.ID, platform.Note{Kind: "1", Body: "after removal"}); err != nil {
		t.Fatal(err)
	}
	s.Flush()
	if evs, _ := rcv.take(); len(evs) != 0 {
		t.Fatalf("delivery after removal: %+v", evs)
	}
	err = integration.RemoveWebhook(ctx, hook.ID)
	platformError(t, err, platform.ReasonNotFound)
}

func TestManualWebhookWithWrongPasswordIsRefused(t *testing.T) {
	rcv := newReceiver(t, "the-real-secret")
	s := halosim.New(t, halosim.Options{})
	// An administrator typed the password wrong in Halo's webhook screen.
	s.AddWebhook(rcv.srv.URL, "tandem", "a-typo", "Action Added")
	c := newClient(t, s, halosim.Agent)
	tk, err := c.CreateTicket(context.Background(), platform.Ticket{Summary: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddNote(context.Background(), tk.ID, platform.Note{Kind: "1", Body: "x"}); err != nil {
		t.Fatal(err)
	}
	s.Flush()
	evs, errs := rcv.take()
	if len(evs) != 0 || len(errs) != 1 || !errors.Is(errs[0], halo.ErrBadSignature) {
		t.Fatalf("events %+v, errors %v", evs, errs)
	}
	if ds := s.Deliveries(); len(ds) != 1 || ds[0].Status != http.StatusUnauthorized || ds[0].Event != "Action Added" {
		t.Fatalf("deliveries: %+v", ds)
	}
}

func TestRegisterWebhookRefusesBadSpecs(t *testing.T) {
	s := halosim.New(t, halosim.Options{})
	c := newClient(t, s, halosim.Integration)
	for _, spec := range []platform.WebhookSpec{
		{URL: "ftp://example.com/hook", Secret: "x"},
		{URL: "https://tandem.example.com/hook"},
	} {
		_, err := c.RegisterWebhook(context.Background(), spec)
		platformError(t, err, platform.ReasonInvalid)
	}
	if s.Requests() != 0 {
		t.Fatalf("%d requests for refused specs", s.Requests())
	}
}

func TestWebhookInstructions(t *testing.T) {
	got := halo.WebhookInstructions("https://hooks.tandem.example/webhooks/halo/ep1", "pw-123")
	for _, want := range []string{
		"Configuration > Integrations > Webhooks", "https://hooks.tandem.example/webhooks/halo/ep1",
		"Basic", "Username: tandem", "Password: pw-123", "Full object", "New Ticket Logged", "Action Added",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("instructions lack %q:\n%s", want, got)
		}
	}
}

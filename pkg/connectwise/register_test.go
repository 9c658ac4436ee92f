package connectwise

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/tandemsync/tandem/pkg/connectwise/connectwisesim"
	"github.com/tandemsync/tandem/pkg/platform"
)

// receiver records deliveries the way the webhook function receives them.
type receiver struct {
	mu    sync.Mutex
	reqs  []platform.WebhookRequest
	paths []string
	srv   *httptest.Server
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.reqs = append(r.reqs, platform.WebhookRequest{Header: req.Header.Clone(), Query: req.URL.Query(), Body: body})
		r.paths = append(r.paths, req.URL.Path)
		r.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) received() []platform.WebhookRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]platform.WebhookRequest(nil), r.reqs...)
}

func TestCallbacksEndToEnd(t *testing.T) {
	s := connectwisesim.New(t)
	rcv := newReceiver(t)
	ctx := testCtx(t)
	integration := clientFor(t, s, s.Integration, Options{})
	agent := clientFor(t, s, s.Agent, Options{})

	hook, err := integration.RegisterWebhook(ctx, platform.WebhookSpec{URL: rcv.srv.URL + "/webhooks/connectwise/ep-1", Name: "Tandem sync"})
	if err != nil {
		t.Fatalf("RegisterWebhook: %v", err)
	}
	if ids := s.CallbackIDs(); len(ids) != 1 || itoa(ids[0]) != hook.ID {
		t.Fatalf("callbacks = %v, registered %s", ids, hook.ID)
	}
	// ConnectWise appends the record id to the registered URL as raw text,
	// so the URL ends in an empty recordId parameter; payload version 3.0.0.
	cb := s.Callbacks()[0]
	if cb.URL != rcv.srv.URL+"/webhooks/connectwise/ep-1?recordId=" || cb.PayloadVersion != PayloadVersion || cb.Type != "ticket" || cb.Level != "owner" || !cb.SelfSuppressed {
		t.Fatalf("registered callback %+v", cb)
	}

	// The integration's own writes are self-suppressed; the agent's are not.
	own, err := integration.CreateTicket(ctx, platform.Ticket{Summary: "Raised by Tandem"})
	if err != nil {
		t.Fatal(err)
	}
	if err := agent.UpdateTicket(ctx, own.ID, platform.TicketUpdate{Status: ptr("2")}); err != nil {
		t.Fatal(err)
	}
	if _, err := agent.AddNote(ctx, own.ID, platform.Note{Body: "Looking now", Public: true}); err != nil {
		t.Fatal(err)
	}
	theirs, err := agent.CreateTicket(ctx, platform.Ticket{Summary: "Raised by an agent"})
	if err != nil {
		t.Fatal(err)
	}
	deliveries := s.Flush()
	if len(deliveries) != 3 {
		t.Fatalf("deliveries = %d, want 3 (update, note, create by the agent)", len(deliveries))
	}
	for _, d := range deliveries {
		if d.Err != nil || d.Status != http.StatusAccepted {
			t.Fatalf("delivery failed: %+v", d)
		}
	}

	// Every delivery reached the endpoint's path, the record id in the query.
	rcv.mu.Lock()
	for i, p := range rcv.paths {
		ev, _ := ParseWebhook(rcv.reqs[i].Body)
		if p != "/webhooks/connectwise/ep-1" || len(ev) != 1 || rcv.reqs[i].Query.Get(RecordIDParam) != ev[0].TicketID {
			t.Errorf("delivery %d at %s?%s for %+v", i, p, rcv.reqs[i].Query.Encode(), ev)
		}
	}
	rcv.mu.Unlock()

	verifier := NewVerifier(integration.creds, Options{AllowPrivate: true})
	// Deliveries run concurrently, so they may arrive in any order (as with
	// ConnectWise); compare them as a set.
	want := map[string]int{
		string(platform.EventTicketUpdated) + " " + own.ID:    2, // status change and note
		string(platform.EventTicketCreated) + " " + theirs.ID: 1,
	}
	before := s.Requests()
	seen := map[string]bool{}
	for i, req := range rcv.received() {
		if err := verifier.Verify(ctx, req); err != nil {
			t.Fatalf("delivery %d: Verify: %v", i, err)
		}
		evs, err := ParseWebhook(req.Body)
		if err != nil {
			t.Fatalf("delivery %d: ParseWebhook: %v", i, err)
		}
		ev := evs[0]
		if ev.ActorID != s.Agent.Identifier || seen[ev.DeliveryID] {
			t.Fatalf("delivery %d: event %+v", i, ev)
		}
		seen[ev.DeliveryID] = true
		want[string(ev.Type)+" "+ev.TicketID]--
	}
	for k, n := range want {
		if n != 0 {
			t.Fatalf("events %q: %d missing (negative: extra)", k, n)
		}
	}
	if got := s.Requests() - before; got != 1 {
		t.Fatalf("signing key fetched %d times for 3 deliveries, want 1 (cached)", got)
	}

	// A tampered delivery is refused even after refetching the key.
	req := rcv.received()[0]
	req.Body = append([]byte(nil), req.Body...)
	req.Body[len(req.Body)-2] ^= 1
	if err := verifier.Verify(ctx, req); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("tampered delivery: %v", err)
	}

	if err := integration.RemoveWebhook(ctx, hook.ID); err != nil {
		t.Fatalf("RemoveWebhook: %v", err)
	}
	if err := integration.RemoveWebhook(ctx, hook.ID); err != nil {
		t.Fatalf("RemoveWebhook twice: %v", err)
	}
	if err := agent.UpdateTicket(ctx, own.ID, platform.TicketUpdate{Summary: ptr("after removal")}); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Flush()); n != 3 || len(s.CallbackIDs()) != 0 {
		t.Fatalf("after removal: %d deliveries, callbacks %v", n, s.CallbackIDs())
	}
}

func TestRegisterWebhookRefusals(t *testing.T) {
	s := connectwisesim.New(t)
	ctx := testCtx(t)
	cl := New(Credentials{Site: "https://api-na.myconnectwise.net", CompanyID: "c", PublicKey: "p", PrivateKey: "k", ClientID: "x"}, Options{})
	for _, u := range []string{"http://hooks.example.com/x", "https://10.0.0.8/hook", "https://169.254.169.254/latest", "::not a url"} {
		_, err := cl.RegisterWebhook(ctx, platform.WebhookSpec{URL: u})
		platformErr(t, err, platform.ReasonInvalid)
	}
	if cl.Requests() != 0 {
		t.Fatal("a refused callback URL was sent")
	}
	err := clientFor(t, s, s.Integration, Options{}).RemoveWebhook(ctx, "abc")
	platformErr(t, err, platform.ReasonInvalid)
}

func TestCallbackURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://api.example.com/webhooks/connectwise/wh_1":       "https://api.example.com/webhooks/connectwise/wh_1?recordId=",
		"https://api.example.com/webhooks/connectwise/wh_1?org=a": "https://api.example.com/webhooks/connectwise/wh_1?org=a&recordId=",
	} {
		if got := CallbackURL(in); got != want {
			t.Errorf("CallbackURL(%q) = %q, want %q", in, got, want)
		}
	}
}

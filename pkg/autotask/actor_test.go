package autotask

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/autotask/autotasksim"
	"github.com/tandemsync/tandem/pkg/platform"
)

func TestActorIDIsTheIntegrationsResource(t *testing.T) {
	sim, c := newSim(t)
	ctx := ctxTimeout(t, 10*time.Second)
	got, err := c.ActorID(ctx)
	if err != nil {
		t.Fatalf("ActorID: %v", err)
	}
	if want := itoa(sim.Integration.ResourceID); got != want {
		t.Errorf("ActorID = %q, want %q", got, want)
	}
	agent := clientFor(t, sim.Credentials(sim.Agent))
	if got, err := agent.ActorID(ctx); err != nil || got != itoa(sim.Agent.ResourceID) {
		t.Errorf("agent ActorID = %q, %v; want %d", got, err, sim.Agent.ResourceID)
	}
}

func TestActorIDIsCached(t *testing.T) {
	sim, c := newSim(t)
	ctx := ctxTimeout(t, 10*time.Second)
	first, err := c.ActorID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := c.Requests(); n != 1 {
		t.Errorf("first lookup sent %d requests, want 1", n)
	}
	before, simBefore := c.Requests(), sim.Requests()
	for range 5 {
		again, err := c.ActorID(ctx)
		if err != nil || again != first {
			t.Fatalf("ActorID again = %q, %v; want %q", again, err, first)
		}
	}
	if c.Requests() != before || sim.Requests() != simBefore {
		t.Errorf("cached ActorID sent requests: client %d→%d, simulator %d→%d", before, c.Requests(), simBefore, sim.Requests())
	}
}

func TestActorIDConcurrentCallsLookUpOnce(t *testing.T) {
	sim, c := newSim(t)
	ctx := ctxTimeout(t, 10*time.Second)
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			id, err := c.ActorID(ctx)
			if err == nil && id != itoa(sim.Integration.ResourceID) {
				err = fmt.Errorf("ActorID = %q", id)
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if n := sim.Requests(); n != 1 {
		t.Errorf("simulator saw %d requests, want 1", n)
	}
}

func TestActorIDErrorsAreNotCached(t *testing.T) {
	sim, c := newSim(t)
	ctx := ctxTimeout(t, 10*time.Second)
	sim.FailNext(1, autotasksim.Fault{Status: http.StatusForbidden, Path: "/Resources/query"})
	_, err := c.ActorID(ctx)
	wantReason(t, err, platform.ReasonNotPermitted)
	got, err := c.ActorID(ctx)
	if err != nil || got != itoa(sim.Integration.ResourceID) {
		t.Errorf("after the failure ActorID = %q, %v", got, err)
	}

}

func TestActorIDWithoutMatchingResourceIsNotFound(t *testing.T) {
	// An answer that lists no resource with this userName (another user,
	// or none) is an error, not an empty or wrong id.
	for _, body := range []string{`{"items":[],"pageDetails":{"count":0}}`, `{"items":[{"id":5,"userName":"someone@example.com"}]}`} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/Resources/query") {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(body))
		}))
		t.Cleanup(srv.Close)
		c := clientFor(t, platform.Credentials{"apiUrl": srv.URL + "/", "username": "tandem7QX2KD@example.com",
			"secret": "sim-secret-x", "integrationCode": "SIMTRACKINGID4TANDEM000001"})
		id, err := c.ActorID(ctxTimeout(t, 5*time.Second))
		if id != "" {
			t.Errorf("%s: ActorID = %q", body, id)
		}
		wantReason(t, err, platform.ReasonNotFound)
	}
}

func TestAgentDeliveryActorDiffersFromActorID(t *testing.T) {
	sim, c := newSim(t)
	ctx := ctxTimeout(t, 10*time.Second)
	self, err := c.ActorID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rcv := newReceiver(t)
	if _, err := c.RegisterWebhook(ctx, platform.WebhookSpec{
		URL: rcv.srv.URL + "/webhooks/autotask/ep1", DeactivationURL: rcv.srv.URL + "/webhooks/autotask/ep1/deactivated",
		Secret: hookSecret, Name: "Tandem sync", ExcludeActorID: self,
	}); err != nil {
		t.Fatal(err)
	}
	for _, h := range sim.Webhooks() {
		if len(h.ExcludedResources) != 1 || h.ExcludedResources[0] != sim.Integration.ResourceID {
			t.Errorf("webhook %d excludes %v, want [%d]", h.ID, h.ExcludedResources, sim.Integration.ResourceID)
		}
	}
	agent := clientFor(t, sim.Credentials(sim.Agent))
	tk, err := agent.CreateTicket(ctx, platform.Ticket{Summary: "Printer jam", Priority: "2"})
	if err != nil {
		t.Fatal(err)
	}
	got := events(t, sim, rcv)
	if len(got) != 1 || got[0].TicketID != tk.ID {
		t.Fatalf("events = %+v", got)
	}
	if got[0].ActorID != itoa(sim.Agent.ResourceID) || got[0].ActorID == self {
		t.Errorf("delivery ActorID = %q; want the agent %d, not ActorID %q", got[0].ActorID, sim.Agent.ResourceID, self)
	}
	// Tandem's own write is excluded at the source.
	if err := c.UpdateTicket(ctx, tk.ID, platform.TicketUpdate{Status: ptr("5")}); err != nil {
		t.Fatal(err)
	}
	if echo := events(t, sim, rcv); len(echo) != 0 {
		t.Errorf("own write delivered: %+v", echo)
	}
}

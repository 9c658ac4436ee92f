package localrun_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/relay"
)

// haloAnswers records what Tandem answered Halo's deliveries, and can
// lose them all, as a Halo whose webhook was disabled does.
type haloAnswers struct {
	off     atomic.Bool
	mu      sync.Mutex
	answers []string // status and body of each delivery Tandem answered
}

func (h *haloAnswers) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/webhooks/halo/") {
			next.ServeHTTP(w, r)
			return
		}
		if h.off.Load() {
			w.WriteHeader(http.StatusOK)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		h.mu.Lock()
		h.answers = append(h.answers, http.StatusText(rec.Code)+" "+strings.TrimSpace(rec.Body.String()))
		h.mu.Unlock()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// take returns the answers since the last take.
func (h *haloAnswers) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.answers
	h.answers = nil
	return out
}

func count(answers []string, prefix string) int {
	n := 0
	for _, a := range answers {
		if strings.HasPrefix(a, prefix) {
			n++
		}
	}
	return n
}

const (
	echoAnswer   = `OK {"echoes":1,"queued":0}`
	queuedAnswer = `Accepted {"queued":1}`
)

// Halo delivers the echo of every write Tandem makes to it. The webhook
// function acknowledges those echoes without queueing them, and still
// queues a change a person makes in the same ticket.
func TestHaloEchoesOfTandemsWritesAreNotQueued(t *testing.T) {
	ctx := context.Background()
	p := pairs[0] // Autotask to Halo
	hooks := &haloAnswers{}
	w := p.world(t, worldOptions{hooks: hooks.wrap})
	haloEvents := func() int { return w.r.Broker.Metrics(relay.EventsQueue(platform.Halo)).Sent }

	st, err := w.source.agent.CreateTicket(ctx, p.escalate)
	if err != nil {
		t.Fatal(err)
	}
	w.settle()
	dt := w.partnerTicket(st.ID)
	hooks.take()
	before := haloEvents()

	// Tandem writes the customer's note to Halo; Halo's delivery of it is
	// Tandem's own echo.
	mustNote(t, w.source.agent, st.ID, platform.Note{Kind: p.srcNote, Body: "Customer: toner everywhere", Public: true})
	w.settle()
	assertNotes(t, w.target.agent, dt.ID, map[string]bool{"Customer: toner everywhere": true})
	answers := hooks.take()
	if count(answers, echoAnswer) == 0 || count(answers, "Accepted") != 0 || haloEvents() != before {
		t.Fatalf("Halo's deliveries of Tandem's note were answered %v and queued %d events; want echoes, none queued", answers, haloEvents()-before)
	}

	// A Halo agent's note in the same ticket is queued and synced.
	mustNote(t, w.target.agent, dt.ID, platform.Note{Kind: p.dstNote, Body: "MSP: replacing the fuser", Public: true})
	w.settle()
	assertNotes(t, w.source.agent, st.ID, map[string]bool{"MSP: replacing the fuser": true})
	if answers := hooks.take(); count(answers, queuedAnswer) == 0 || haloEvents() == before {
		t.Fatalf("the agent's note was answered %v and queued %d events; want it queued", answers, haloEvents()-before)
	}
}

// A stopped-webhook report on the Halo side waits for a delivery from
// Halo: while it is open Halo's echoes are queued, so the first echo after
// the webhook resumes clears it even when no person changes anything in
// Halo; once it is cleared echoes are dropped again.
func TestStoppedHaloWebhooksAreClearedByAnEcho(t *testing.T) {
	ctx := context.Background()
	p := pairs[0] // Autotask to Halo
	clk := clock.NewManual(time.Now().UTC())
	hooks := &haloAnswers{}
	w := p.world(t, worldOptions{clock: clk, hooks: hooks.wrap})
	st, err := w.source.agent.CreateTicket(ctx, p.escalate)
	if err != nil {
		t.Fatal(err)
	}
	w.settle()
	dt := w.partnerTicket(st.ID)
	w.sweep() // the activation's initial sync says nothing about webhooks
	clk.Advance(16 * time.Minute)

	hooks.off.Store(true)
	for _, body := range []string{"first", "second", "third"} {
		mustNote(t, w.target.agent, dt.ID, platform.Note{Kind: p.dstNote, Body: "MSP: " + body, Public: true})
		w.settle()
		w.sweep()
		assertNotes(t, w.source.agent, st.ID, map[string]bool{"MSP: " + body: true}) // the sweep carried it
		clk.Advance(16 * time.Minute)
	}
	if items := ofKind(w.attention("cust"), "webhooksStopped"); len(items) != 1 || items[0]["org"] != "msp" {
		t.Fatalf("attention %v, want msp's Halo webhooks reported", items)
	}

	hooks.off.Store(false)
	hooks.take()
	// Only the customer changes anything: Halo's one delivery is the echo
	// of Tandem's write, and it is queued while the report is open.
	mustNote(t, w.source.agent, st.ID, platform.Note{Kind: p.srcNote, Body: "Customer: is it fixed?", Public: true})
	w.settle()
	if answers := hooks.take(); count(answers, queuedAnswer) == 0 || count(answers, echoAnswer) != 0 {
		t.Fatalf("with the report open Halo's echo was answered %v; want it queued", answers)
	}
	if items := ofKind(w.attention("cust"), "webhooksStopped"); len(items) != 0 {
		t.Fatalf("attention after Halo's echo arrived: %v", items)
	}

	mustNote(t, w.source.agent, st.ID, platform.Note{Kind: p.srcNote, Body: "Customer: thanks", Public: true})
	w.settle()
	if answers := hooks.take(); count(answers, echoAnswer) == 0 || count(answers, "Accepted") != 0 {
		t.Fatalf("with the report cleared Halo's echo was answered %v; want it dropped", answers)
	}
}

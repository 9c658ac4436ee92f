package localrun_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/relay"
)

// An initial sync of 200 existing source tickets, 50 of which already have
// a partner ticket carrying their marker with their note on it: 150 are
// created, 50 matched and linked, no note is copied twice, and a second
// run changes nothing.
func TestInitialSyncMatchesExistingPartnerTickets(t *testing.T) {
	ctx := context.Background()
	p := pairs[2] // ConnectWise to Autotask
	// No source webhook: the tickets exist before the connection syncs.
	w := p.world(t, worldOptions{noWebhook: p.src})
	const total, existing = 200, 50
	for i := range total {
		tk := p.escalate
		tk.Summary = fmt.Sprintf("Existing ticket %03d", i)
		st, err := w.source.agent.CreateTicket(ctx, tk)
		if err != nil {
			t.Fatal(err)
		}
		body := fmt.Sprintf("[n%03d] history", i)
		mustNote(t, w.source.agent, st.ID, platform.Note{Kind: p.srcNote, Body: body, Public: true})
		if i < existing {
			// The partner ticket from before, with the note already copied.
			pt, err := w.target.agent.CreateTicket(ctx, platform.Ticket{Summary: tk.Summary, Priority: "1", Queue: "29682833", Type: "2",
				Ref: relay.Marker(w.connID, w.source.org, st.ID)})
			if err != nil {
				t.Fatal(err)
			}
			mustNote(t, w.target.agent, pt.ID, platform.Note{Kind: p.dstNote, Body: body, Public: true})
		}
	}
	w.settle()
	if n := w.r.Sims.Count(p.dst); n != existing {
		t.Fatalf("%d partner tickets before the sync, want %d", n, existing)
	}

	run := func() map[string]any {
		since := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		w.mustAPI(w.target.org, "POST", "/v1/connections/"+w.connID+"/sync", map[string]string{"since": since}, 202)
		w.settle()
		return w.mustAPI(w.source.org, "GET", "/v1/connections/"+w.connID+"/sync", nil, 200)
	}
	got := run()
	if got["listed"] != true || got["total"] != float64(total) || got["done"] != float64(total) ||
		got["matched"] != float64(existing) || got["created"] != float64(total-existing) || got["failed"] != 0.0 {
		t.Fatalf("progress %v, want %d done, %d matched, %d created", got, total, existing, total-existing)
	}
	if n := w.r.Sims.Count(p.dst); n != total {
		t.Fatalf("%d partner tickets, want %d", n, total)
	}
	history := 0
	for _, id := range w.ticketIDs(p.dst) {
		notes, err := w.target.agent.ListNotes(ctx, id, timeZero)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, n := range notes {
			if seen[n.Body] {
				t.Fatalf("partner ticket %s has the note %q twice", id, n.Body)
			}
			seen[n.Body] = true
			if strings.Contains(n.Body, "] history") {
				history++
			}
		}
	}
	if history != total {
		t.Fatalf("%d history notes on the partner tickets, want one each (%d)", history, total)
	}
	applied := w.applied()

	again := run()
	if again["run"] == got["run"] || again["done"] != float64(total) || again["matched"] != 0.0 || again["created"] != 0.0 {
		t.Fatalf("second run's progress %v, want every ticket done and nothing matched or created", again)
	}
	if n, a := w.r.Sims.Count(p.dst), w.applied(); n != total || a != applied {
		t.Fatalf("the second run changed something: %d partner tickets (want %d), %d writes applied (want %d)", n, total, a, applied)
	}
}

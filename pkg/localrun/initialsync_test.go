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

// Accepting a connection owes its source an initial sync, which starts by
// itself with the source's first sweep once its escalation rule is saved
// (the rule is what selects the tickets, and it can only be saved on an
// active connection): the source tickets the rule selects are escalated —
// the one whose partner ticket already exists is matched, not duplicated —
// without anyone asking (no POST …/sync), and once only.
func TestActivationStartsTheInitialSync(t *testing.T) {
	ctx := context.Background()
	p := pairs[0] // Autotask to Halo
	w := newWorld(t, p.src, p.dst, worldOptions{noWebhook: p.src})
	var escalated []string
	for i := range 3 {
		tk := p.escalate
		tk.Summary = fmt.Sprintf("Open before the sync %d", i)
		st, err := w.source.agent.CreateTicket(ctx, tk)
		if err != nil {
			t.Fatal(err)
		}
		mustNote(t, w.source.agent, st.ID, platform.Note{Kind: p.srcNote, Body: fmt.Sprintf("[h%d] history", i), Public: true})
		escalated = append(escalated, st.ID)
	}
	if _, err := w.source.agent.CreateTicket(ctx, p.stayHome); err != nil {
		t.Fatal(err)
	}
	// The partner already works the first one, its note copied by hand.
	pt, err := w.target.agent.CreateTicket(ctx, platform.Ticket{Summary: "Open before the sync 0", Priority: "2", Status: "1", Type: "1",
		Ref: relay.Marker(w.connID, w.source.org, escalated[0])})
	if err != nil {
		t.Fatal(err)
	}
	mustNote(t, w.target.agent, pt.ID, platform.Note{Kind: p.dstNote, Body: "[h0] history", Public: true})

	// Before the source has a rule the sweep is an ordinary one: nothing
	// escalates, and the initial sync stays owed.
	w.configure("msp", p.dstCfg)
	w.sweep()
	if status, body := w.api(w.source.org, "GET", "/v1/connections/"+w.connID+"/sync", nil); status != 404 {
		t.Fatalf("GET sync before the source's rule: %d %v, want 404", status, body)
	}
	if n := w.r.Sims.Count(p.dst); n != 1 {
		t.Fatalf("%d partner tickets before the source's rule, want the 1 that was there", n)
	}

	w.configure("cust", p.srcCfg)
	w.sweep()
	got := w.mustAPI(w.target.org, "GET", "/v1/connections/"+w.connID+"/sync", nil, 200)
	accepted := w.mustAPI(w.source.org, "GET", "/v1/connections", nil, 200)["active"].([]any)[0].(map[string]any)["acceptedAt"].(string)
	at, err := time.Parse(time.RFC3339Nano, accepted)
	if err != nil {
		t.Fatal(err)
	}
	since, _ := time.Parse(time.RFC3339Nano, got["since"].(string))
	if !since.Equal(at.AddDate(0, 0, -30)) {
		t.Fatalf("initial sync since %v, want 30 days before the activation at %v", since, at)
	}
	if got["listed"] != true || got["total"] != 4.0 || got["done"] != 4.0 || got["matched"] != 1.0 || got["created"] != 2.0 || got["failed"] != 0.0 {
		t.Fatalf("progress %v, want 4 listed and done, 1 matched, 2 created", got)
	}
	if n := w.r.Sims.Count(p.dst); n != 3 {
		t.Fatalf("%d partner tickets, want 3 (one matched, two created)", n)
	}
	for i, id := range escalated {
		notes, err := w.target.agent.ListNotes(ctx, w.partnerTicket(id).ID, timeZero)
		if err != nil {
			t.Fatal(err)
		}
		history := 0
		for _, n := range notes {
			if strings.Contains(n.Body, fmt.Sprintf("[h%d] history", i)) {
				history++
			}
		}
		if history != 1 {
			t.Fatalf("partner ticket of %s has its history note %d times, want once", id, history)
		}
	}
	if w.partnerTicket(escalated[0]).ID != pt.ID {
		t.Fatalf("the existing partner ticket was not the one linked")
	}

	// Owed once: the next sweeps are ordinary and change nothing.
	applied := w.applied()
	w.sweep()
	again := w.mustAPI(w.target.org, "GET", "/v1/connections/"+w.connID+"/sync", nil, 200)
	if again["run"] != got["run"] || w.applied() != applied || w.r.Sims.Count(p.dst) != 3 {
		t.Fatalf("a later sweep ran the initial sync again or wrote: progress %v, %d writes (was %d)", again, w.applied(), applied)
	}
}

// A target's match rule: its tickets from before the connection hold the
// source ticket's number in its external reference field (Autotask
// externalID), without Tandem's marker. The initial sync links those, and
// the one carrying the marker, with no note copied twice; creates the
// rest; and a second run changes nothing.
func TestInitialSyncMatchesByConfiguredField(t *testing.T) {
	ctx := context.Background()
	p := pairs[2] // ConnectWise to Autotask
	w := newWorld(t, p.src, p.dst, worldOptions{noWebhook: p.src})
	dst := p.dstCfg
	dst.MatchField = "externalID"
	w.configure("msp", dst)
	w.configure("cust", p.srcCfg)
	const total, byNumber = 8, 3
	var ids []string
	for i := range total {
		tk := p.escalate
		tk.Summary = fmt.Sprintf("Before the connection %d", i)
		st, err := w.source.agent.CreateTicket(ctx, tk)
		if err != nil {
			t.Fatal(err)
		}
		body := fmt.Sprintf("[m%d] history", i)
		mustNote(t, w.source.agent, st.ID, platform.Note{Kind: p.srcNote, Body: body, Public: true})
		ids = append(ids, st.ID)
		ref := ""
		switch {
		case i < byNumber:
			ref = st.Number // typed in by the MSP when the customer phoned it in
		case i == byNumber:
			ref = relay.Marker(w.connID, w.source.org, st.ID)
		default:
			continue
		}
		pt, err := w.target.agent.CreateTicket(ctx, platform.Ticket{Summary: tk.Summary, Priority: "1", Queue: "29682833", Type: "2", Ref: ref})
		if err != nil {
			t.Fatal(err)
		}
		mustNote(t, w.target.agent, pt.ID, platform.Note{Kind: p.dstNote, Body: body, Public: true})
	}
	w.settle()
	before := map[string]bool{}
	for _, id := range w.ticketIDs(p.dst) {
		before[id] = true
	}

	run := func() map[string]any {
		since := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		w.mustAPI(w.source.org, "POST", "/v1/connections/"+w.connID+"/sync", map[string]string{"since": since}, 202)
		w.settle()
		return w.mustAPI(w.source.org, "GET", "/v1/connections/"+w.connID+"/sync", nil, 200)
	}
	got := run()
	if got["total"] != float64(total) || got["matched"] != float64(byNumber+1) || got["created"] != float64(total-byNumber-1) || got["failed"] != 0.0 {
		t.Fatalf("progress %v, want %d matched (%d by number, 1 by marker) and %d created", got, byNumber+1, byNumber, total-byNumber-1)
	}
	if n := w.r.Sims.Count(p.dst); n != total {
		t.Fatalf("%d partner tickets, want %d", n, total)
	}
	for i, id := range ids {
		pt := w.partnerTicket(id)
		if i <= byNumber && !before[pt.ID] {
			t.Errorf("source ticket %d was linked to a new partner ticket %s, not the one already there", i, pt.ID)
		}
		notes, err := w.target.agent.ListNotes(ctx, pt.ID, timeZero)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, note := range notes {
			if strings.Contains(note.Body, fmt.Sprintf("[m%d] history", i)) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("partner ticket of source ticket %d has its history note %d times, want once", i, n)
		}
	}
	applied := w.applied()
	again := run()
	if again["matched"] != 0.0 || again["created"] != 0.0 || w.applied() != applied || w.r.Sims.Count(p.dst) != total {
		t.Fatalf("the second run changed something: progress %v, %d writes (was %d)", again, w.applied(), applied)
	}
}

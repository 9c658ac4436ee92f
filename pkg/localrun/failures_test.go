package localrun_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/queue/memqueue"

	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/simfault"
)

// failures lists the connection's failures as org sees them.
func (w *world) failures(org string) []map[string]any {
	w.t.Helper()
	out := w.mustAPI(org, "GET", "/v1/connections/"+w.connID+"/failures", nil, 200)
	var fs []map[string]any
	for _, f := range out["failures"].([]any) {
		fs = append(fs, f.(map[string]any))
	}
	return fs
}

// noteOrder returns the position of each body among the ticket's notes
// (-1: absent), failing on a body that appears twice.
func noteOrder(t *testing.T, c platform.Client, ticketID string, bodies ...string) []int {
	t.Helper()
	notes, err := c.ListNotes(context.Background(), ticketID, timeZero)
	if err != nil {
		t.Fatal(err)
	}
	pos := make([]int, len(bodies))
	for i, b := range bodies {
		pos[i] = -1
		for j, n := range notes {
			if strings.Contains(n.Body, b) {
				if pos[i] >= 0 {
					t.Fatalf("note %q written twice", b)
				}
				pos[i] = j
			}
		}
	}
	return pos
}

// A write the partner platform refuses for good becomes a failure on its
// ticket: that ticket's later changes wait behind it, in order, while
// another ticket keeps syncing. Only the refusing organisation may retry
// or skip; retry applies the refused write and then the held ones in
// order; skip drops the refused write and releases the held ones.
func TestPermanentRefusalHoldsOnlyItsTicket(t *testing.T) {
	ctx := context.Background()
	for _, p := range psaPairs() {
		t.Run(p.name, func(t *testing.T) {
			w := p.world(t, worldOptions{})
			src := w.source.agent
			a, err := src.CreateTicket(ctx, p.escalate)
			if err != nil {
				t.Fatal(err)
			}
			b, err := src.CreateTicket(ctx, p.escalate)
			if err != nil {
				t.Fatal(err)
			}
			w.settle()
			da, db := w.partnerTicket(a.ID).ID, w.partnerTicket(b.ID).ID
			refuse := func() {
				f := routes[p.dst].note
				f.Mode, f.Message, f.Count = simfault.Invalid, "This action is not allowed at the ticket's current stage", 1
				injectFault(w, p.dst, f)
			}
			note := func(id, body string) {
				mustNote(t, src, id, platform.Note{Kind: p.srcNote, Body: body, Public: true})
			}

			refuse()
			note(a.ID, "A1 refused first")
			w.settle()
			note(a.ID, "A2 after the refusal")
			note(b.ID, "B1 other ticket")
			w.settle()
			if pos := noteOrder(t, w.target.agent, db, "B1 other ticket"); pos[0] < 0 {
				t.Fatal("the other ticket's note did not cross: a failure must hold only its own ticket")
			}
			if pos := noteOrder(t, w.target.agent, da, "A1 refused first", "A2 after the refusal"); pos[0] >= 0 || pos[1] >= 0 {
				t.Fatalf("notes of the failed ticket crossed while it was held: positions %v", pos)
			}
			fs := w.failures(w.target.org)
			if len(fs) != 1 || fs[0]["held"] != 1.0 || fs[0]["canResolve"] != true || fs[0]["org"] != w.target.org ||
				!strings.Contains(fs[0]["reason"].(string), "not allowed") {
				t.Fatalf("failures as the refusing side: %v, want one holding one change", fs)
			}
			theirs := w.failures(w.source.org)
			if len(theirs) != 1 || theirs[0]["canResolve"] != false {
				t.Fatalf("failures as the other side: %v, want the same failure, not resolvable", theirs)
			}
			fid := fs[0]["id"].(string)
			w.mustAPI(w.source.org, "POST", "/v1/connections/"+w.connID+"/failures/"+fid+"/retry", nil, 403)
			w.mustAPI(w.target.org, "POST", "/v1/connections/"+w.connID+"/failures/no-such/retry", nil, 404)

			w.mustAPI(w.target.org, "POST", "/v1/connections/"+w.connID+"/failures/"+fid+"/retry", nil, 202)
			w.settle()
			if pos := noteOrder(t, w.target.agent, da, "A1 refused first", "A2 after the refusal"); pos[0] < 0 || pos[1] < pos[0] {
				t.Fatalf("after retry the notes are at %v: want the refused one, then the held one", pos)
			}
			if fs := w.failures(w.target.org); len(fs) != 0 {
				t.Fatalf("failures after retry: %v", fs)
			}

			refuse()
			note(a.ID, "A3 refused then skipped")
			w.settle()
			note(a.ID, "A4 released by the skip")
			w.settle()
			fs = w.failures(w.target.org)
			if len(fs) != 1 || fs[0]["held"] != 1.0 {
				t.Fatalf("failures: %v, want one holding one change", fs)
			}
			w.mustAPI(w.source.org, "POST", "/v1/connections/"+w.connID+"/failures/"+fs[0]["id"].(string)+"/skip", nil, 403)
			w.mustAPI(w.target.org, "POST", "/v1/connections/"+w.connID+"/failures/"+fs[0]["id"].(string)+"/skip", nil, 202)
			w.settle()
			if pos := noteOrder(t, w.target.agent, da, "A3 refused then skipped", "A4 released by the skip"); pos[0] >= 0 || pos[1] < 0 {
				t.Fatalf("after skip the notes are at %v: want the skipped one absent, the held one there", pos)
			}
			if fs := w.failures(w.target.org); len(fs) != 0 {
				t.Fatalf("failures after skip: %v", fs)
			}
			if !logHas(w.log(w.target.org, a.ID), "skipped", "add note") || !logHas(w.log(w.target.org, a.ID), "held", "add note") {
				t.Fatalf("the sync log does not show the hold and the skip: %v", w.log(w.target.org, a.ID))
			}
			// A replay re-reads both sides and sends only what differs from
			// what was synced: nothing already across is written again.
			w.mustAPI(w.source.org, "POST", "/v1/connections/"+w.connID+"/replay", map[string]string{"ticket": a.ID}, 202)
			w.mustAPI(w.target.org, "POST", "/v1/connections/"+w.connID+"/replay", map[string]string{"ticket": "no-such-ticket"}, 404)
			w.settle()
			noteOrder(t, w.target.agent, da, "A1 refused first", "A2 after the refusal", "A4 released by the skip")
			noteOrder(t, src, a.ID, "A1 refused first", "A2 after the refusal", "A4 released by the skip")
			for _, q := range []string{string(p.dst) + "-commands", string(p.src) + "-events"} {
				if n := len(w.r.Broker.DLQ(q)); n != 0 {
					t.Fatalf("%d messages dead-lettered on %s", n, q)
				}
			}
		})
	}
}

// A 30-minute outage of the partner platform, on an injected clock with
// SQS's visibility timeout (6 × the sync functions' 120 s): the commands
// wait in their queue and are retried, and once the partner is back every
// change crosses, once and in order, with nothing dead-lettered or turned
// into a failure.
func TestPartnerOutageHoldsAndRetriesInOrder(t *testing.T) {
	ctx := context.Background()
	for _, p := range psaPairs() {
		t.Run(p.name, func(t *testing.T) {
			clk := clock.NewManual(time.Now())
			w := p.world(t, worldOptions{clock: clk, queue: memqueue.QueueConfig{VisibilityTimeout: 12 * time.Minute, MaxReceiveCount: 5}})
			st, err := w.source.agent.CreateTicket(ctx, p.escalate)
			if err != nil {
				t.Fatal(err)
			}
			w.settle()
			dt := w.partnerTicket(st.ID).ID

			injectFault(w, p.dst, simfault.Fault{Status: http.StatusServiceUnavailable}) // everything, until cleared
			bodies := []string{"O1 during the outage", "O2 during the outage", "O3 during the outage"}
			for _, b := range bodies {
				mustNote(t, w.source.agent, st.ID, platform.Note{Kind: p.srcNote, Body: b, Public: true})
				w.r.Sims.Flush()
				w.tickUntilIdle()
			}
			for elapsed := time.Duration(0); elapsed < 30*time.Minute; elapsed += 5 * time.Minute {
				clk.Advance(5 * time.Minute)
				w.tickUntilIdle()
			}
			cmds := string(p.dst) + "-commands"
			if m := w.r.Broker.Metrics(cmds); m.Redelivered == 0 {
				t.Fatalf("no command was retried during the outage: %+v", m)
			}
			clearFaults(w, p.dst)
			clk.Advance(12 * time.Minute)
			w.settle()

			pos := noteOrder(t, w.target.agent, dt, bodies...)
			for i := range pos {
				if pos[i] < 0 || (i > 0 && pos[i] < pos[i-1]) {
					t.Fatalf("after the outage the notes are at %v: want all three, in order", pos)
				}
			}
			if n := len(w.r.Broker.DLQ(cmds)); n != 0 {
				t.Fatalf("%d commands dead-lettered", n)
			}
			if fs := w.failures(w.target.org); len(fs) != 0 {
				t.Fatalf("failures after a 30-minute outage: %v", fs)
			}
		})
	}
}

// tickUntilIdle delivers what is deliverable now, without moving the clock
// or treating visibility timeouts as elapsed.
func (w *world) tickUntilIdle() {
	w.t.Helper()
	for range 100 {
		n, err := w.r.Broker.Tick(context.Background())
		if err != nil {
			w.t.Fatal(err)
		}
		if n == 0 {
			return
		}
		w.r.Sims.Flush()
	}
	w.t.Fatal("queues kept delivering")
}

// clearFaults ends every standing fault on kind's simulator.
func clearFaults(w *world, kind platform.Kind) {
	sims := w.r.Sims
	switch kind {
	case platform.Autotask:
		sims.Autotask.ClearFaults()
	case platform.ConnectWise:
		sims.ConnectWise.ClearFaults()
	case platform.Halo:
		sims.Halo.ClearFaults()
	}
}

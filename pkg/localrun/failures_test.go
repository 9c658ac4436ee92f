package localrun_test

import (
	"context"
	"strings"
	"testing"

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
	for _, p := range pairs {
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
			for _, q := range []string{string(p.dst) + "-commands", string(p.src) + "-events"} {
				if n := len(w.r.Broker.DLQ(q)); n != 0 {
					t.Fatalf("%d messages dead-lettered on %s", n, q)
				}
			}
		})
	}
}

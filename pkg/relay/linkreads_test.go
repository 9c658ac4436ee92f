package relay_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/relay"
	"github.com/tandemsync/tandem/pkg/relay/relaytest"
)

// linkReads counts the link look-ups that reach the store on their own
// (the one read with a command's ledger entry is not one of them).
type linkReads struct {
	*relaytest.MemStore
	n atomic.Int64
}

func (s *linkReads) LinkByTicket(ctx context.Context, connID, org, ticketID string) (relay.Link, error) {
	s.n.Add(1)
	return s.MemStore.LinkByTicket(ctx, connID, org, ticketID)
}

// A note's command writes its bookkeeping from the link it read with its
// ledger entry: no second look-up of the link (issue 14's store path).
func TestCommandBookkeepingStartsFromTheLinkItRead(t *testing.T) {
	f := newFixture(t)
	counted := &linkReads{MemStore: f.store}
	e := *f.engine
	e.Store = counted
	f.engine = relay.NewEngine(e)
	f.escalate(t)
	f.src.notes["A1"] = append(f.src.notes["A1"], platform.Note{ID: "n1", TicketID: "A1", Kind: "note", Body: "Customer: it jams again", Public: true})
	if err := f.engine.HandleEvent(context.Background(), "cust", platform.Event{Type: platform.EventNoteCreated, TicketID: "A1", DeliveryID: "n1"}); err != nil {
		t.Fatal(err)
	}
	before := counted.n.Load()
	if n := f.deliver(t); n != 1 {
		t.Fatalf("%d commands delivered, want the note", n)
	}
	if got := counted.n.Load() - before; got != 0 {
		t.Fatalf("the note's command looked its link up %d more times, want 0", got)
	}
	if notes := f.dst.notes["T1"]; len(notes) != 1 {
		t.Fatalf("partner notes %+v, want the one note", notes)
	}
}

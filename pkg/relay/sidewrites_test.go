package relay_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/queue"
	"github.com/tandemsync/tandem/pkg/relay"
	"github.com/tandemsync/tandem/pkg/relay/relaytest"
)

// conflictCounter counts the link writes the store refuses as conflicts;
// with whole set, it writes the whole link for a side write, as a store
// without side versions would.
type conflictCounter struct {
	*relaytest.MemStore
	whole     bool
	conflicts atomic.Int64
}

func (s *conflictCounter) count(l relay.Link, err error) (relay.Link, error) {
	if errors.Is(err, relay.ErrConflict) {
		s.conflicts.Add(1)
	}
	return l, err
}

func (s *conflictCounter) PutLink(ctx context.Context, l relay.Link) (relay.Link, error) {
	return s.count(s.MemStore.PutLink(ctx, l))
}

func (s *conflictCounter) PutSide(ctx context.Context, l relay.Link, org string) (relay.Link, error) {
	if s.whole {
		return s.PutLink(ctx, l)
	}
	return s.count(s.MemStore.PutSide(ctx, l, org))
}

// handOver hands each command to the engine as soon as it is sent, before
// the event that sent it has written its link: the order a fast queue and
// an idle partner function give.
type handOver struct{ engine **relay.Engine }

func (h handOver) Send(ctx context.Context, _ string, msgs ...queue.Message) error {
	for _, m := range msgs {
		var env relay.Envelope
		if err := json.Unmarshal(m.Body, &env); err != nil {
			return err
		}
		if err := (*h.engine).Handle(ctx, env); err != nil {
			return err
		}
	}
	return nil
}

// An event writes its own side of the link and the command it sent writes
// the other: the command's bookkeeping landing first no longer makes the
// event's write conflict, re-read and send again. A store that writes the
// whole link each time still ends in the same state, through a conflict.
func TestEventAndItsCommandWriteTheirOwnSides(t *testing.T) {
	for _, tc := range []struct {
		name          string
		whole         bool
		wantConflicts int64
	}{
		{"side writes", false, 0},
		{"whole-link writes", true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t)
			f.escalate(t)
			store := &conflictCounter{MemStore: f.store, whole: tc.whole}
			e := *f.engine
			e.Store, e.Out = store, handOver{engine: &f.engine}
			f.engine = relay.NewEngine(e)
			f.src.notes["A1"] = append(f.src.notes["A1"], platform.Note{ID: "n1", TicketID: "A1", Kind: "note", Body: "Customer: it jams again", Public: true})
			if err := f.engine.HandleEvent(ctx, "cust", platform.Event{Type: platform.EventNoteCreated, TicketID: "A1", DeliveryID: "n1"}); err != nil {
				t.Fatal(err)
			}
			if got := store.conflicts.Load(); got != tc.wantConflicts {
				t.Errorf("%d conflicting link writes, want %d", got, tc.wantConflicts)
			}
			notes := f.dst.notes["T1"]
			if len(notes) != 1 {
				t.Fatalf("partner notes %+v, want the one note", notes)
			}
			l, err := f.store.LinkByTicket(ctx, f.conn.ID, "cust", "A1")
			if err != nil || !slices.Contains(l.Source.Snapshot.Notes, "n1") || !slices.Contains(l.Target.Snapshot.Notes, notes[0].ID) || len(l.Target.Snapshot.Pending) != 0 {
				t.Fatalf("link after the note: %+v %v", l, err)
			}
		})
	}
}

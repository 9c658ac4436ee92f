package relay_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/tandemsync/tandem/pkg/connection"
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

// prefetching reads each connection's link with the connection list, as a
// store that reads both in one request does (relay.TicketConnections);
// moved, when set, runs after that read, as a command landing in between
// would.
type prefetching struct {
	conns
	store *relaytest.MemStore
	moved func()
}

func (p prefetching) ActiveForTicket(ctx context.Context, org, ticketID string) ([]connection.Connection, map[string]relay.LinkRead, error) {
	cs, _ := p.conns.ActiveFor(ctx, org)
	links := map[string]relay.LinkRead{}
	for _, c := range cs {
		l, err := p.store.LinkByTicket(ctx, c.ID, org, ticketID)
		links[c.ID] = relay.LinkRead{Link: l, Err: err}
	}
	if p.moved != nil {
		p.moved()
	}
	return cs, links, nil
}

// An event takes the link read with its connections: no look-up of its
// own, and a link that moved in between is read again, so the change still
// crosses once.
func TestEventTakesTheLinkReadWithItsConnections(t *testing.T) {
	for _, tc := range []struct {
		name      string
		moved     bool
		wantReads int64
	}{
		{"link as read", false, 0},
		{"link moved after the read", true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t)
			f.escalate(t)
			counted := &linkReads{MemStore: f.store}
			p := prefetching{conns: conns{f.conn}, store: f.store}
			if tc.moved {
				p.moved = func() {
					l, err := f.store.LinkByTicket(ctx, f.conn.ID, "msp", "T1")
					if err != nil {
						t.Fatal(err)
					}
					l.Target.Snapshot.Summary = "Printer (renamed by the MSP)"
					if _, err := f.store.PutLink(ctx, l); err != nil {
						t.Fatal(err)
					}
				}
			}
			e := *f.engine
			e.Store, e.Conns = counted, p
			f.engine = relay.NewEngine(e)
			tk := f.src.tickets["A1"]
			tk.Status = "1"
			f.src.tickets["A1"] = tk
			if err := f.engine.HandleEvent(ctx, "cust", platform.Event{Type: platform.EventTicketUpdated, TicketID: "A1", DeliveryID: "u1"}); err != nil {
				t.Fatal(err)
			}
			if got := counted.n.Load(); got != tc.wantReads {
				t.Fatalf("the event looked its link up %d times, want %d", got, tc.wantReads)
			}
			// A conflict sends the same command again (its id is the same),
			// which the queue's deduplication drops.
			ids := map[string]bool{}
			for _, msgs := range f.sent {
				for _, m := range msgs {
					ids[m.DedupID] = true
				}
			}
			if len(ids) != 1 {
				t.Fatalf("%d distinct commands, want the status update", len(ids))
			}
			f.deliver(t)
			if got := f.dst.tickets["T1"].Status; got != "progress" {
				t.Fatalf("partner status %q, want progress", got)
			}
			l, _ := f.store.LinkByTicket(ctx, f.conn.ID, "cust", "A1")
			if l.Source.Snapshot.Status != "1" || tc.moved && l.Target.Snapshot.Summary != "Printer (renamed by the MSP)" {
				t.Fatalf("link after the event: %+v", l)
			}
		})
	}
}

// echoingClient delivers the event of each note it adds before the add
// returns, as a platform's webhook can beat the write's answer.
type echoingClient struct {
	*fakeClient
	echo func(n platform.Note)
}

func (c echoingClient) AddNote(ctx context.Context, id string, n platform.Note) (platform.Note, error) {
	n, err := c.fakeClient.AddNote(ctx, id, n)
	if err == nil {
		c.echo(n)
	}
	return n, err
}

type clientsOf map[string]platform.Client

func (p clientsOf) Kind(ctx context.Context, org string) (platform.Kind, error) {
	return platforms{}.Kind(ctx, org)
}
func (p clientsOf) Client(_ context.Context, org string) (platform.Client, error) { return p[org], nil }

// linkWrites counts the link writes that reach the store.
type linkWrites struct {
	*relaytest.MemStore
	n atomic.Int64
}

func (s *linkWrites) PutLink(ctx context.Context, l relay.Link) (relay.Link, error) {
	stored, err := s.MemStore.PutLink(ctx, l)
	if err == nil {
		s.n.Add(1)
	}
	return stored, err
}

func (s *linkWrites) PutSide(ctx context.Context, l relay.Link, org string) (relay.Link, error) {
	stored, err := s.MemStore.PutSide(ctx, l, org)
	if err == nil {
		s.n.Add(1)
	}
	return stored, err
}

// When the echo of a note records it on the link before the command's
// bookkeeping does, the command finds it recorded and writes nothing more:
// the pending mark and the echo's record are the only link writes, and
// nothing crosses back.
func TestNoteRecordedByItsEchoIsNotWrittenAgain(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.escalate(t)
	counted := &linkWrites{MemStore: f.store}
	e := *f.engine
	e.Store = counted
	var echoErr error
	e.Platforms = clientsOf{"cust": f.src, "msp": echoingClient{f.dst, func(n platform.Note) {
		echoErr = f.engine.HandleEvent(ctx, "msp", platform.Event{Type: platform.EventNoteCreated, TicketID: n.TicketID, NoteID: n.ID, DeliveryID: "echo-" + n.ID})
	}}}
	f.engine = relay.NewEngine(e)
	f.src.notes["A1"] = append(f.src.notes["A1"], platform.Note{ID: "n1", TicketID: "A1", Kind: "note", Body: "Customer: it jams again", Public: true})
	if err := f.engine.HandleEvent(ctx, "cust", platform.Event{Type: platform.EventNoteCreated, TicketID: "A1", DeliveryID: "n1"}); err != nil {
		t.Fatal(err)
	}
	before := counted.n.Load()
	if n := f.deliver(t); n != 1 {
		t.Fatalf("%d commands delivered, want the note", n)
	}
	if echoErr != nil {
		t.Fatal(echoErr)
	}
	if got := counted.n.Load() - before; got != 2 {
		t.Fatalf("%d link writes for the note and its echo, want 2 (the pending mark, the echo's record)", got)
	}
	l, _ := f.store.LinkByTicket(ctx, f.conn.ID, "cust", "A1")
	if notes := f.dst.notes["T1"]; len(notes) != 1 || !slices.Contains(l.Target.Snapshot.Notes, notes[0].ID) || len(l.Target.Snapshot.Pending) != 0 {
		t.Fatalf("partner notes %+v, link target %+v", notes, l.Target.Snapshot)
	}
	if len(f.sent) != 0 {
		t.Fatalf("the echo sent %v back", f.sent)
	}
}

package relay_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/queue"
	"github.com/tandemsync/tandem/pkg/relay"
)

// conflictingLinks is a store whose next conflicts link writes lose the
// conditional write, as DynamoDB answers when another writer got there first;
// it records the expiry of each ledger entry.
type conflictingLinks struct {
	relay.Store
	t         *testing.T
	mu        sync.Mutex
	conflicts int // link writes still to lose
	writes    int // link writes since the last arm
	expiries  []time.Time
}

func (s *conflictingLinks) arm(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conflicts, s.writes = n, 0
}

func (s *conflictingLinks) PutLink(ctx context.Context, l relay.Link) (relay.Link, error) {
	s.mu.Lock()
	s.writes++
	if s.writes > 100 {
		s.mu.Unlock()
		s.t.Error("more than 100 link writes for one message: conflicts are retried without end")
		return relay.Link{}, errors.New("too many writes")
	}
	lose := s.conflicts > 0
	if lose {
		s.conflicts--
	}
	s.mu.Unlock()
	if lose {
		return relay.Link{}, relay.ErrConflict
	}
	return s.Store.PutLink(ctx, l)
}

func (s *conflictingLinks) MarkDone(ctx context.Context, id string, expires time.Time) error {
	s.mu.Lock()
	s.expiries = append(s.expiries, expires)
	s.mu.Unlock()
	return s.Store.MarkDone(ctx, id, expires)
}

func withStore(t *testing.T, f *fixture, tune func(*relay.Engine)) *conflictingLinks {
	t.Helper()
	s := &conflictingLinks{Store: f.store, t: t}
	e := *f.engine
	e.Store = s
	if tune != nil {
		tune(&e)
	}
	f.engine = relay.NewEngine(e)
	return s
}

// An applied command is remembered for 30 days unless configured otherwise,
// so a redelivery within that time is not applied again.
func TestLedgerRemembersAppliedCommands(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		ttl, want time.Duration
	}{
		{0, 30 * 24 * time.Hour},
		{2 * time.Hour, 2 * time.Hour},
	} {
		f := newFixture(t)
		s := withStore(t, f, func(e *relay.Engine) { e.LedgerTTL, e.Clock = tc.ttl, clock.NewManual(now) })
		f.escalate(t)
		if len(s.expiries) != 1 || !s.expiries[0].Equal(now.Add(tc.want)) {
			t.Errorf("LedgerTTL %v: applied create remembered until %v, want %v", tc.ttl, s.expiries, now.Add(tc.want))
		}
	}
}

// A link write that loses to a concurrent one is re-read and retried, a
// bounded number of times: an event tries six times, a command's bookkeeping
// eleven, and then the message fails (to be redelivered) instead of spinning.
func TestLinkConflictsAreRetriedAFewTimes(t *testing.T) {
	t.Run("event", func(t *testing.T) {
		for _, tc := range []struct {
			conflicts int
			ok        bool
		}{{0, true}, {1, true}, {5, true}, {6, false}} {
			f := newFixture(t)
			s := withStore(t, f, nil)
			f.src.tickets["A1"] = platform.Ticket{ID: "A1", Summary: "Printer", Status: "new", Queue: "L2"}
			s.arm(tc.conflicts)
			err := f.engine.HandleEvent(context.Background(), "cust", platform.Event{Type: platform.EventTicketCreated, TicketID: "A1", DeliveryID: "d1"})
			if tc.ok && err != nil {
				t.Fatalf("%d conflicts: %v", tc.conflicts, err)
			}
			if !tc.ok && !errors.Is(err, relay.ErrConflict) {
				t.Fatalf("%d conflicts: %v, want the conflict reported", tc.conflicts, err)
			}
			if n := len(queued(t, f)); tc.ok != (n == 1) {
				t.Fatalf("%d conflicts: %d commands queued", tc.conflicts, n)
			}
		}
	})
	t.Run("command", func(t *testing.T) {
		for _, tc := range []struct {
			conflicts int
			ok        bool
		}{{0, true}, {1, true}, {11, true}, {12, false}} { // the create's first write, then eleven tries
			f := newFixture(t)
			s := withStore(t, f, nil)
			env := createCommand(t, f)
			s.arm(tc.conflicts)
			err := f.engine.Handle(context.Background(), env)
			if tc.ok && err != nil {
				t.Fatalf("%d conflicts: %v", tc.conflicts, err)
			}
			if !tc.ok && (!errors.Is(err, relay.ErrConflict) || !relay.Retryable(err)) {
				t.Fatalf("%d conflicts: %v, want the conflict reported for a retry", tc.conflicts, err)
			}
			if n := len(f.dst.tickets); tc.ok != (n == 1) {
				t.Fatalf("%d conflicts: the partner holds %d tickets", tc.conflicts, n)
			}
		}
	})
}

// A customer with two MSPs: one event reaches both.
func TestEventReachesEveryConnection(t *testing.T) {
	f := newFixture(t)
	other := newFake("api-msp2")
	second := connection.Connection{ID: "conn-2", Status: connection.Active, CreatorOrg: "cust", CreatorRole: connection.Source, AcceptorOrg: "msp2"}
	cfgs := f.engine.Configs.(configs)
	cfgs["msp2"] = cfgs["msp"]
	e := *f.engine
	e.Conns = conns{f.conn, second}
	e.Platforms = platforms{"cust": f.src, "msp": f.dst, "msp2": other}
	f.engine = relay.NewEngine(e)
	f.src.tickets["A1"] = platform.Ticket{ID: "A1", Summary: "Printer", Status: "new", Queue: "L2"}
	if err := f.engine.HandleEvent(context.Background(), "cust", platform.Event{Type: platform.EventTicketCreated, TicketID: "A1", DeliveryID: "d1"}); err != nil {
		t.Fatal(err)
	}
	f.deliver(t)
	if len(f.dst.tickets) != 1 || len(other.tickets) != 1 {
		t.Fatalf("the first MSP holds %d tickets and the second %d, want one each", len(f.dst.tickets), len(other.tickets))
	}
}

// failingQueue refuses sends while down.
type failingQueue struct {
	recorder
	down bool
}

func (q *failingQueue) Send(ctx context.Context, name string, msgs ...queue.Message) error {
	if q.down {
		return errors.New("sqs: ServiceUnavailable")
	}
	return q.recorder.Send(ctx, name, msgs...)
}

// The link is stored before the create is queued; when queueing fails the
// event fails, and its redelivery finds the link and queues the create, and
// then what changed since.
func TestCreateLostToAQueueFailureIsSentOnRedelivery(t *testing.T) {
	f := newFixture(t)
	q := &failingQueue{recorder: f.sent, down: true}
	e := *f.engine
	e.Out = q
	f.engine = relay.NewEngine(e)
	f.src.tickets["A1"] = platform.Ticket{ID: "A1", Summary: "Printer", Status: "new", Queue: "L2"}
	ev := platform.Event{Type: platform.EventTicketCreated, TicketID: "A1", DeliveryID: "d1"}
	if err := f.engine.HandleEvent(context.Background(), "cust", ev); err == nil || !relay.Retryable(err) {
		t.Fatalf("queue down: %v, want a retryable error", err)
	}
	if len(f.store.Links()) != 1 {
		t.Fatalf("%d links after the failed send, want the one stored first", len(f.store.Links()))
	}
	q.down = false
	// Meanwhile the customer added a note: it follows the create.
	f.src.notes["A1"] = []platform.Note{{ID: "n1", TicketID: "A1", Kind: "note", Body: "Still jamming", Public: true}}
	if err := f.engine.HandleEvent(context.Background(), "cust", ev); err != nil {
		t.Fatal(err)
	}
	f.deliver(t)
	if len(f.dst.tickets) != 1 || len(f.dst.notes["T1"]) != 1 {
		t.Fatalf("after the redelivery the partner holds %d tickets and notes %+v, want the ticket and its note", len(f.dst.tickets), f.dst.notes["T1"])
	}
}

// An event that changes nothing writes nothing: no command, and the link is
// left as it was (no write that could conflict with a command's bookkeeping).
func TestUnchangedTicketLeavesTheLinkAlone(t *testing.T) {
	for _, side := range []struct{ org, ticket string }{{"cust", "A1"}, {"msp", "T1"}} {
		f := newFixture(t)
		f.escalate(t)
		before := f.store.Links()
		ev := platform.Event{Type: platform.EventTicketUpdated, TicketID: side.ticket, DeliveryID: "again"}
		if err := f.engine.HandleEvent(context.Background(), side.org, ev); err != nil {
			t.Fatal(err)
		}
		if n := len(queued(t, f)); n != 0 {
			t.Fatalf("%s: an unchanged ticket queued %d commands", side.org, n)
		}
		// A side written on its own moves that side's version only.
		after := f.store.Links()
		versions := func(l relay.Link) [3]int64 { return [3]int64{l.Version, l.Source.Version, l.Target.Version} }
		if len(after) != 1 || versions(after[0]) != versions(before[0]) {
			t.Fatalf("%s: an unchanged ticket rewrote the link: versions (link, source, target) %v → %v", side.org, versions(before[0]), versions(after[0]))
		}
	}
}

// closingClient is a fake platform that can close tickets.
type closingClient struct {
	*fakeClient
	closed map[string]string // ticket id → closing status
}

func (c *closingClient) CloseTicket(_ context.Context, id, status string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed[id] = status
	return nil
}

type clientsByOrg map[string]platform.Client

func (p clientsByOrg) Kind(ctx context.Context, org string) (platform.Kind, error) {
	return platforms{}.Kind(ctx, org)
}

func (p clientsByOrg) Client(_ context.Context, org string) (platform.Client, error) {
	return p[org], nil
}

// Closing the customer's ticket closes the partner's, once.
func TestCloseCrosses(t *testing.T) {
	f := newFixture(t)
	dst := &closingClient{fakeClient: f.dst, closed: map[string]string{}}
	e := *f.engine
	e.Platforms = clientsByOrg{"cust": f.src, "msp": dst}
	f.engine = relay.NewEngine(e)
	f.escalate(t)
	a1 := f.src.tickets["A1"]
	a1.Closed = true
	f.src.tickets["A1"] = a1
	for i := 0; i < 2; i++ {
		if err := f.engine.HandleEvent(context.Background(), "cust", platform.Event{Type: platform.EventTicketUpdated, TicketID: "A1", DeliveryID: "closed"}); err != nil {
			t.Fatal(err)
		}
		f.deliver(t)
	}
	if _, ok := dst.closed["T1"]; !ok || len(dst.closed) != 1 {
		t.Fatalf("partner tickets closed: %v, want T1", dst.closed)
	}
}

// A note Tandem wrote is recognised by its text only until its write is
// recorded: the partner's agent writing the same words later is a new note,
// and it crosses back.
func TestSameWordsWrittenLaterByThePartnerCross(t *testing.T) {
	f := newFixture(t)
	f.escalate(t)
	f.src.notes["A1"] = []platform.Note{{ID: "n1", TicketID: "A1", Kind: "note", Body: "Thanks", Public: true}}
	if err := f.engine.HandleEvent(context.Background(), "cust", platform.Event{Type: platform.EventNoteCreated, TicketID: "A1", DeliveryID: "n1"}); err != nil {
		t.Fatal(err)
	}
	f.deliver(t)
	if len(f.dst.notes["T1"]) != 1 {
		t.Fatalf("partner notes %+v", f.dst.notes["T1"])
	}
	// The platform's event for Tandem's own note: nothing crosses back.
	if err := f.engine.HandleEvent(context.Background(), "msp", platform.Event{Type: platform.EventNoteCreated, TicketID: "T1", DeliveryID: "echo"}); err != nil {
		t.Fatal(err)
	}
	f.deliver(t)
	f.dst.notes["T1"] = append(f.dst.notes["T1"], platform.Note{ID: "m9", TicketID: "T1", Kind: "note", Body: "Thanks", Public: true})
	if err := f.engine.HandleEvent(context.Background(), "msp", platform.Event{Type: platform.EventNoteCreated, TicketID: "T1", ActorID: "agent-3", DeliveryID: "m9"}); err != nil {
		t.Fatal(err)
	}
	f.deliver(t)
	if got := f.src.notes["A1"]; len(got) != 2 || got[1].Body != "Thanks" {
		t.Fatalf("customer notes %+v, want theirs and the partner's reply", got)
	}
}

// On its first delivery a note command writes its note even when the same
// words are already on the partner's ticket: two notes saying "Thanks" are
// two notes.
func TestRepeatedWordsAreNewNotesOnFirstDelivery(t *testing.T) {
	f := newFixture(t)
	f.escalate(t)
	ctx := relay.WithReceiveCount(context.Background(), 1)
	for i, id := range []string{"n1", "n2"} {
		f.src.notes["A1"] = append(f.src.notes["A1"], platform.Note{ID: id, TicketID: "A1", Kind: "note", Body: "Thanks", Public: true})
		if err := f.engine.HandleEvent(ctx, "cust", platform.Event{Type: platform.EventNoteCreated, TicketID: "A1", DeliveryID: id}); err != nil {
			t.Fatal(err)
		}
		for _, c := range queued(t, f) {
			clear(f.sent)
			if err := f.engine.HandleCommand(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(f.dst.notes["T1"]); n != i+1 {
			t.Fatalf("after %d customer notes the partner holds %d", i+1, n)
		}
	}
}

package relay_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/relay"
)

// FindTicket makes the fake a platform that keeps the create's marker
// (platform.Ticket.Ref) and can be searched by it.
func (f *fakeClient) FindTicket(_ context.Context, ref string) (platform.Ticket, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.finds++
	if err := f.call(); err != nil {
		return platform.Ticket{}, false, err
	}
	for _, t := range f.tickets {
		if t.Ref == ref {
			return t, true, nil
		}
	}
	return platform.Ticket{}, false, nil
}

// The platform applies the next write and then fails: a 500 after the
// ticket or note was saved, or a connection dropped before the answer.
var appliedThenFailed = &platform.Error{Platform: platform.Halo, Reason: platform.ReasonServer, Status: 500, Message: "Halo reported a server error."}

// failingLinks is a store whose link writes fail while fail says so.
type failingLinks struct {
	relay.Store
	fail func(relay.Link) bool
}

func (s failingLinks) PutLink(ctx context.Context, l relay.Link) (relay.Link, error) {
	if s.fail(l) {
		return relay.Link{}, errors.New("dynamodb: InternalServerError")
	}
	return s.Store.PutLink(ctx, l)
}

// createCommand escalates A1 and returns its create command undelivered.
func createCommand(t *testing.T, f *fixture) relay.Envelope {
	t.Helper()
	f.src.tickets["A1"] = platform.Ticket{ID: "A1", Summary: "Printer", Status: "new", Queue: "L2"}
	if err := f.engine.HandleEvent(context.Background(), "cust", platform.Event{Type: platform.EventTicketCreated, TicketID: "A1", DeliveryID: "d1"}); err != nil {
		t.Fatal(err)
	}
	var env relay.Envelope
	for q, msgs := range f.sent {
		if len(msgs) != 1 {
			t.Fatalf("%d messages on %s", len(msgs), q)
		}
		if err := json.Unmarshal(msgs[0].Body, &env); err != nil {
			t.Fatal(err)
		}
		delete(f.sent, q)
	}
	return env
}

func TestCreateIsNotLookedUpOnTheNormalPath(t *testing.T) {
	f := newFixture(t)
	env := createCommand(t, f)
	if err := f.engine.Handle(context.Background(), env); err != nil {
		t.Fatal(err)
	}
	if f.dst.calls != 1 || f.dst.finds != 0 {
		t.Fatalf("a create cost %d partner calls (%d look-ups), want 1 and 0", f.dst.calls, f.dst.finds)
	}
	if f.dst.tickets["T1"].Ref == "" {
		t.Fatal("the create carried no marker")
	}
}

// A create the platform applied before failing is found by its marker and
// adopted, in the same attempt.
func TestCreateAppliedThenFailedIsAdopted(t *testing.T) {
	f := newFixture(t)
	env := createCommand(t, f)
	f.dst.applyThenFail = appliedThenFailed
	if err := f.engine.Handle(context.Background(), env); err != nil {
		t.Fatalf("handle: %v", err)
	}
	if err := f.engine.Handle(context.Background(), env); err != nil { // redelivered anyway
		t.Fatal(err)
	}
	if len(f.dst.tickets) != 1 {
		t.Fatalf("partner holds %d tickets, want 1", len(f.dst.tickets))
	}
	l, err := f.store.LinkByTicket(context.Background(), "conn-1", "cust", "A1")
	if err != nil || l.Target.TicketID != "T1" || l.Target.Creating != "" {
		t.Fatalf("link %+v, %v", l.Target, err)
	}
}

// The store fails after the partner create, before the link records it;
// the redelivered command finds the ticket by its marker.
func TestStoreFailureAfterCreateLeavesOneTicket(t *testing.T) {
	f := newFixture(t)
	env := createCommand(t, f)
	failing := true
	store := failingLinks{Store: f.store, fail: func(l relay.Link) bool { return failing && l.Target.TicketID != "" }}
	e := relay.NewEngine(relay.Engine{Store: store, Conns: conns{f.conn}, Platforms: platforms{"cust": f.src, "msp": f.dst}, Out: recorder(f.sent),
		Configs: configs{"cust": {}, "msp": {}}})
	if err := e.Handle(context.Background(), env); err == nil || !relay.Retryable(err) {
		t.Fatalf("a store failure must return the message to the queue: %v", err)
	}
	failing = false
	if err := e.Handle(relay.WithReceiveCount(context.Background(), 2), env); err != nil {
		t.Fatalf("redelivery: %v", err)
	}
	if len(f.dst.tickets) != 1 || f.dst.finds != 1 {
		t.Fatalf("partner holds %d tickets after %d look-ups, want 1 and 1", len(f.dst.tickets), f.dst.finds)
	}
	l, _ := f.store.LinkByTicket(context.Background(), "conn-1", "cust", "A1")
	if l.Target.TicketID != "T1" {
		t.Fatalf("link target %+v", l.Target)
	}
}

// A note the platform saved before failing is found by its fingerprint, not
// written again; a note whose write never landed is written on the retry.
func TestNoteAppliedThenFailedIsNotRepeated(t *testing.T) {
	f := newFixture(t)
	f.escalate(t)
	f.src.notes["A1"] = []platform.Note{{ID: "n1", TicketID: "A1", Kind: "note", Body: "hello", Public: true}}
	if err := f.engine.HandleEvent(context.Background(), "cust", platform.Event{Type: platform.EventNoteCreated, TicketID: "A1", DeliveryID: "d2"}); err != nil {
		t.Fatal(err)
	}
	var env relay.Envelope
	for q, msgs := range f.sent {
		_ = json.Unmarshal(msgs[0].Body, &env)
		delete(f.sent, q)
	}
	f.dst.applyThenFail = appliedThenFailed
	if err := f.engine.Handle(context.Background(), env); err != nil {
		t.Fatalf("handle: %v", err)
	}
	if n := len(f.dst.notes["T1"]); n != 1 {
		t.Fatalf("partner holds the note %d times", n)
	}

	// A 500 that saved nothing: the failure goes back to the queue, and the
	// redelivery checks, finds nothing and writes.
	f.src.notes["A1"] = append(f.src.notes["A1"], platform.Note{ID: "n2", TicketID: "A1", Kind: "note", Body: "second", Public: true})
	if err := f.engine.HandleEvent(context.Background(), "cust", platform.Event{Type: platform.EventNoteCreated, TicketID: "A1", DeliveryID: "d3"}); err != nil {
		t.Fatal(err)
	}
	for q, msgs := range f.sent {
		_ = json.Unmarshal(msgs[0].Body, &env)
		delete(f.sent, q)
	}
	f.dst.failNext = appliedThenFailed
	if err := f.engine.Handle(context.Background(), env); err == nil || !relay.Retryable(err) {
		t.Fatalf("a failed note must be retried: %v", err)
	}
	if err := f.engine.Handle(relay.WithReceiveCount(context.Background(), 2), env); err != nil {
		t.Fatal(err)
	}
	if notes := f.dst.notes["T1"]; len(notes) != 2 || notes[1].Body != "second" {
		t.Fatalf("partner notes %+v", notes)
	}
}

// A create the platform refuses for good is logged as failed once; the
// changes that would follow it are skipped with that reason instead of
// waiting, retried, for a ticket that will not come (into the DLQ).
func TestRefusedCreateSkipsWhatFollows(t *testing.T) {
	f := newFixture(t)
	f.src.tickets["A1"] = platform.Ticket{ID: "A1", Summary: "Printer", Status: "new", Queue: "L2"}
	f.src.notes["A1"] = []platform.Note{{ID: "n1", TicketID: "A1", Kind: "note", Body: "hello", Public: true}}
	if err := f.engine.HandleEvent(context.Background(), "cust", platform.Event{Type: platform.EventTicketUpdated, TicketID: "A1", DeliveryID: "d1"}); err != nil {
		t.Fatal(err)
	}
	f.dst.failNext = &platform.Error{Platform: platform.Autotask, Reason: platform.ReasonInvalid, Status: 500, Message: "Autotask said: Missing Required Field: companyID"}
	if n := f.deliver(t); n != 2 {
		t.Fatalf("%d commands, want the create and the note", n)
	}
	log, _ := f.store.Log(context.Background(), "conn-1", "A1", 10)
	if len(log) != 2 || log[1].Outcome != relay.Failed || log[1].Reason != "Autotask said: Missing Required Field: companyID" ||
		log[0].Outcome != relay.Skipped || log[0].What != "add note" {
		t.Fatalf("log %+v", log)
	}
}

// Where the queue counts deliveries and the platform can be searched by
// marker, a first delivery of the first send creates without recording
// the marker first (one link write, the adoption) and without a look-up;
// every attempt that may follow one that created the ticket looks it up
// and adopts it: a redelivery, a failure's retry and a resend (a later
// event of a linked ticket whose partner is not recorded).
func TestCreateLooksUpOnlyWhereAnAttemptMayHaveCreated(t *testing.T) {
	ctx := context.Background()
	t.Run("first delivery of the first send", func(t *testing.T) {
		f := newFixture(t)
		env := createCommand(t, f)
		writes := &linkWrites{MemStore: f.store}
		e := *f.engine
		e.Store = writes
		f.engine = relay.NewEngine(e)
		if err := f.engine.Handle(relay.WithReceiveCount(ctx, 1), env); err != nil {
			t.Fatal(err)
		}
		if f.dst.calls != 1 || f.dst.finds != 0 || writes.n.Load() != 1 || len(f.dst.tickets) != 1 {
			t.Fatalf("%d partner calls (%d look-ups), %d link writes, %d tickets; want 1, 0, 1, 1", f.dst.calls, f.dst.finds, writes.n.Load(), len(f.dst.tickets))
		}
	})
	for _, tc := range []struct {
		name  string
		again func(t *testing.T, f *fixture, env relay.Envelope)
	}{
		{"redelivery", func(t *testing.T, f *fixture, env relay.Envelope) {
			if err := f.engine.Handle(relay.WithReceiveCount(ctx, 2), env); err != nil {
				t.Fatal(err)
			}
		}},
		{"resend by a later event", func(t *testing.T, f *fixture, env relay.Envelope) {
			tk := f.src.tickets["A1"]
			tk.Summary = "Printer (still)"
			f.src.tickets["A1"] = tk
			if err := f.engine.HandleEvent(ctx, "cust", platform.Event{Type: platform.EventTicketUpdated, TicketID: "A1", DeliveryID: "d2"}); err != nil {
				t.Fatal(err)
			}
			var resent bool
			for q, msgs := range f.sent {
				delete(f.sent, q)
				for _, m := range msgs {
					var got relay.Envelope
					if err := json.Unmarshal(m.Body, &got); err != nil {
						t.Fatal(err)
					}
					if got.Command.ID == env.Command.ID {
						resent = got.Command.Resent
						env = got
					}
				}
			}
			if !resent {
				t.Fatal("the later event did not resend the create, marked as a resend")
			}
			if err := f.engine.Handle(relay.WithReceiveCount(ctx, 1), env); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			env := createCommand(t, f)
			// The partner create is applied; the store fails before the
			// link records it.
			store := failingLinks{Store: f.store, fail: func(l relay.Link) bool { return l.Target.TicketID != "" }}
			e := *f.engine
			e.Store = store
			failing := relay.NewEngine(e)
			if err := failing.Handle(relay.WithReceiveCount(ctx, 1), env); err == nil {
				t.Fatal("the store failure was not reported")
			}
			tc.again(t, f, env)
			if len(f.dst.tickets) != 1 || f.dst.finds == 0 {
				t.Fatalf("partner holds %d tickets after %d look-ups, want 1 found by its marker", len(f.dst.tickets), f.dst.finds)
			}
			l, err := f.store.LinkByTicket(ctx, "conn-1", "cust", "A1")
			if err != nil || l.Target.TicketID == "" {
				t.Fatalf("link %+v, %v", l.Target, err)
			}
		})
	}
}

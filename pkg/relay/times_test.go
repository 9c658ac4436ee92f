package relay_test

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/relay"
)

func (f *fakeClient) ListTimeEntries(_ context.Context, id string) ([]platform.TimeEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call(); err != nil {
		return nil, err
	}
	return append([]platform.TimeEntry(nil), f.times[id]...), nil
}

func (f *fakeClient) AddTimeEntry(_ context.Context, id string, t platform.TimeEntry) (platform.TimeEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call(); err != nil {
		return platform.TimeEntry{}, err
	}
	f.next++
	t.ID, t.TicketID = "E"+strconv.Itoa(f.next), id
	if f.times == nil {
		f.times = map[string][]platform.TimeEntry{}
	}
	f.times[id] = append(f.times[id], t)
	if err := f.applied(); err != nil {
		return platform.TimeEntry{}, err
	}
	return t, nil
}

// timeFixture escalates A1 to T1 with time entries enabled on the
// customer's (source) side, and has the MSP log an hour on T1.
func timeFixture(t *testing.T) (*fixture, relay.Envelope) {
	t.Helper()
	f := newFixture(t)
	cust := integration.Config{Escalation: integration.EscalationRule{Queues: []string{"L2"}}, Outbound: integration.Outbound{Actions: []string{"note"}},
		StatusMappings: []integration.Mapping{{Partner: "open", Mine: "1"}}, DefaultAction: "note",
		TimeEntries: integration.TimeEntries{Enabled: true, DefaultMember: "r-default", MemberMappings: []integration.Mapping{{Partner: "agent-7", Mine: "r-7"}}}}
	msp := integration.Config{StatusMappings: []integration.Mapping{{Partner: "1", Mine: "progress"}}, DefaultStatus: "open", DefaultTicketType: "incident",
		DefaultAction: "note", Outbound: integration.Outbound{Actions: []string{"note"}}}
	f.engine = relay.NewEngine(relay.Engine{Store: f.store, Conns: conns{f.conn}, Platforms: platforms{"cust": f.src, "msp": f.dst}, Out: recorder(f.sent),
		Configs: configs{"cust": cust, "msp": msp}})
	dst := f.escalate(t)
	start := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	f.dst.times = map[string][]platform.TimeEntry{dst: {{ID: "w1", TicketID: dst, Start: &start, Minutes: 60, Note: "Fixed", WorkerID: "agent-7"}}}
	if err := f.engine.HandleEvent(context.Background(), "msp", platform.Event{Type: platform.EventTicketUpdated, TicketID: dst, DeliveryID: "t1"}); err != nil {
		t.Fatal(err)
	}
	var env relay.Envelope
	n := 0
	for q, msgs := range f.sent {
		for _, m := range msgs {
			if err := json.Unmarshal(m.Body, &env); err != nil {
				t.Fatal(err)
			}
			n++
		}
		delete(f.sent, q)
	}
	if n != 1 || env.Command == nil || env.Command.Do.Op != integration.OpAddTimeEntry {
		t.Fatalf("%d commands, last %+v; want one time entry", n, env.Command)
	}
	return f, env
}

// The MSP's time crosses once, credited to the mapped resource; the same
// event again plans nothing, and the command delivered twice writes once.
func TestTimeEntryCrossesOnce(t *testing.T) {
	f, env := timeFixture(t)
	if err := f.engine.Handle(context.Background(), env); err != nil {
		t.Fatal(err)
	}
	if err := f.engine.Handle(relay.WithReceiveCount(context.Background(), 2), env); err != nil { // redelivered
		t.Fatal(err)
	}
	got := f.src.times["A1"]
	if len(got) != 1 || got[0].WorkerID != "r-7" || got[0].Minutes != 60 || got[0].Note != "Fixed" {
		t.Fatalf("customer time %+v, want one hour credited to r-7", got)
	}
	if err := f.engine.HandleEvent(context.Background(), "msp", platform.Event{Type: platform.EventTicketUpdated, TicketID: "T1", DeliveryID: "t2"}); err != nil {
		t.Fatal(err)
	}
	if len(f.sent) != 0 {
		t.Fatalf("a second event re-sent the time: %v", f.sent)
	}
	l, _ := f.store.LinkByTicket(context.Background(), "conn-1", "cust", "A1")
	if len(l.Target.Snapshot.Times) != 1 || len(l.Source.Snapshot.Times) != 1 || len(l.Source.Snapshot.Pending) != 0 {
		t.Fatalf("link times %v / %v, pending %v", l.Target.Snapshot.Times, l.Source.Snapshot.Times, l.Source.Snapshot.Pending)
	}
}

// A time entry the platform saved before failing is found on the retry,
// not written again.
func TestTimeEntryAppliedThenFailedIsNotRepeated(t *testing.T) {
	f, env := timeFixture(t)
	f.src.applyThenFail = appliedThenFailed
	if err := f.engine.Handle(context.Background(), env); err != nil {
		t.Fatalf("handle: %v", err)
	}
	if err := f.engine.Handle(relay.WithReceiveCount(context.Background(), 2), env); err != nil {
		t.Fatal(err)
	}
	if n := len(f.src.times["A1"]); n != 1 {
		t.Fatalf("customer holds the time %d times, want 1", n)
	}
}

// A partner whose platform cannot log time gets a permanent refusal, not a
// retry loop.
func TestTimeEntryOnAPlatformWithoutTimeIsPermanent(t *testing.T) {
	f, env := timeFixture(t)
	noTime := struct{ platform.Client }{f.src}
	e := relay.NewEngine(relay.Engine{Store: f.store, Conns: conns{f.conn}, Platforms: clientOnly{"cust": noTime, "msp": f.dst}, Out: recorder(f.sent),
		Configs: configs{"cust": {}, "msp": {}}})
	if err := e.Handle(context.Background(), env); err != nil {
		t.Fatalf("a refusal for good is logged, not retried: %v", err)
	}
	log, _ := f.store.Log(context.Background(), "conn-1", "A1", 10)
	if len(log) == 0 || log[0].Outcome != relay.Failed || log[0].What != "add time entry" {
		t.Fatalf("log %+v", log)
	}
}

// clientOnly serves clients that are not fakes (a wrapped fake hides its
// optional methods).
type clientOnly map[string]platform.Client

func (p clientOnly) Kind(ctx context.Context, org string) (platform.Kind, error) {
	return platforms{}.Kind(ctx, org)
}
func (p clientOnly) Client(_ context.Context, org string) (platform.Client, error) {
	return p[org], nil
}

package relay_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/queue"
	"github.com/tandemsync/tandem/pkg/relay"
	"github.com/tandemsync/tandem/pkg/relay/relaytest"
)

// fakeClient is an in-memory platform for the engine's unit tests; the
// simulators cover the real wire formats in pkg/localrun.
type fakeClient struct {
	platform.Client // methods the engine must not call panic
	mu              sync.Mutex
	self            string
	tickets         map[string]platform.Ticket
	notes           map[string][]platform.Note
	times           map[string][]platform.TimeEntry // time logged, by ticket (times_test.go)
	calls           int
	gets            int // GetTicket calls
	finds           int
	failNext        error
	applyThenFail   error // the next write is applied, then this is returned
	next            int
}

func newFake(self string) *fakeClient {
	return &fakeClient{self: self, tickets: map[string]platform.Ticket{}, notes: map[string][]platform.Note{}}
}

func (f *fakeClient) call() error {
	f.calls++
	if err := f.failNext; err != nil {
		f.failNext = nil
		return err
	}
	return nil
}

func (f *fakeClient) ActorID(context.Context) (string, error) { return f.self, nil }

func (f *fakeClient) GetTicket(_ context.Context, id string) (platform.Ticket, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets++
	if err := f.call(); err != nil {
		return platform.Ticket{}, err
	}
	return f.tickets[id], nil
}

func (f *fakeClient) CreateTicket(_ context.Context, t platform.Ticket) (platform.Ticket, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call(); err != nil {
		return platform.Ticket{}, err
	}
	f.next++
	t.ID = "T" + strconv.Itoa(f.next)
	f.tickets[t.ID] = t
	if err := f.applied(); err != nil {
		return platform.Ticket{}, err
	}
	return t, nil
}

// applied returns the applied-then-failed error once.
func (f *fakeClient) applied() error {
	err := f.applyThenFail
	f.applyThenFail = nil
	return err
}

func (f *fakeClient) UpdateTicket(_ context.Context, id string, u platform.TicketUpdate) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call(); err != nil {
		return err
	}
	t := f.tickets[id]
	if u.Status != nil {
		t.Status = *u.Status
	}
	f.tickets[id] = t
	return nil
}

func (f *fakeClient) AddNote(_ context.Context, id string, n platform.Note) (platform.Note, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call(); err != nil {
		return platform.Note{}, err
	}
	f.next++
	n.ID, n.TicketID = "N"+strconv.Itoa(f.next), id
	f.notes[id] = append(f.notes[id], n)
	if err := f.applied(); err != nil {
		return platform.Note{}, err
	}
	return n, nil
}

func (f *fakeClient) ListNotes(_ context.Context, id string, _ time.Time) ([]platform.Note, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call(); err != nil {
		return nil, err
	}
	return append([]platform.Note(nil), f.notes[id]...), nil
}

type fixture struct {
	engine *relay.Engine
	store  *relaytest.MemStore
	src    *fakeClient // the customer's platform
	dst    *fakeClient // the MSP's platform
	sent   map[string][]queue.Message
	conn   connection.Connection
}

type platforms map[string]*fakeClient

func (p platforms) Kind(_ context.Context, org string) (platform.Kind, error) {
	if org == "cust" {
		return platform.Autotask, nil
	}
	return platform.Halo, nil
}

func (p platforms) Client(_ context.Context, org string) (platform.Client, error) { return p[org], nil }

type conns []connection.Connection

func (c conns) ActiveFor(_ context.Context, org string) ([]connection.Connection, error) {
	var out []connection.Connection
	for _, x := range c {
		if x.Involves(org) {
			out = append(out, x)
		}
	}
	return out, nil
}

type configs map[string]integration.Config

func (c configs) GetConfig(_ context.Context, _, org string) (integration.Config, error) {
	return c[org], nil
}

type recorder map[string][]queue.Message

func (r recorder) Send(_ context.Context, q string, msgs ...queue.Message) error {
	r[q] = append(r[q], msgs...)
	return nil
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{store: relaytest.NewMemStore(), src: newFake("api-cust"), dst: newFake("api-msp"), sent: recorder{}}
	f.conn = connection.Connection{ID: "conn-1", Status: connection.Active, CreatorOrg: "cust", CreatorRole: connection.Source, AcceptorOrg: "msp"}
	f.engine = relay.NewEngine(relay.Engine{
		Store: f.store, Conns: conns{f.conn}, Platforms: platforms{"cust": f.src, "msp": f.dst}, Out: recorder(f.sent),
		Configs: configs{
			"cust": {Escalation: integration.EscalationRule{Queues: []string{"L2"}}, Outbound: integration.Outbound{Actions: []string{"note"}},
				StatusMappings: []integration.Mapping{{Partner: "open", Mine: "1"}}, DefaultAction: "note"},
			"msp": {StatusMappings: []integration.Mapping{{Partner: "1", Mine: "progress"}, {Partner: "2", Mine: "waiting"}}, DefaultStatus: "open", DefaultTicketType: "incident",
				DefaultAction: "note", Outbound: integration.Outbound{Actions: []string{"note"}}},
		},
	})
	return f
}

// deliver hands every queued command to the engine, as the partner's sync
// function would, and returns how many there were.
func (f *fixture) deliver(t *testing.T) int {
	t.Helper()
	n := 0
	for q, msgs := range f.sent {
		delete(f.sent, q)
		for _, m := range msgs {
			var env relay.Envelope
			if err := json.Unmarshal(m.Body, &env); err != nil {
				t.Fatal(err)
			}
			if err := f.engine.Handle(context.Background(), env); err != nil {
				t.Fatalf("handle command: %v", err)
			}
			n++
		}
	}
	return n
}

func (f *fixture) escalate(t *testing.T) string {
	t.Helper()
	f.src.tickets["A1"] = platform.Ticket{ID: "A1", Summary: "Printer", Status: "new", Queue: "L2"}
	ev := platform.Event{Type: platform.EventTicketCreated, TicketID: "A1", ActorID: "agent-7", DeliveryID: "d1"}
	if err := f.engine.HandleEvent(context.Background(), "cust", ev); err != nil {
		t.Fatal(err)
	}
	if n := f.deliver(t); n != 1 {
		t.Fatalf("%d commands for an escalation, want 1 create", n)
	}
	if len(f.dst.tickets) != 1 {
		t.Fatalf("partner holds %d tickets", len(f.dst.tickets))
	}
	return "T1"
}

func TestEchoOfOwnWriteCostsNoCall(t *testing.T) {
	f := newFixture(t)
	dst := f.escalate(t)
	before := f.dst.calls
	ev := platform.Event{Type: platform.EventTicketCreated, TicketID: dst, ActorID: "api-msp", DeliveryID: "echo"}
	if err := f.engine.HandleEvent(context.Background(), "msp", ev); err != nil {
		t.Fatal(err)
	}
	if f.dst.calls != before || len(f.sent) != 0 {
		t.Fatalf("echo cost %d calls and queued %d", f.dst.calls-before, len(f.sent))
	}
}

func TestRedeliveredEventSendsNothingNew(t *testing.T) {
	f := newFixture(t)
	f.escalate(t)
	ev := platform.Event{Type: platform.EventTicketUpdated, TicketID: "A1", ActorID: "agent-7", DeliveryID: "d1"}
	for i := 0; i < 3; i++ {
		if err := f.engine.HandleEvent(context.Background(), "cust", ev); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.deliver(t); n != 0 {
		t.Fatalf("an unchanged ticket produced %d commands", n)
	}
}

func TestCommandAppliedOnce(t *testing.T) {
	f := newFixture(t)
	f.escalate(t)
	f.src.notes["A1"] = []platform.Note{{ID: "n1", TicketID: "A1", Kind: "note", Body: "hello", Public: true}}
	if err := f.engine.HandleEvent(context.Background(), "cust", platform.Event{Type: platform.EventNoteCreated, TicketID: "A1", DeliveryID: "d2"}); err != nil {
		t.Fatal(err)
	}
	var cmds []queue.Message
	for _, m := range f.sent {
		cmds = append(cmds, m...)
	}
	if len(cmds) != 1 {
		t.Fatalf("%d commands for one note", len(cmds))
	}
	var env relay.Envelope
	_ = json.Unmarshal(cmds[0].Body, &env)
	for i := 0; i < 3; i++ { // a redelivered batch
		if err := f.engine.Handle(context.Background(), env); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(f.dst.notes["T1"]); n != 1 {
		t.Fatalf("partner got the note %d times", n)
	}
}

func TestFailuresRetryOrLog(t *testing.T) {
	f := newFixture(t)
	f.escalate(t)
	f.src.tickets["A1"] = platform.Ticket{ID: "A1", Summary: "Printer", Status: "1", Queue: "L2"}
	mk := func() relay.Envelope {
		if err := f.engine.HandleEvent(context.Background(), "cust", platform.Event{Type: platform.EventTicketUpdated, TicketID: "A1", DeliveryID: "d3"}); err != nil {
			t.Fatal(err)
		}
		var env relay.Envelope
		for q, msgs := range f.sent {
			_ = json.Unmarshal(msgs[0].Body, &env)
			delete(f.sent, q)
		}
		if env.Command == nil {
			t.Fatal("the status change queued no command")
		}
		return env
	}
	env := mk()
	f.dst.failNext = &platform.Error{Reason: platform.ReasonRateLimited, Status: 429, Message: "slow down"}
	err := f.engine.Handle(context.Background(), env)
	if !relay.Retryable(err) {
		t.Fatalf("a 429 must return the message to the queue: %v", err)
	}
	if err := f.engine.Handle(context.Background(), env); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if f.dst.tickets["T1"].Status != "progress" {
		t.Fatalf("status after retry %q", f.dst.tickets["T1"].Status)
	}

	f.src.tickets["A1"] = platform.Ticket{ID: "A1", Summary: "Printer", Status: "2", Queue: "L2"}
	env = mk()
	f.dst.failNext = &platform.Error{Reason: platform.ReasonInvalid, Status: 400, Message: "You do not have access to this action at the moment"}
	if err := f.engine.Handle(context.Background(), env); err != nil {
		t.Fatalf("a permanent refusal must not be retried: %v", err)
	}
	log, _ := f.store.Log(context.Background(), "conn-1", "A1", 10)
	if len(log) == 0 || log[0].Outcome != relay.Failed || log[0].Reason != "You do not have access to this action at the moment" {
		t.Fatalf("log %+v", log)
	}
}

func TestRetryable(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{relay.ErrPermanent, false},
		{&platform.Error{Reason: platform.ReasonServer}, true},
		{&platform.Error{Reason: platform.ReasonAuthFailed}, false},
		{errors.New("dynamodb unavailable"), true},
	} {
		if got := relay.Retryable(tc.err); got != tc.want {
			t.Errorf("Retryable(%v) = %v", tc.err, got)
		}
	}
}

// A ticket that enters the escalation rule later takes its notes along,
// after the create and in order; a note that repeats the description (as
// ConnectWise stores it) is not sent twice.
func TestLateEscalationBringsExistingNotes(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.src.tickets["A1"] = platform.Ticket{ID: "A1", Summary: "Printer", Description: "It jams", Status: "new", Queue: "L1"}
	f.src.notes["A1"] = []platform.Note{
		{ID: "n0", TicketID: "A1", Kind: "note", Body: "It jams", Public: true},
		{ID: "n1", TicketID: "A1", Kind: "note", Body: "Tried a new cartridge", Public: true},
	}
	if err := f.engine.HandleEvent(ctx, "cust", platform.Event{Type: platform.EventTicketCreated, TicketID: "A1", DeliveryID: "c"}); err != nil {
		t.Fatal(err)
	}
	if n := f.deliver(t); n != 0 {
		t.Fatalf("a ticket outside the rule produced %d commands", n)
	}
	f.src.tickets["A1"] = platform.Ticket{ID: "A1", Summary: "Printer", Description: "It jams", Status: "new", Queue: "L2"}
	if err := f.engine.HandleEvent(ctx, "cust", platform.Event{Type: platform.EventTicketUpdated, TicketID: "A1", DeliveryID: "u"}); err != nil {
		t.Fatal(err)
	}
	if n := f.deliver(t); n != 2 {
		t.Fatalf("%d commands, want the create and one note", n)
	}
	if notes := f.dst.notes["T1"]; len(notes) != 1 || notes[0].Body != "Tried a new cartridge" {
		t.Fatalf("partner notes %+v", notes)
	}
}

type renewingClient struct {
	*fakeClient
	renewed []string
}

func (r *renewingClient) RenewWebhook(_ context.Context, id string) (platform.Webhook, error) {
	r.renewed = append(r.renewed, id)
	return platform.Webhook{ID: id, ExpiresAt: time.Now().Add(70 * time.Hour)}, nil
}

// Graph's reauthorizationRequired lifecycle notification renews the
// subscription instead of letting the mailbox fall silent.
func TestLifecycleNotificationRenewsTheSubscription(t *testing.T) {
	f := newFixture(t)
	rc := &renewingClient{fakeClient: f.src}
	e := relay.NewEngine(relay.Engine{Store: f.store, Conns: conns{f.conn}, Configs: configs{}, Out: recorder{},
		Platforms: renewPlatforms{rc}})
	ev := platform.Event{Type: platform.EventSubscriptionRenew, DeliveryID: "l1", Fields: map[string]string{"subscriptionId": "sub-42"}}
	if err := e.HandleEvent(context.Background(), "cust", ev); err != nil {
		t.Fatal(err)
	}
	if len(rc.renewed) != 1 || rc.renewed[0] != "sub-42" {
		t.Fatalf("renewed %v", rc.renewed)
	}
	// A platform without subscriptions cannot renew: a permanent error.
	err := f.engine.HandleEvent(context.Background(), "cust", ev)
	if err == nil || relay.Retryable(err) {
		t.Fatalf("renewal on a platform without subscriptions: %v", err)
	}
}

type renewPlatforms struct{ c *renewingClient }

func (p renewPlatforms) Kind(context.Context, string) (platform.Kind, error) {
	return platform.Graph, nil
}
func (p renewPlatforms) Client(context.Context, string) (platform.Client, error) {
	return p.c, nil
}

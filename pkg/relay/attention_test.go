package relay_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/relay"
	"github.com/tandemsync/tandem/pkg/relay/relaytest"
)

// countingAttention counts the writes that reach the attention store.
type countingAttention struct {
	*relaytest.MemAttention
	mu                    sync.Mutex
	raises, missed, reads int
}

func (c *countingAttention) RaiseAttention(ctx context.Context, a relay.Attention) error {
	c.mu.Lock()
	c.raises++
	c.mu.Unlock()
	return c.MemAttention.RaiseAttention(ctx, a)
}

func (c *countingAttention) NoteMissed(ctx context.Context, connID, org string, at time.Time) (relay.Watch, error) {
	c.mu.Lock()
	c.missed++
	c.mu.Unlock()
	return c.MemAttention.NoteMissed(ctx, connID, org, at)
}

func (c *countingAttention) Watch(ctx context.Context, connID, org string) (relay.Watch, bool, error) {
	c.mu.Lock()
	c.reads++
	c.mu.Unlock()
	return c.MemAttention.Watch(ctx, connID, org)
}

func attentionFixture(t *testing.T) (*fixture, *countingAttention, *clock.Manual) {
	f := newFixture(t)
	att := &countingAttention{MemAttention: relaytest.NewMemAttention()}
	clk := clock.NewManual(time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC))
	f.engine.Attention, f.engine.Watches, f.engine.Clock = att, att, clk
	return f, att, clk
}

func (f *fixture) items(t *testing.T, kind relay.AttentionKind) []relay.Attention {
	t.Helper()
	all, err := f.engine.Attention.Attention(context.Background(), f.conn.ID)
	if err != nil {
		t.Fatal(err)
	}
	var out []relay.Attention
	for _, a := range all {
		if a.Kind == kind {
			out = append(out, a)
		}
	}
	return out
}

func (f *fixture) setStatus(t *testing.T, status, delivery string) {
	t.Helper()
	tk := f.src.tickets["A1"]
	tk.Status = status
	f.src.tickets["A1"] = tk
	if err := f.engine.HandleEvent(context.Background(), "cust", platform.Event{Type: platform.EventTicketUpdated, TicketID: "A1", DeliveryID: delivery}); err != nil {
		t.Fatal(err)
	}
	f.deliver(t)
}

// An unmapped partner status becomes one item; repeats within a minute
// cost no write and are counted with the next one.
func TestUnmappedValueIsOneItemWrittenAtMostOnceAMinute(t *testing.T) {
	f, att, clk := attentionFixture(t)
	f.escalate(t) // status "new", which msp does not map: its default status applies
	for i, s := range []string{"1", "new", "1", "new"} {
		f.setStatus(t, s, "u"+itoa(i))
	}
	if att.raises != 1 {
		t.Fatalf("%d writes for one unmapped value seen three times within a minute, want 1", att.raises)
	}
	clk.Advance(time.Minute) // a minute to the nanosecond after the first write: due again
	f.setStatus(t, "1", "u8")
	f.setStatus(t, "new", "u9")
	items := f.items(t, relay.AttentionUnmapped)
	if att.raises != 2 || len(items) != 1 {
		t.Fatalf("%d writes, items %+v; want a second write a minute later and one item", att.raises, items)
	}
	a := items[0]
	if a.Org != "msp" || a.Field != "status" || a.Value != "new" || a.Count != 4 || a.Ticket != "cust#A1" ||
		!a.FirstSeen.Before(a.LastSeen) || a.Platform != platform.Halo {
		t.Fatalf("item %+v, want msp's unmapped status \"new\" seen 4 times", a)
	}
}

func refusal(msg string) error {
	return &platform.Error{Platform: platform.Halo, Reason: platform.ReasonInvalid, Status: 400, Message: msg}
}

// Without failure records, a refused status change is logged and listed;
// the next status change that succeeds on the ticket clears it, and a
// non-status change does not.
func TestRefusedTransitionIsListedUntilOneSucceeds(t *testing.T) {
	f, _, _ := attentionFixture(t)
	f.escalate(t)
	f.dst.failNext = refusal("Closed tickets cannot be re-opened")
	f.setStatus(t, "1", "r1")
	items := f.items(t, relay.AttentionRefused)
	if len(items) != 1 || items[0].TargetTicket != "T1" || items[0].Org != "msp" || items[0].Failure != "" || items[0].FollowUp != "" {
		t.Fatalf("items %+v, want msp's refusal of T1", items)
	}
	l, _ := f.store.LinkByTicket(context.Background(), f.conn.ID, "cust", "A1")
	if l.Target.RefusedTransition != items[0].ID {
		t.Fatalf("link side names %q, want the item %s", l.Target.RefusedTransition, items[0].ID)
	}
	// A summary change is no transition: the item stays.
	tk := f.src.tickets["A1"]
	tk.Summary = "Printer (floor 3)"
	f.src.tickets["A1"] = tk
	if err := f.engine.HandleEvent(context.Background(), "cust", platform.Event{Type: platform.EventTicketUpdated, TicketID: "A1", DeliveryID: "r2"}); err != nil {
		t.Fatal(err)
	}
	f.deliver(t)
	if got := f.items(t, relay.AttentionRefused); len(got) != 1 {
		t.Fatalf("items %+v after a change that is no transition", got)
	}
	f.setStatus(t, "2", "r3")
	if got := f.items(t, relay.AttentionRefused); len(got) != 0 {
		t.Fatalf("items %+v after a transition succeeded", got)
	}
	l, _ = f.store.LinkByTicket(context.Background(), f.conn.ID, "cust", "A1")
	if l.Target.RefusedTransition != "" {
		t.Fatalf("link side still names %q", l.Target.RefusedTransition)
	}
}

// A close the platform refuses is a refused transition too, listed like a
// refused status change.
func TestRefusedCloseIsListed(t *testing.T) {
	f, _, _ := attentionFixture(t)
	e := *f.engine
	e.Platforms = clientsByOrg{"cust": f.src, "msp": refusingClose{f.dst}}
	f.engine = relay.NewEngine(e)
	f.escalate(t)
	a1 := f.src.tickets["A1"]
	a1.Closed = true
	f.src.tickets["A1"] = a1
	if err := f.engine.HandleEvent(context.Background(), "cust", platform.Event{Type: platform.EventTicketUpdated, TicketID: "A1", DeliveryID: "c1"}); err != nil {
		t.Fatal(err)
	}
	f.deliver(t)
	items := f.items(t, relay.AttentionRefused)
	if len(items) != 1 || items[0].TargetTicket != "T1" || items[0].Org != "msp" || !strings.Contains(items[0].Message, "close") {
		t.Fatalf("items %+v, want msp's refused close of T1", items)
	}
}

// refusingClose is a platform whose workflow refuses to close the ticket.
type refusingClose struct{ *fakeClient }

func (refusingClose) CloseTicket(context.Context, string, string) error {
	return refusal("Tickets in this status cannot be closed")
}

func (f *fixture) swept(t *testing.T, delivery string) {
	t.Helper()
	if err := f.engine.HandleEvent(context.Background(), "cust", platform.Event{Type: platform.EventTicketReconciled, TicketID: "A1", DeliveryID: delivery}); err != nil {
		t.Fatal(err)
	}
	f.deliver(t)
}

// A side's webhooks are reported once sweeps WebhooksStoppedAfter apart
// have found changes no webhook delivered, and cleared by the next
// webhook. A sweep that finds nothing new, a replay, and one container's
// repeats within a minute cost no write.
func TestStoppedWebhooksAreReportedAfterThePeriodAndClearedByAWebhook(t *testing.T) {
	f, att, clk := attentionFixture(t)
	f.escalate(t)
	f.swept(t, relay.SweepDelivery+"nothing-new")
	f.swept(t, "replay:conn-1:A1:1") // a replay is no sweep
	if att.missed != 0 {
		t.Fatalf("%d missed changes noted for a sweep that found nothing and a replay", att.missed)
	}
	step := f.engine.WebhooksStoppedAfter / 2
	for i, status := range []string{"1", "2", "1"} {
		f.src.tickets["A1"] = platform.Ticket{ID: "A1", Summary: "Printer", Status: status, Queue: "L2"}
		f.swept(t, relay.SweepDelivery+itoa(i))
		got := f.items(t, relay.AttentionWebhooks)
		if want := map[bool]int{true: 1, false: 0}[i == 2]; len(got) != want {
			t.Fatalf("after %v of missed changes: items %+v, want %d", time.Duration(i)*step, got, want)
		}
		clk.Advance(step)
	}
	a := f.items(t, relay.AttentionWebhooks)[0]
	if a.Org != "cust" || a.Platform != platform.Autotask || a.Hint == "" || !a.FirstSeen.Before(a.LastSeen) {
		t.Fatalf("item %+v, want cust's Autotask webhooks", a)
	}
	if err := f.engine.HandleEvent(context.Background(), "cust", platform.Event{Type: platform.EventTicketUpdated, TicketID: "A1", DeliveryID: "hook"}); err != nil {
		t.Fatal(err)
	}
	if got := f.items(t, relay.AttentionWebhooks); len(got) != 0 {
		t.Fatalf("after a webhook: items %+v, want none", got)
	}
	if _, open, _ := att.Watch(context.Background(), f.conn.ID, "cust"); open {
		t.Fatal("the watch is still open")
	}
}

// Webhooks read a side's watch at most once a minute.
func TestWebhooksReadTheWatchAtMostOnceAMinute(t *testing.T) {
	f, att, clk := attentionFixture(t)
	f.escalate(t)
	for i := range 5 {
		f.setStatus(t, []string{"1", "2"}[i%2], "w"+itoa(i))
	}
	if att.reads != 1 || att.raises != 1 || att.missed != 0 {
		t.Fatalf("%d watch reads, %d raises, %d missed for five webhooks within a minute; want 1 read and only the escalation's unmapped status", att.reads, att.raises, att.missed)
	}
	clk.Advance(time.Minute)
	f.setStatus(t, "1", "w9")
	if att.reads != 2 {
		t.Fatalf("%d watch reads a minute later, want 2", att.reads)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// With followUp, a refused status change opens a follow-up ticket that
// carries it and takes the original's place in the link, so later
// changes land on it.
func TestRefusedTransitionOpensAFollowUpInTheOriginalsPlace(t *testing.T) {
	f, _, _ := attentionFixture(t)
	cfg := f.engine.Configs.(configs)["msp"]
	cfg.OnRefusedTransition = integration.RefusedFollowUp
	f.engine.Configs.(configs)["msp"] = cfg
	f.escalate(t)
	f.dst.failNext = refusal("Closed tickets cannot be re-opened")
	f.setStatus(t, "1", "f1")
	if len(f.dst.tickets) != 2 || f.dst.tickets["T2"].Status != "progress" || !strings.Contains(f.dst.tickets["T2"].Description, "T1") {
		t.Fatalf("partner tickets %+v, want follow-up T2 in status progress naming T1", f.dst.tickets)
	}
	l, err := f.store.LinkByTicket(context.Background(), f.conn.ID, "msp", "T2")
	if err != nil || l.Target.TicketID != "T2" || l.Key != "cust#A1" {
		t.Fatalf("link of T2: %+v, %v", l, err)
	}
	items := f.items(t, relay.AttentionRefused)
	if len(items) != 1 || items[0].FollowUp != "T2" || items[0].TargetTicket != "T1" {
		t.Fatalf("items %+v, want T1's refusal followed up by T2", items)
	}
	f.src.notes["A1"] = append(f.src.notes["A1"], platform.Note{ID: "n1", Kind: "note", Body: "still broken", Public: true})
	if err := f.engine.HandleEvent(context.Background(), "cust", platform.Event{Type: platform.EventNoteCreated, TicketID: "A1", DeliveryID: "f2"}); err != nil {
		t.Fatal(err)
	}
	f.deliver(t)
	if len(f.dst.notes["T2"]) != 1 || len(f.dst.notes["T1"]) != 0 {
		t.Fatalf("notes T1 %v, T2 %v; want the note on the follow-up", f.dst.notes["T1"], f.dst.notes["T2"])
	}
}

// refusingCreates is a platform that refuses every new ticket.
type refusingCreates struct{ *fakeClient }

func (r refusingCreates) CreateTicket(context.Context, platform.Ticket) (platform.Ticket, error) {
	return platform.Ticket{}, refusal("Company is required")
}

type mspClient struct {
	platforms
	msp platform.Client
}

func (m mspClient) Client(ctx context.Context, org string) (platform.Client, error) {
	if org == "msp" {
		return m.msp, nil
	}
	return m.platforms.Client(ctx, org)
}

// A follow-up the platform refuses to open leaves the refusal logged and
// listed, saying so, and the link on the original ticket.
func TestRefusedFollowUpFallsBackToTheLog(t *testing.T) {
	f, _, _ := attentionFixture(t)
	cfg := f.engine.Configs.(configs)["msp"]
	cfg.OnRefusedTransition = integration.RefusedFollowUp
	f.engine.Configs.(configs)["msp"] = cfg
	f.escalate(t)
	f.engine.Platforms = mspClient{platforms: f.engine.Platforms.(platforms), msp: refusingCreates{f.dst}}
	f.dst.failNext = refusal("Closed tickets cannot be re-opened")
	f.setStatus(t, "1", "x1")
	items := f.items(t, relay.AttentionRefused)
	if len(items) != 1 || items[0].FollowUp != "" || !strings.Contains(items[0].Message, "follow-up ticket could not be opened") {
		t.Fatalf("items %+v, want the refusal saying the follow-up could not be opened", items)
	}
	l, _ := f.store.LinkByTicket(context.Background(), f.conn.ID, "cust", "A1")
	if l.Target.TicketID != "T1" || len(f.dst.tickets) != 1 {
		t.Fatalf("link target %s, %d partner tickets; want the original alone", l.Target.TicketID, len(f.dst.tickets))
	}
	failed := 0
	log, _ := f.store.Log(context.Background(), f.conn.ID, "", 100)
	for _, e := range log {
		if e.Outcome == relay.Failed && strings.Contains(e.Reason, "Closed tickets cannot be re-opened") {
			failed++
		}
	}
	if failed != 1 {
		t.Fatalf("%d failed log entries for the refusal, want 1: %+v", failed, log)
	}
}

// A status change refused earlier is cleared by a close that succeeds.
func TestRefusedTransitionIsClearedByASuccessfulClose(t *testing.T) {
	f, _, _ := attentionFixture(t)
	e := *f.engine
	e.Platforms = clientsByOrg{"cust": f.src, "msp": closingWithStatus{f.dst}}
	f.engine = relay.NewEngine(e)
	f.escalate(t)
	f.dst.failNext = refusal("Closed tickets cannot be re-opened")
	f.setStatus(t, "1", "r1")
	if got := f.items(t, relay.AttentionRefused); len(got) != 1 {
		t.Fatalf("items %+v, want the refused status change", got)
	}
	a1 := f.src.tickets["A1"]
	a1.Closed = true
	f.src.tickets["A1"] = a1
	if err := f.engine.HandleEvent(context.Background(), "cust", platform.Event{Type: platform.EventTicketUpdated, TicketID: "A1", DeliveryID: "c1"}); err != nil {
		t.Fatal(err)
	}
	f.deliver(t)
	if !f.dst.tickets["T1"].Closed {
		t.Fatalf("partner ticket %+v, want closed", f.dst.tickets["T1"])
	}
	if got := f.items(t, relay.AttentionRefused); len(got) != 0 {
		t.Fatalf("items %+v after a close succeeded", got)
	}
}

// The attention list reads oldest first, then by id.
func TestSortAttentionOldestFirst(t *testing.T) {
	t0 := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	items := []relay.Attention{
		{ID: "c", FirstSeen: t0.Add(time.Minute)},
		{ID: "b", FirstSeen: t0},
		{ID: "a", FirstSeen: t0},
	}
	relay.SortAttention(items)
	var got []string
	for _, a := range items {
		got = append(got, a.ID)
	}
	if strings.Join(got, ",") != "a,b,c" {
		t.Fatalf("order %v, want a,b,c (oldest first, then by id)", got)
	}
}

// countingConns counts the reads of the connection list.
type countingConns struct {
	relay.Connections
	n int
}

func (c *countingConns) ActiveFor(ctx context.Context, org string) ([]connection.Connection, error) {
	c.n++
	return c.Connections.ActiveFor(ctx, org)
}

// The echo of Tandem's own write reads nothing from the store while this
// container knows the side has no stopped-webhook report to clear (read
// within the minute webhooks trust a watch for); otherwise it goes the
// usual way, and clears a report like any webhook.
func TestEchoesReadNothingWhileNoWatchIsOpen(t *testing.T) {
	ctx := context.Background()
	f, att, clk := attentionFixture(t)
	f.escalate(t)
	cc := &countingConns{Connections: conns{f.conn}}
	f.engine.Conns = cc
	f.engine = relay.NewEngine(*f.engine)
	if _, err := att.NoteMissed(ctx, f.conn.ID, "msp", clk.Now()); err != nil {
		t.Fatal(err)
	}
	echo := func(id string) {
		t.Helper()
		if err := f.engine.HandleEvent(ctx, "msp", platform.Event{Type: platform.EventTicketUpdated, TicketID: "T1", ActorID: "api-msp", DeliveryID: id}); err != nil {
			t.Fatal(err)
		}
	}
	for _, step := range []struct {
		name         string
		advance      time.Duration
		wantListings int
	}{
		{"first echo: the watch is unknown here, and open", 0, 1},
		{"second echo: watches known closed", 0, 1},
		{"a minute later: read again", time.Minute, 2},
		{"then trusted again", 0, 2},
	} {
		clk.Advance(step.advance)
		echo(step.name)
		if cc.n != step.wantListings {
			t.Fatalf("%s: %d reads of the connection list, want %d", step.name, cc.n, step.wantListings)
		}
		if _, open, _ := att.Watch(ctx, f.conn.ID, "msp"); open {
			t.Fatalf("%s: the watch is still open", step.name)
		}
	}
	if len(f.sent) != 0 || f.dst.gets != 0 {
		t.Fatalf("echoes sent %v and read the ticket %d times", f.sent, f.dst.gets)
	}
}

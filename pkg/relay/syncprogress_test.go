package relay_test

import (
	"context"
	"sync"
	"testing"

	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/relay"
)

// progressCounts records CountSync calls as connection/run/field → count.
type progressCounts struct {
	mu sync.Mutex
	n  map[string]int
}

func (p *progressCounts) CountSync(_ context.Context, connID, run string, field relay.ProgressField) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n[connID+"/"+run+"/"+string(field)]++
	return nil
}

// An initial sync's event counts toward that sync only: on its own
// connection (the customer's other MSP is not part of it), once handled,
// with the partner ticket it created; an ordinary event counts nothing.
func TestInitialSyncCountsItsOwnTickets(t *testing.T) {
	f := newFixture(t)
	progress := &progressCounts{n: map[string]int{}}
	second := connection.Connection{ID: "conn-2", Status: connection.Active, CreatorOrg: "cust", CreatorRole: connection.Source, AcceptorOrg: "msp2"}
	cfgs := f.engine.Configs.(configs)
	cfgs["msp2"] = cfgs["msp"]
	e := *f.engine
	e.Conns = conns{f.conn, second}
	e.Platforms = platforms{"cust": f.src, "msp": f.dst, "msp2": newFake("api-msp2")}
	e.Progress = progress
	f.engine = relay.NewEngine(e)
	f.src.tickets["A1"] = platform.Ticket{ID: "A1", Summary: "Printer", Status: "new", Queue: "L2"}
	f.src.tickets["A2"] = platform.Ticket{ID: "A2", Summary: "Scanner", Status: "new", Queue: "L2"}
	initial := map[string]string{relay.FieldSyncRun: "run-1", relay.FieldSyncConnection: "conn-1"}
	for _, ev := range []platform.Event{
		{Type: platform.EventTicketUpdated, TicketID: "A1", DeliveryID: "s1", Fields: initial},
		{Type: platform.EventTicketCreated, TicketID: "A2", DeliveryID: "d2"},
	} {
		if err := f.engine.HandleEvent(context.Background(), "cust", ev); err != nil {
			t.Fatal(err)
		}
	}
	f.deliver(t)
	want := map[string]int{"conn-1/run-1/done": 1, "conn-1/run-1/created": 1}
	if len(progress.n) != len(want) || progress.n["conn-1/run-1/done"] != 1 || progress.n["conn-1/run-1/created"] != 1 {
		t.Fatalf("progress counted %v, want %v", progress.n, want)
	}
}

// The target's match rule: an initial sync's create looks for the source
// ticket's number in the target's reference field when the marker finds
// nothing, and links the ticket holding it; without the rule, or outside
// an initial sync, the number is not looked for and the ticket is created.
func TestMatchRuleLinksTheTicketHoldingTheNumber(t *testing.T) {
	for _, tc := range []struct {
		name    string
		rule    string
		initial bool
		matched bool
	}{
		{"initial sync with the rule", "externalID", true, true},
		{"initial sync without the rule", "", true, false},
		{"ordinary event with the rule", "externalID", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			progress := &progressCounts{n: map[string]int{}}
			cfgs := f.engine.Configs.(configs)
			msp := cfgs["msp"]
			msp.MatchField = tc.rule
			cfgs["msp"] = msp
			e := *f.engine
			e.Progress = progress
			f.engine = relay.NewEngine(e)
			f.src.tickets["A1"] = platform.Ticket{ID: "A1", Number: "SRC-7", Summary: "Printer", Status: "new", Queue: "L2"}
			f.dst.tickets["M9"] = platform.Ticket{ID: "M9", Summary: "Printer (phoned in)", Ref: "SRC-7"}
			ev := platform.Event{Type: platform.EventTicketUpdated, TicketID: "A1", DeliveryID: "s1"}
			if tc.initial {
				ev.Fields = map[string]string{relay.FieldSyncRun: "run-1", relay.FieldSyncConnection: "conn-1"}
			}
			if err := f.engine.HandleEvent(context.Background(), "cust", ev); err != nil {
				t.Fatal(err)
			}
			f.deliver(t)
			link, err := f.store.LinkByTicket(context.Background(), "conn-1", "cust", "A1")
			if err != nil {
				t.Fatal(err)
			}
			if got := link.Target.TicketID == "M9"; got != tc.matched {
				t.Fatalf("linked to %q; want the ticket holding the number: %v", link.Target.TicketID, tc.matched)
			}
			want := 2 // the one already there and the one created
			if tc.matched {
				want = 1
			}
			if len(f.dst.tickets) != want {
				t.Fatalf("%d tickets on the target, want %d", len(f.dst.tickets), want)
			}
			if tc.initial && progress.n["conn-1/run-1/matched"] != map[bool]int{true: 1}[tc.matched] {
				t.Fatalf("progress %v", progress.n)
			}
		})
	}
}

package relay_test

import (
	"context"
	"testing"

	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/relay"
)

// closingWithStatus closes a ticket into the given status, as the platforms do.
type closingWithStatus struct{ *fakeClient }

func (c closingWithStatus) CloseTicket(_ context.Context, id, status string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.tickets[id]
	t.Closed = true
	if status != "" {
		t.Status = status
	}
	c.tickets[id] = t
	return nil
}

// Tandem records the status it closes the partner's ticket into, so the
// partner's event for the close sends nothing back, even when the partner's
// agent had moved the ticket to another status before.
func TestEchoOfACloseSendsNothingBack(t *testing.T) {
	f := newFixture(t)
	cfgs := f.engine.Configs.(configs)
	cust := cfgs["cust"]
	cust.StatusMappings = append(cust.StatusMappings, integration.Mapping{Partner: "progress", Mine: "1"})
	cfgs["cust"] = cust
	e := *f.engine
	e.Platforms = clientsByOrg{"cust": f.src, "msp": closingWithStatus{f.dst}}
	f.engine = relay.NewEngine(e)
	f.escalate(t)
	ctx := context.Background()
	a1 := f.src.tickets["A1"]
	a1.Status = "1" // the partner's progress
	f.src.tickets["A1"] = a1
	if err := f.engine.HandleEvent(ctx, "cust", platform.Event{Type: platform.EventTicketUpdated, TicketID: "A1", DeliveryID: "p"}); err != nil {
		t.Fatal(err)
	}
	f.deliver(t)
	// The partner's agent moves the ticket to a status the customer does not
	// map, so the customer's ticket stays in 1.
	t1 := f.dst.tickets["T1"]
	t1.Status = "waiting"
	f.dst.tickets["T1"] = t1
	if err := f.engine.HandleEvent(ctx, "msp", platform.Event{Type: platform.EventTicketUpdated, TicketID: "T1", ActorID: "agent-3", DeliveryID: "w"}); err != nil {
		t.Fatal(err)
	}
	f.deliver(t)
	// The customer closes in status 1: the partner's ticket closes in progress.
	a1.Closed = true
	f.src.tickets["A1"] = a1
	if err := f.engine.HandleEvent(ctx, "cust", platform.Event{Type: platform.EventTicketUpdated, TicketID: "A1", DeliveryID: "c"}); err != nil {
		t.Fatal(err)
	}
	f.deliver(t)
	if got := f.dst.tickets["T1"]; !got.Closed || got.Status != "progress" {
		t.Fatalf("partner ticket %+v, want closed in progress", got)
	}
	if err := f.engine.HandleEvent(ctx, "msp", platform.Event{Type: platform.EventTicketUpdated, TicketID: "T1", DeliveryID: "echo"}); err != nil {
		t.Fatal(err)
	}
	if cmds := queued(t, f); len(cmds) != 0 {
		t.Fatalf("the partner's event for the close sent %d commands back, the first %+v", len(cmds), cmds[0].Do)
	}
}

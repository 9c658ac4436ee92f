package relay_test

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/relay"
)

// fullUpdates applies every field of an update, where fakeClient keeps only
// the status.
type fullUpdates struct{ *fakeClient }

func (c fullUpdates) UpdateTicket(_ context.Context, id string, u platform.TicketUpdate) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.tickets[id]
	if u.StartDate != nil {
		t.StartDate = u.StartDate
	}
	if u.TargetDate != nil {
		t.TargetDate = u.TargetDate
	}
	if len(u.Custom) > 0 {
		t.Custom = maps.Clone(t.Custom)
		if t.Custom == nil {
			t.Custom = map[string]string{}
		}
		maps.Copy(t.Custom, u.Custom)
	}
	c.tickets[id] = t
	return nil
}

// Dates and custom fields Tandem writes to the partner are recorded as
// written, so the partner's event for that write (from a platform that does
// not name who changed the ticket) sends nothing back.
func TestEchoOfWrittenDatesAndCustomFieldsSendsNothingBack(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*platform.Ticket)
	}{
		{"start date", func(t *platform.Ticket) { d := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC); t.StartDate = &d }},
		{"target date", func(t *platform.Ticket) { d := time.Date(2026, 12, 4, 17, 0, 0, 0, time.UTC); t.TargetDate = &d }},
		{"custom field", func(t *platform.Ticket) { t.Custom = map[string]string{"site": "Leeds"} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			both := []integration.Mapping{
				{Partner: integration.FieldStartDate, Mine: integration.FieldStartDate},
				{Partner: integration.FieldTargetDate, Mine: integration.FieldTargetDate},
				{Partner: integration.CustomField("site"), Mine: integration.CustomField("site")},
			}
			cfgs := f.engine.Configs.(configs)
			for _, org := range []string{"cust", "msp"} {
				c := cfgs[org]
				c.FieldMappings = both
				cfgs[org] = c
			}
			e := *f.engine
			e.Platforms = clientsByOrg{"cust": fullUpdates{f.src}, "msp": fullUpdates{f.dst}}
			f.engine = relay.NewEngine(e)
			f.escalate(t)
			a1 := f.src.tickets["A1"]
			tc.change(&a1)
			f.src.tickets["A1"] = a1
			if err := f.engine.HandleEvent(context.Background(), "cust", platform.Event{Type: platform.EventTicketUpdated, TicketID: "A1", DeliveryID: "u1"}); err != nil {
				t.Fatal(err)
			}
			if n := f.deliver(t); n != 1 {
				t.Fatalf("%d commands for one change, want an update", n)
			}
			if err := f.engine.HandleEvent(context.Background(), "msp", platform.Event{Type: platform.EventTicketUpdated, TicketID: "T1", DeliveryID: "echo"}); err != nil {
				t.Fatal(err)
			}
			if cmds := queued(t, f); len(cmds) != 0 {
				t.Fatalf("the partner's echo of Tandem's write sent %d commands back, the first %+v", len(cmds), cmds[0].Do)
			}
		})
	}
}

package relay_test

import (
	"context"
	"testing"

	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
)

// An update carries the source ticket's type, so the MSP's rows for that
// type apply and other types keep the connection's rows.
func TestUpdateUsesTheRowsOfTheTicketsType(t *testing.T) {
	for _, tc := range []struct {
		typ, want string
	}{
		{"problem", "investigating"}, // its own row
		{"incident", "progress"},     // the connection's row
	} {
		t.Run(tc.typ, func(t *testing.T) {
			f := newFixture(t)
			msp := f.engine.Configs.(configs)["msp"]
			msp.TypeMappings = []integration.TypeMapping{{PartnerType: "problem", StatusMappings: []integration.Mapping{{Partner: "1", Mine: "investigating"}}}}
			f.engine.Configs.(configs)["msp"] = msp
			dst := f.escalate(t)
			src := f.src.tickets["A1"]
			src.Type, src.Status = tc.typ, "1"
			f.src.tickets["A1"] = src
			ev := platform.Event{Type: platform.EventTicketUpdated, TicketID: "A1", DeliveryID: "d2"}
			if err := f.engine.HandleEvent(context.Background(), "cust", ev); err != nil {
				t.Fatal(err)
			}
			f.deliver(t)
			if got := f.dst.tickets[dst].Status; got != tc.want {
				t.Fatalf("partner status %q, want %q", got, tc.want)
			}
		})
	}
}

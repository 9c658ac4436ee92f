package relay_test

import (
	"context"
	"testing"

	"github.com/tandemsync/tandem/pkg/platform"
)

// A change the integration's own platform user makes is Tandem's: it must not
// cross back to the partner, even when the link's snapshot does not know it
// (a write whose bookkeeping was lost, or one made by an automation running
// as the integration account). The same change by anyone else crosses. The
// outcome is checked — what reaches the partner's ticket — not the calls it
// took, so dropping the actor check fails here with a note sent back.
func TestChangeByTheIntegrationUserDoesNotCrossBack(t *testing.T) {
	for _, tc := range []struct {
		actor   string
		crosses bool
	}{
		{actor: "api-msp", crosses: false}, // the MSP platform's integration user (fixture's dst self)
		{actor: "agent-3", crosses: true},
		{actor: "", crosses: true}, // a platform that does not say who changed it
	} {
		t.Run("actor="+tc.actor, func(t *testing.T) {
			f := newFixture(t)
			dst := f.escalate(t)
			f.dst.notes[dst] = append(f.dst.notes[dst], platform.Note{ID: "m1", TicketID: dst, Kind: "note", Body: "Engineer booked for Tuesday", Public: true})
			ev := platform.Event{Type: platform.EventNoteCreated, TicketID: dst, ActorID: tc.actor, DeliveryID: "m1"}
			for i := 0; i < 2; i++ { // and again, redelivered: no loop either way
				if err := f.engine.HandleEvent(context.Background(), "msp", ev); err != nil {
					t.Fatal(err)
				}
				f.deliver(t)
			}
			got := f.src.notes["A1"]
			switch {
			case tc.crosses && (len(got) != 1 || got[0].Body != "Engineer booked for Tuesday"):
				t.Fatalf("a note by %q reached the customer as %+v, want it once", tc.actor, got)
			case !tc.crosses && len(got) != 0:
				t.Fatalf("a note by the integration user itself was sent back to the customer: %+v", got)
			}
		})
	}
}

package relay_test

import (
	"context"
	"testing"

	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/relay"
)

// descriptionAsFirstNote stores a created ticket's description as its
// first note too, as ConnectWise does.
type descriptionAsFirstNote struct{ *fakeClient }

func (c descriptionAsFirstNote) CreateTicket(ctx context.Context, t platform.Ticket) (platform.Ticket, error) {
	created, err := c.fakeClient.CreateTicket(ctx, t)
	if err != nil {
		return created, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.notes[created.ID] = append(c.notes[created.ID], platform.Note{ID: "desc-" + created.ID, TicketID: created.ID, Kind: "note", Body: t.Description, Public: true})
	return created, nil
}

// The partner's copy of the description, kept as its first note, is not sent
// back to the customer as a new note.
func TestDescriptionKeptAsTheFirstNoteDoesNotComeBack(t *testing.T) {
	f := newFixture(t)
	e := *f.engine
	e.Platforms = clientsByOrg{"cust": f.src, "msp": descriptionAsFirstNote{f.dst}}
	f.engine = relay.NewEngine(e)
	f.src.tickets["A1"] = platform.Ticket{ID: "A1", Summary: "Printer", Description: "It jams on every page", Status: "new", Queue: "L2"}
	if err := f.engine.HandleEvent(context.Background(), "cust", platform.Event{Type: platform.EventTicketCreated, TicketID: "A1", DeliveryID: "c"}); err != nil {
		t.Fatal(err)
	}
	f.deliver(t)
	if len(f.dst.notes["T1"]) != 1 {
		t.Fatalf("partner notes %+v, want the description as its first note", f.dst.notes["T1"])
	}
	if err := f.engine.HandleEvent(context.Background(), "msp", platform.Event{Type: platform.EventNoteCreated, TicketID: "T1", DeliveryID: "n"}); err != nil {
		t.Fatal(err)
	}
	f.deliver(t)
	if got := f.src.notes["A1"]; len(got) != 0 {
		t.Fatalf("the partner's copy of the description came back as notes %+v", got)
	}
}

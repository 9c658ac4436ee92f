package connectwise

import (
	"net/http"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/connectwise/connectwisesim"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/simfault"
)

// A create carries Tandem's marker in externalXRef, and conditions on it
// find the ticket again.
func TestCreateCarriesMarkerFoundByFindTicket(t *testing.T) {
	s := connectwisesim.New(t)
	c := clientFor(t, s, s.Integration, Options{})
	ctx := testCtx(t)
	created, err := c.CreateTicket(ctx, platform.Ticket{Summary: "VPN drops", Ref: "tandem-0123456789abcdef01234567"})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Ticket(mustID(t, created.ID)); got.ExternalXRef != "tandem-0123456789abcdef01234567" {
		t.Fatalf("externalXRef = %q", got.ExternalXRef)
	}
	if _, err := c.CreateTicket(ctx, platform.Ticket{Summary: "Another"}); err != nil {
		t.Fatal(err)
	}
	found, ok, err := c.FindTicket(ctx, "tandem-0123456789abcdef01234567")
	if err != nil || !ok || found.ID != created.ID || found.Ref != created.Ref {
		t.Fatalf("FindTicket = %+v, %v, %v", found, ok, err)
	}
	if _, ok, err := c.FindTicket(ctx, "tandem-ffffffffffffffffffffffff"); ok || err != nil {
		t.Fatalf("FindTicket of an unknown marker = %v, %v", ok, err)
	}
}

// Creates and notes ConnectWise applied before failing are not sent again.
func TestWriteAppliedThenFailedIsNotResent(t *testing.T) {
	for _, mode := range []simfault.Mode{simfault.ApplyThenFail, simfault.ApplyThenDrop} {
		s := connectwisesim.New(t)
		c := clientFor(t, s, s.Integration, Options{})
		ctx := testCtx(t)
		if err := c.Test(ctx); err != nil { // codebase and member looked up first
			t.Fatal(err)
		}
		s.FailNext(1, connectwisesim.Fault{Mode: mode, Method: http.MethodPost, Path: "/service/tickets"})
		_, err := c.CreateTicket(ctx, platform.Ticket{Summary: "VPN drops", Ref: "tandem-a"})
		if !platform.IsTemporary(err) {
			t.Fatalf("mode %d: err = %v, want a temporary failure", mode, err)
		}
		tickets := s.Tickets()
		if len(tickets) != 1 {
			t.Fatalf("mode %d: %d tickets, want 1", mode, len(tickets))
		}
		tid := itoa(tickets[0].ID)
		s.FailNext(1, connectwisesim.Fault{Mode: mode, Method: http.MethodPost, Path: "/notes"})
		if _, err := c.AddNote(ctx, tid, platform.Note{Body: "Engineer booked", Public: true}); !platform.IsTemporary(err) {
			t.Fatalf("mode %d: note err = %v, want a temporary failure", mode, err)
		}
		notes, err := c.ListNotes(ctx, tid, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, note := range notes {
			if note.Body == "Engineer booked" {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("mode %d: the note is there %d times, want 1", mode, n)
		}
	}
}

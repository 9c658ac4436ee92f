package halo_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/halo/halosim"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/simfault"
)

// A create carries Tandem's marker as the ticket's external link, and the
// link finds the ticket again.
func TestCreateCarriesMarkerFoundByFindTicket(t *testing.T) {
	s := halosim.New(t, halosim.Options{})
	c := newClient(t, s, halosim.Integration)
	ctx := context.Background()
	created, err := c.CreateTicket(ctx, platform.Ticket{Summary: "VPN drops", Ref: "tandem-0123456789abcdef01234567"})
	if err != nil {
		t.Fatal(err)
	}
	links := s.ExternalLinks()
	if len(links) != 1 || strconv.Itoa(links[0].HaloID) != created.ID || links[0].ThirdPartyID != "tandem-0123456789abcdef01234567" {
		t.Fatalf("external links %+v for ticket %s", links, created.ID)
	}
	found, ok, err := c.FindTicket(ctx, "tandem-0123456789abcdef01234567")
	if err != nil || !ok || found.ID != created.ID || found.Ref != created.Ref {
		t.Fatalf("FindTicket = %+v, %v, %v", found, ok, err)
	}
	if _, ok, err := c.FindTicket(ctx, "tandem-ffffffffffffffffffffffff"); ok || err != nil {
		t.Fatalf("FindTicket of an unknown marker = %v, %v", ok, err)
	}
}

// Creates and actions Halo applied before failing are not sent again.
func TestWriteAppliedThenFailedIsNotResent(t *testing.T) {
	for _, mode := range []simfault.Mode{simfault.ApplyThenFail, simfault.ApplyThenDrop} {
		s := halosim.New(t, halosim.Options{})
		c := newClient(t, s, halosim.Integration)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.InjectFault(halosim.Fault{Mode: mode, Method: http.MethodPost, Path: "/api/tickets", Count: 1})
		_, err := c.CreateTicket(ctx, platform.Ticket{Summary: "VPN drops", Ref: "tandem-a"})
		if !platform.IsTemporary(err) {
			t.Fatalf("mode %d: err = %v, want a temporary failure", mode, err)
		}
		tickets := s.Tickets()
		if len(tickets) != 1 {
			t.Fatalf("mode %d: %d tickets, want 1", mode, len(tickets))
		}
		tid := strconv.Itoa(tickets[0].ID)
		s.InjectFault(halosim.Fault{Mode: mode, Method: http.MethodPost, Path: "/api/actions", Count: 1})
		if _, err := c.AddNote(ctx, tid, platform.Note{Kind: "3", Body: "Engineer booked", Public: true}); !platform.IsTemporary(err) {
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
			t.Fatalf("mode %d: the action is there %d times, want 1", mode, n)
		}
	}
}

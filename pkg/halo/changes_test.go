package halo_test

import (
	"context"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/halo/halosim"
	"github.com/tandemsync/tandem/pkg/platform"
)

// ChangedSince follows the pages of one GET /Tickets?lastupdatefromdate=
// (100 a page) and keeps the tickets whose last action is after the time.
func TestChangedSince(t *testing.T) {
	s := halosim.New(t, halosim.Options{})
	c := newClient(t, s, halosim.Integration)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var newest time.Time
	for range 101 {
		tk, err := c.CreateTicket(ctx, platform.Ticket{Summary: "changed", Status: "1", Priority: "2", Type: "1"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.GetTicket(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.UpdatedAt.After(newest) {
			newest = got.UpdatedAt
		}
	}
	for _, tc := range []struct {
		name     string
		since    time.Time
		want     int
		requests int64
	}{
		{"every ticket, two pages", time.Unix(0, 0), len(s.Tickets()), 2},
		{"none after the newest", newest, 0, 1},
	} {
		before := s.Requests()
		got, err := c.ChangedSince(ctx, tc.since)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(got) != tc.want {
			t.Errorf("%s: %d tickets, want %d", tc.name, len(got), tc.want)
		}
		if n := s.Requests() - before; n != tc.requests {
			t.Errorf("%s: %d requests, want %d", tc.name, n, tc.requests)
		}
	}
}

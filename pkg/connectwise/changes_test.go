package connectwise

import (
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/connectwise/connectwisesim"
	"github.com/tandemsync/tandem/pkg/platform"
)

// ChangedSince follows every page of one conditions=lastUpdated>[…] query
// and returns exactly the tickets updated after the time.
func TestChangedSince(t *testing.T) {
	clk := clock.NewManual(time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC))
	s := connectwisesim.NewServer(connectwisesim.Options{Clock: clk})
	t.Cleanup(s.Close)
	cl := clientFor(t, s, s.Integration, Options{PageSize: 2})
	ctx := testCtx(t)
	var ids []string
	for _, summary := range []string{"one", "two", "three", "four", "five"} {
		tk, err := cl.CreateTicket(ctx, platform.Ticket{Summary: summary, Description: "d", Account: "250"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tk.ID)
	}
	start := clk.Now()
	clk.Advance(time.Minute)
	for _, id := range ids[1:4] {
		if err := cl.UpdateTicket(ctx, id, platform.TicketUpdate{Summary: ptr("changed " + id)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name  string
		since time.Time
		want  []string
	}{
		{"the three changed", start, ids[1:4]},
		{"nothing after them", clk.Now(), nil},
	} {
		before := s.Requests()
		got, err := cl.ChangedSince(ctx, tc.since)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var gotIDs []string
		for _, tk := range got {
			gotIDs = append(gotIDs, tk.ID)
			if !tk.UpdatedAt.After(tc.since) {
				t.Errorf("%s: %s updated %v, not after %v", tc.name, tk.ID, tk.UpdatedAt, tc.since)
			}
		}
		if len(gotIDs) != len(tc.want) || (len(gotIDs) > 0 && (gotIDs[0] != tc.want[0] || gotIDs[len(gotIDs)-1] != tc.want[len(tc.want)-1])) {
			t.Errorf("%s: %v, want %v", tc.name, gotIDs, tc.want)
		}
		if pages := max(1, (len(tc.want)+1)/2); s.Requests()-before != int64(pages) {
			t.Errorf("%s: %d requests, want %d pages of two", tc.name, s.Requests()-before, pages)
		}
	}
}

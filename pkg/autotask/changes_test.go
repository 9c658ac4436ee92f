package autotask

import (
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/autotask/autotasksim"
	"github.com/tandemsync/tandem/pkg/platform"
)

// ChangedSince follows every page of one Tickets/query on lastActivityDate
// and keeps only the tickets whose last activity is after the time.
func TestChangedSince(t *testing.T) {
	sim := autotasksim.New(t, autotasksim.Options{Seed: 1, PageSize: 2})
	c := clientFor(t, sim.Credentials(sim.Integration))
	ctx := ctxTimeout(t, 10*time.Second)
	var made []platform.Ticket
	for _, title := range []string{"one", "two", "three", "four", "five"} {
		tk, err := c.CreateTicket(ctx, platform.Ticket{Summary: title, Priority: "1", Queue: "29682833", Type: "2"})
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, tk)
	}
	newest := made[0].UpdatedAt
	for _, tk := range made {
		if tk.UpdatedAt.After(newest) {
			newest = tk.UpdatedAt
		}
	}
	before := sim.Requests()
	for _, tc := range []struct {
		name  string
		since time.Time
		want  int
	}{
		{"everything", time.Unix(0, 0), len(sim.Tickets())},
		{"after the newest", newest, 0},
		{"the newest", newest.Add(-time.Millisecond), countAt(made, newest)},
	} {
		got, err := c.ChangedSince(ctx, tc.since)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(got) != tc.want {
			t.Errorf("%s: %d tickets, want %d", tc.name, len(got), tc.want)
		}
		for _, tk := range got {
			if !tk.UpdatedAt.After(tc.since) {
				t.Errorf("%s: ticket %s changed at %v, not after %v", tc.name, tk.ID, tk.UpdatedAt, tc.since)
			}
		}
	}
	// Three queries; the first reads every page of two.
	if n, pages := sim.Requests()-before, int64(len(sim.Tickets())+1)/2; n != pages+2 {
		t.Errorf("%d requests, want %d (pages of the first query, then one each)", n, pages+2)
	}
}

func countAt(ts []platform.Ticket, at time.Time) int {
	n := 0
	for _, t := range ts {
		if t.UpdatedAt.Equal(at) {
			n++
		}
	}
	return n
}

package sweep

import (
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
)

// The watermark tells a new change from one already queued, including two
// changes of one ticket within a platform's whole second.
func TestMarkAfter(t *testing.T) {
	t0 := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	seen := platform.Ticket{ID: "7", Status: "1", UpdatedAt: t0}
	var m Mark
	m.advance(seen)
	m.advance(platform.Ticket{ID: "8", UpdatedAt: t0.Add(-time.Minute)}) // older: no move
	for _, tc := range []struct {
		name string
		t    platform.Ticket
		want bool
	}{
		{"the change already queued", seen, false},
		{"an older change", platform.Ticket{ID: "8", UpdatedAt: t0.Add(-time.Second)}, false},
		{"a later change", platform.Ticket{ID: "8", UpdatedAt: t0.Add(time.Millisecond)}, true},
		{"another ticket in the same second", platform.Ticket{ID: "9", UpdatedAt: t0}, true},
		{"the same ticket changed again in that second", platform.Ticket{ID: "7", Status: "5", UpdatedAt: t0}, true},
	} {
		if got := m.after(tc.t); got != tc.want {
			t.Errorf("%s: after = %v, want %v", tc.name, got, tc.want)
		}
	}
	if !m.Watermark.Equal(t0) || len(m.Boundary) != 1 {
		t.Fatalf("mark %+v, want the newest change at %v", m, t0)
	}
	m.advance(platform.Ticket{ID: "9", UpdatedAt: t0})
	if len(m.Boundary) != 2 || m.after(platform.Ticket{ID: "9", UpdatedAt: t0}) {
		t.Fatalf("a second ticket at the watermark joins the boundary: %+v", m)
	}
	later := platform.Ticket{ID: "9", UpdatedAt: t0.Add(time.Second)}
	m.advance(later)
	if !m.Watermark.Equal(later.UpdatedAt) || len(m.Boundary) != 1 {
		t.Fatalf("a newer change moves the watermark and starts a new boundary: %+v", m)
	}
}

func TestInterval(t *testing.T) {
	for minutes, want := range map[int]time.Duration{0: DefaultInterval, -3: DefaultInterval, 5: 5 * time.Minute, 60: time.Hour} {
		if got := Interval(minutes); got != want {
			t.Errorf("Interval(%d) = %v, want %v", minutes, got, want)
		}
	}
}

package relay_test

import (
	"context"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/relay"
)

// fixedLog answers every query with the same entries.
type fixedLog []relay.LogEntry

func (l fixedLog) QueryLog(context.Context, string, relay.LogQuery) ([]relay.LogEntry, error) {
	return append([]relay.LogEntry(nil), l...), nil
}

// A page holds at most Limit entries, newest first; Next is set only when
// another entry follows, so a listing of exactly Limit entries is one page.
func TestLogPagesEndWhereTheEntriesDo(t *testing.T) {
	log := fixedLog{{Position: "3"}, {Position: "1"}, {Position: "2"}}
	for _, tc := range []struct {
		limit int
		want  []string
		next  string
	}{
		{1, []string{"3"}, "3"},
		{2, []string{"3", "2"}, "2"},
		{3, []string{"3", "2", "1"}, ""},
		{4, []string{"3", "2", "1"}, ""},
	} {
		page, err := relay.ReadLog(context.Background(), log, []string{"conn-1"}, relay.LogQuery{Limit: tc.limit})
		if err != nil {
			t.Fatalf("limit %d: %v", tc.limit, err)
		}
		var got []string
		for _, e := range page.Entries {
			got = append(got, e.Position)
		}
		if len(got) != len(tc.want) || page.Next != tc.next {
			t.Fatalf("limit %d: %v next %q, want %v next %q", tc.limit, got, page.Next, tc.want, tc.next)
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Fatalf("limit %d: %v, want %v", tc.limit, got, tc.want)
			}
		}
	}
	if _, err := relay.ReadLog(context.Background(), log, []string{"conn-1"}, relay.LogQuery{Limit: 0}); err == nil {
		t.Fatal("limit 0 accepted")
	}
}

// The upper bound of a listing is the earlier of the period's end and the
// position the page continues from.
func TestPeriodBoundsTakeTheEarlierEnd(t *testing.T) {
	from := time.Unix(100, 0)
	to := time.Unix(200, 0)
	before := relay.LogPosition(time.Unix(150, 0), "x")
	after := relay.LogPosition(time.Unix(250, 0), "x")
	toPos := "00000000200000000000#"
	for _, tc := range []struct {
		name   string
		q      relay.LogQuery
		lo, hi string
	}{
		{"unbounded", relay.LogQuery{}, "", ""},
		{"period", relay.LogQuery{From: from, To: to}, "00000000100000000000#", toPos},
		{"position only", relay.LogQuery{Before: before}, "", before},
		{"position inside the period", relay.LogQuery{To: to, Before: before}, "", before},
		{"position after the period", relay.LogQuery{To: to, Before: after}, "", toPos},
	} {
		lo, hi := relay.PeriodBounds(tc.q)
		if lo != tc.lo || hi != tc.hi {
			t.Errorf("%s: bounds %q, %q; want %q, %q", tc.name, lo, hi, tc.lo, tc.hi)
		}
	}
}

package queue_test

import (
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/queue"
)

func TestDedupID(t *testing.T) {
	id := queue.DedupID("conn-1", "ticket-7", "v3")
	if id != queue.DedupID("conn-1", "ticket-7", "v3") {
		t.Error("not deterministic")
	}
	if queue.DedupID("ab", "c") == queue.DedupID("a", "bc") {
		t.Error("part boundaries are ambiguous")
	}
	long := queue.DedupID(strings.Repeat("é ", 500))
	for _, id := range []string{id, long} {
		if err := (queue.Message{Group: "g", DedupID: id, Body: []byte("x")}).Validate(); err != nil {
			t.Errorf("DedupID gave an id SQS rejects: %v", err)
		}
	}
}

func TestGroupID(t *testing.T) {
	for _, tc := range []struct {
		parts []string
		want  string
	}{
		{[]string{"org-1", "ticket-7"}, "org-1:ticket-7"},
		{[]string{"Org One", "T#7"}, "Org_One:T#7"},
		{[]string{"café"}, "caf_"},
		{[]string{""}, "_"},
	} {
		if got := queue.GroupID(tc.parts...); got != tc.want {
			t.Errorf("GroupID(%q) = %q, want %q", tc.parts, got, tc.want)
		}
	}
	a, b := queue.GroupID(strings.Repeat("x", 200), "1"), queue.GroupID(strings.Repeat("x", 200), "2")
	if len(a) != queue.MaxIDLen || a == b {
		t.Errorf("long ids: %q (len %d) and %q must be %d long and distinct", a, len(a), b, queue.MaxIDLen)
	}
}

// Whatever the input, GroupID yields an id SQS accepts.
func FuzzGroupID(f *testing.F) {
	f.Add("org-1", "ticket 7")
	f.Add(strings.Repeat("ü", 100), "\x00")
	f.Fuzz(func(t *testing.T, org, ticket string) {
		id := queue.GroupID(org, ticket)
		if err := (queue.Message{Group: id, DedupID: "d", Body: []byte("x")}).Validate(); err != nil {
			t.Fatalf("GroupID(%q, %q) = %q: %v", org, ticket, id, err)
		}
	})
}

package connectwise

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/connectwise/connectwisesim"
	"github.com/tandemsync/tandem/pkg/platform"
)

func TestTimeEntriesChargedToTheTicket(t *testing.T) {
	s := connectwisesim.New(t)
	cl := clientFor(t, s, s.Integration, Options{})
	ctx := testCtx(t)
	tk, err := cl.CreateTicket(ctx, platform.Ticket{Summary: "Drum", Queue: "1", Status: "1", Priority: "2", Type: "20", Account: "250"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := cl.CreateTicket(ctx, platform.Ticket{Summary: "Other", Queue: "1", Status: "1", Priority: "2", Type: "20", Account: "250"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 30, 13, 30, 0, 0, time.UTC)
	end := start.Add(45 * time.Minute)
	agent := strconv.FormatInt(s.Agent.ID, 10)
	if _, err := cl.AddTimeEntry(ctx, other.ID, platform.TimeEntry{Minutes: 10, WorkerID: agent}); err != nil {
		t.Fatal(err)
	}
	added, err := cl.AddTimeEntry(ctx, tk.ID, platform.TimeEntry{Start: &start, End: &end, Minutes: 45, Note: "New drum", WorkerID: agent, WorkType: "2"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := cl.ListTimeEntries(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("listed %+v, want only the ticket's own entry", got)
	}
	e := got[0]
	if e.ID != added.ID || e.Minutes != 45 || !e.Start.Equal(start) || !e.End.Equal(end) || e.Note != "New drum" ||
		e.WorkerID != agent || e.WorkerName != s.Agent.Identifier || e.WorkType != "2" || e.TicketID != tk.ID {
		t.Fatalf("read back %+v", e)
	}
	refusals := []struct {
		name string
		in   platform.TimeEntry
		want string
	}{
		{"no member", platform.TimeEntry{Minutes: 5}, "member"},
		{"no duration", platform.TimeEntry{WorkerID: agent}, "duration"},
		{"an unknown member", platform.TimeEntry{Minutes: 5, WorkerID: "999"}, "member"},
		{"an inactive work type", platform.TimeEntry{Minutes: 5, WorkerID: agent, WorkType: "4"}, "work type"},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			if _, err := cl.AddTimeEntry(ctx, tk.ID, r.in); err == nil || !strings.Contains(err.Error(), r.want) {
				t.Fatalf("error %v, want one naming %q", err, r.want)
			}
		})
	}
	if n := len(s.TimeEntries(mustID(t, tk.ID))); n != 1 {
		t.Fatalf("refused writes left %d entries, want 1", n)
	}
	types, err := cl.Picklist(ctx, platform.PickWorkTypes, "")
	if err != nil || len(types) != 4 || types[3].Active {
		t.Fatalf("work types %+v (%v), want 4 with the retired one inactive", types, err)
	}
}

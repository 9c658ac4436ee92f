package autotask

import (
	"strings"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/autotask/autotasksim"
	"github.com/tandemsync/tandem/pkg/platform"
)

func TestTimeEntriesRoundTripAndRefusals(t *testing.T) {
	sim := autotasksim.New(t, autotasksim.Options{PageSize: 1})
	c := clientFor(t, sim.Credentials(sim.Integration))
	ctx := ctxTimeout(t, 10*time.Second)
	tid := itoa(sim.SeedTicket("Outsourced", 1, 2))
	start := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	end := start.Add(90 * time.Minute)
	worker := itoa(sim.Agent.ResourceID)

	spanned, err := c.AddTimeEntry(ctx, tid, platform.TimeEntry{Start: &start, End: &end, Minutes: 90, Note: "Fuser replaced", WorkerID: worker, WorkType: itoa(autotasksim.BillingOnsite), Role: "29683464"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddTimeEntry(ctx, tid, platform.TimeEntry{Minutes: 20, Note: "Phone call", WorkerID: worker, WorkType: itoa(autotasksim.BillingRemote)}); err != nil {
		t.Fatal(err)
	}
	got, err := c.ListTimeEntries(ctx, tid) // two pages of one
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != spanned.ID {
		t.Fatalf("listed %+v, want the two entries, the spanned one first", got)
	}
	e := got[0]
	if e.Minutes != 90 || !e.Start.Equal(start) || !e.End.Equal(end) || e.Note != "Fuser replaced" || e.WorkerID != worker ||
		e.WorkType != itoa(autotasksim.BillingOnsite) || e.Role != "29683464" || e.TicketID != tid {
		t.Fatalf("read back %+v", e)
	}
	if d := got[1]; d.Minutes != 20 || d.Start != nil || d.End != nil {
		t.Fatalf("a duration-only entry read back as %+v", d)
	}
	stored := sim.TimeEntries(sim.Tickets()[0].ID)
	if len(stored) != 2 || stored[0].HoursWorked != 1.5 || stored[1].HoursWorked != 0.3333 {
		t.Fatalf("stored %+v, want 1.5 and 0.3333 hours", stored)
	}

	refusals := []struct {
		name string
		in   platform.TimeEntry
		want string
	}{
		{"more than Autotask's 24 hours", platform.TimeEntry{Minutes: 25 * 60, WorkerID: worker}, "at most 24 hours"},
		{"no time at all", platform.TimeEntry{WorkerID: worker}, "more than 0"},
		{"no resource", platform.TimeEntry{Minutes: 5}, "invalid resource id"},
		{"an unknown resource", platform.TimeEntry{Minutes: 5, WorkerID: "4711"}, "resourceID"},
		{"a material billing code", platform.TimeEntry{Minutes: 5, WorkerID: worker, WorkType: "29682810"}, "billingCodeID"},
		{"an inactive work type", platform.TimeEntry{Minutes: 5, WorkerID: worker, WorkType: "29682803"}, "billingCodeID"},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			_, err := c.AddTimeEntry(ctx, tid, r.in)
			if err == nil || !strings.Contains(err.Error(), r.want) {
				t.Fatalf("error %v, want one naming %q", err, r.want)
			}
		})
	}
	if n := len(sim.TimeEntries(sim.Tickets()[0].ID)); n != 2 {
		t.Fatalf("refused writes left %d entries, want 2", n)
	}
}

func TestWorkTypesAreTheWorkTypeBillingCodes(t *testing.T) {
	sim := autotasksim.New(t, autotasksim.Options{})
	c := clientFor(t, sim.Credentials(sim.Integration))
	got, err := c.Picklist(ctxTimeout(t, 10*time.Second), platform.PickWorkTypes, "")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{itoa(autotasksim.BillingRemote): true, itoa(autotasksim.BillingOnsite): true, "29682803": false}
	if len(got) != len(want) {
		t.Fatalf("work types %+v, want %d (no material code)", got, len(want))
	}
	for _, o := range got {
		if active, ok := want[o.ID]; !ok || active != o.Active {
			t.Fatalf("work type %+v unexpected", o)
		}
	}
}

package halo_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/halo/halosim"
	"github.com/tandemsync/tandem/pkg/platform"
)

func TestActionsWithTimeTakenAreTimeEntries(t *testing.T) {
	s := halosim.New(t, halosim.Options{})
	c := newClient(t, s, halosim.Integration)
	ctx := context.Background()
	tk, err := c.CreateTicket(ctx, platform.Ticket{Summary: "Printer"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddNote(ctx, tk.ID, platform.Note{Kind: "3", Body: "No time on this one", Public: true}); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	id := atoi(t, tk.ID)
	a, err := s.LogTime(halosim.Agent, id, 1, "Fuser replaced", 1.25, start, start.Add(75*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.LogTime(halosim.Agent, id, 99, "x", 1, start, start); err == nil {
		t.Fatal("an unknown action was accepted")
	}
	got, err := c.ListTimeEntries(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("time entries %+v, want only the action with time taken", got)
	}
	e := got[0]
	if e.ID != strconv.Itoa(a.ID) || e.Minutes != 75 || !e.Start.Equal(start) || !e.End.Equal(start.Add(75*time.Minute)) ||
		e.Note != "Fuser replaced" || e.WorkerID != strconv.Itoa(halosim.Agent.AgentID) || e.WorkerName != halosim.Agent.Name {
		t.Fatalf("read %+v", e)
	}
}

package autotask

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/autotask/autotasksim"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/simfault"
)

func ptr[T any](v T) *T { return &v }

func TestTicketLifecycle(t *testing.T) {
	sim, c := newSim(t)
	ctx := ctxTimeout(t, 10*time.Second)
	due := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)

	created, err := c.CreateTicket(ctx, platform.Ticket{
		Summary: "Printer on fire", Description: "Third floor", Priority: "1", Queue: "29682833",
		Type: "2", Category: "2", TargetDate: &due, Custom: map[string]string{"Partner Reference": "HALO-42"},
	})
	if err != nil {
		t.Fatalf("CreateTicket: %v", err)
	}
	if created.ID == "" || !strings.HasPrefix(created.Number, "T") {
		t.Fatalf("created = %+v", created)
	}
	want := platform.Ticket{ID: created.ID, Number: created.Number, Summary: "Printer on fire", Description: "Third floor",
		Status: "1", Priority: "1", Queue: "29682833", Type: "2", Category: "2"}
	if created.Summary != want.Summary || created.Description != want.Description || created.Status != want.Status ||
		created.Priority != want.Priority || created.Queue != want.Queue || created.Type != want.Type || created.Category != want.Category {
		t.Errorf("created = %+v, want %+v", created, want)
	}
	if created.TargetDate == nil || !created.TargetDate.Equal(due) {
		t.Errorf("TargetDate = %v, want %v", created.TargetDate, due)
	}
	if created.Custom["Partner Reference"] != "HALO-42" || created.Closed || created.UpdatedAt.IsZero() {
		t.Errorf("custom/closed/updated = %v %v %v", created.Custom, created.Closed, created.UpdatedAt)
	}

	if err := c.UpdateTicket(ctx, created.ID, platform.TicketUpdate{
		Summary: ptr("Printer smoking"), Status: ptr("8"), Custom: map[string]string{"Partner Reference": "HALO-43"},
	}); err != nil {
		t.Fatalf("UpdateTicket: %v", err)
	}
	got, err := c.GetTicket(ctx, created.ID)
	if err != nil {
		t.Fatalf("GetTicket: %v", err)
	}
	if got.Summary != "Printer smoking" || got.Status != "8" || got.Priority != "1" || got.Custom["Partner Reference"] != "HALO-43" {
		t.Errorf("after update = %+v", got)
	}

	if err := c.CloseTicket(ctx, created.ID, ""); err != nil {
		t.Fatalf("CloseTicket: %v", err)
	}
	got, err = c.GetTicket(ctx, created.ID)
	if err != nil {
		t.Fatalf("GetTicket: %v", err)
	}
	if got.Status != "5" || !got.Closed {
		t.Errorf("after close status = %s closed = %v", got.Status, got.Closed)
	}
	if tickets := sim.Tickets(); len(tickets) != 1 || tickets[0].CompletedDate == nil || tickets[0].CreatorResourceID != sim.Integration.ResourceID {
		t.Errorf("simulator state = %+v", tickets)
	}
}

func TestCloseTicketWithGivenStatus(t *testing.T) {
	sim, c := newSim(t)
	id := sim.SeedTicket("Seeded", 1, 2)
	ctx := ctxTimeout(t, 5*time.Second)
	if err := c.CloseTicket(ctx, itoa(id), "13"); err != nil {
		t.Fatalf("CloseTicket: %v", err)
	}
	if got, _ := sim.Ticket(id); got.Status != 13 {
		t.Errorf("status = %d, want 13", got.Status)
	}
}

func TestTicketErrors(t *testing.T) {
	sim, c := newSim(t)
	seeded := itoa(sim.SeedTicket("Seeded", 1, 2))
	tests := []struct {
		name     string
		call     func() error
		want     platform.Reason
		msg      string
		requests int64 // sent to Autotask, -1 to skip the check
	}{
		{"missing ticket", func() error { _, err := c.GetTicket(ctxTimeout(t, 5*time.Second), "999999"); return err }, platform.ReasonNotFound, "no ticket", 1},
		{"id that is a path", func() error { _, err := c.GetTicket(ctxTimeout(t, 5*time.Second), "../Version"); return err }, platform.ReasonInvalid, "positive numbers", 0},
		{"label instead of picklist id", func() error {
			return c.UpdateTicket(ctxTimeout(t, 5*time.Second), seeded, platform.TicketUpdate{Priority: ptr("High")})
		}, platform.ReasonInvalid, "picklist id", 0},
		{"value Autotask does not know", func() error {
			return c.UpdateTicket(ctxTimeout(t, 5*time.Second), seeded, platform.TicketUpdate{Priority: ptr("99")})
		}, platform.ReasonInvalid, "does not exist for the field priority", 1}, // Autotask's 500 refusal: permanent, not retried
		{"update of a missing ticket", func() error {
			return c.UpdateTicket(ctxTimeout(t, 5*time.Second), "999999", platform.TicketUpdate{Summary: ptr("x")})
		}, platform.ReasonNotFound, "Unable to find Ticket", 1},
		{"create without title", func() error {
			_, err := c.CreateTicket(ctxTimeout(t, 5*time.Second), platform.Ticket{Priority: "2"})
			return err
		}, platform.ReasonInvalid, "title", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := c.Requests()
			pe := wantReason(t, tt.call(), tt.want)
			if !strings.Contains(pe.Error(), tt.msg) {
				t.Errorf("error %q does not contain %q", pe, tt.msg)
			}
			if tt.requests >= 0 && c.Requests()-before != tt.requests {
				t.Errorf("sent %d requests, want %d", c.Requests()-before, tt.requests)
			}
		})
	}
	if pe := wantReason(t, c.UpdateTicket(ctxTimeout(t, 5*time.Second), "999999", platform.TicketUpdate{}), platform.ReasonNotFound); pe.Status != http.StatusNotFound {
		t.Errorf("status = %d", pe.Status)
	}
}

// A create carries Tandem's marker in externalID, and the marker finds the
// ticket again.
func TestCreateCarriesMarkerFoundByFindTicket(t *testing.T) {
	sim, c := newSim(t)
	ctx := ctxTimeout(t, 5*time.Second)
	created, err := c.CreateTicket(ctx, platform.Ticket{Summary: "Printer", Priority: "2", Ref: "tandem-0123456789abcdef01234567"})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := sim.Ticket(id(t, created.ID)); got.ExternalID != "tandem-0123456789abcdef01234567" {
		t.Fatalf("externalID = %q", got.ExternalID)
	}
	found, ok, err := c.FindTicket(ctx, "tandem-0123456789abcdef01234567")
	if err != nil || !ok || found.ID != created.ID || found.Ref != created.Ref {
		t.Fatalf("FindTicket = %+v, %v, %v", found, ok, err)
	}
	if _, ok, err := c.FindTicket(ctx, "tandem-ffffffffffffffffffffffff"); ok || err != nil {
		t.Fatalf("FindTicket of an unknown marker = %v, %v", ok, err)
	}
}

// A create Autotask applied and then failed (a 500, or a dropped
// connection) is not sent again: the caller gets a temporary failure and
// looks the marker up.
func TestCreateAppliedThenFailedIsNotResent(t *testing.T) {
	for _, mode := range []simfault.Mode{simfault.ApplyThenFail, simfault.ApplyThenDrop} {
		sim, c := newSim(t)
		sim.FailNext(1, autotasksim.Fault{Mode: mode, Method: http.MethodPost, Path: "/V1.0/Tickets"})
		_, err := c.CreateTicket(ctxTimeout(t, 5*time.Second), platform.Ticket{Summary: "Printer", Priority: "2", Ref: "tandem-a"})
		if !platform.IsTemporary(err) {
			t.Fatalf("mode %d: err = %v, want a temporary failure", mode, err)
		}
		if n := len(sim.Tickets()); n != 1 || sim.Requests() != 1 {
			t.Fatalf("mode %d: %d tickets after %d requests, want 1 and 1", mode, n, sim.Requests())
		}
	}
}

func id(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

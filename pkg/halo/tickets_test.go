package halo_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/halo/halosim"
	"github.com/tandemsync/tandem/pkg/platform"
)

func ptr[T any](v T) *T { return &v }

func TestTicketLifecycle(t *testing.T) {
	s := halosim.New(t, halosim.Options{})
	c := newClient(t, s, halosim.Integration)
	ctx := context.Background()
	start := time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)

	created, err := c.CreateTicket(ctx, platform.Ticket{
		Summary: "Printer on fire", Description: "Smoke from tray 2",
		Status: "2", Priority: "2", Type: "21", Queue: "2", Category: "Hardware>Laptop",
		StartDate: &start, Custom: map[string]string{"CFPartnerReference": "T20261102.0001"},
	})
	if err != nil {
		t.Fatalf("CreateTicket: %v", err)
	}
	if created.ID == "" || created.Number != created.ID {
		t.Fatalf("created = %+v", created)
	}
	got, err := c.GetTicket(ctx, created.ID)
	if err != nil {
		t.Fatalf("GetTicket: %v", err)
	}
	checks := map[string][2]string{
		"summary":  {got.Summary, "Printer on fire"},
		"details":  {got.Description, "Smoke from tray 2"},
		"status":   {got.Status, "2"},
		"priority": {got.Priority, "2"},
		"type":     {got.Type, "21"},
		"team":     {got.Queue, "2"},
		"category": {got.Category, "Hardware>Laptop"},
		"custom":   {got.Custom["CFPartnerReference"], "T20261102.0001"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", name, c[0], c[1])
		}
	}
	if got.StartDate == nil || !got.StartDate.Equal(start) || got.UpdatedAt.IsZero() || got.Closed {
		t.Errorf("start %v, updated %v, closed %v", got.StartDate, got.UpdatedAt, got.Closed)
	}

	err = c.UpdateTicket(ctx, created.ID, platform.TicketUpdate{
		Summary: ptr("Printer no longer on fire"), Priority: ptr("4"),
		Custom: map[string]string{"CFEscalated": "true"},
	})
	if err != nil {
		t.Fatalf("UpdateTicket: %v", err)
	}
	simTicket, _ := s.Ticket(atoi(t, created.ID))
	if simTicket.Summary != "Printer no longer on fire" || simTicket.PriorityID != 4 || simTicket.StatusID != 2 {
		t.Fatalf("after update the simulator holds %+v", simTicket)
	}

	if err := c.CloseTicket(ctx, created.ID, ""); err != nil {
		t.Fatalf("CloseTicket: %v", err)
	}
	got, err = c.GetTicket(ctx, created.ID)
	if err != nil || !got.Closed || got.Status != "9" {
		t.Fatalf("after close: %+v, %v", got, err)
	}
	if err := c.CloseTicket(ctx, created.ID, "8"); err != nil {
		t.Fatalf("CloseTicket with status: %v", err)
	}
	if tk, _ := s.Ticket(atoi(t, created.ID)); tk.StatusID != 8 {
		t.Fatalf("status = %d, want 8", tk.StatusID)
	}
}

func TestEmptyUpdateSendsNothing(t *testing.T) {
	s := halosim.New(t, halosim.Options{})
	c := newClient(t, s, halosim.Integration)
	if err := c.UpdateTicket(context.Background(), "1000", platform.TicketUpdate{}); err != nil {
		t.Fatal(err)
	}
	if s.Requests() != 0 {
		t.Fatalf("%d requests for an empty update", s.Requests())
	}
}

func TestTicketErrors(t *testing.T) {
	s := halosim.New(t, halosim.Options{})
	c := newClient(t, s, halosim.Integration)
	ctx := context.Background()
	existing, err := c.CreateTicket(ctx, platform.Ticket{Summary: "exists"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		call    func() error
		reason  platform.Reason
		mention string
		sent    bool // whether a request reached Halo
	}{
		{"missing ticket", func() error { _, err := c.GetTicket(ctx, "424242"); return err },
			platform.ReasonNotFound, "read ticket 424242", true},
		{"id that is not a number", func() error { _, err := c.GetTicket(ctx, "../Agent"); return err },
			platform.ReasonInvalid, "not a Halo ticket id", false},
		{"status that is not an id", func() error {
			return c.UpdateTicket(ctx, existing.ID, platform.TicketUpdate{Status: ptr("Closed")})
		}, platform.ReasonInvalid, "pick one from the status list", false},
		{"status unknown to Halo", func() error {
			return c.UpdateTicket(ctx, existing.ID, platform.TicketUpdate{Status: ptr("77")})
		}, platform.ReasonInvalid, "[0].status_id: Invalid status", true},
		{"summary missing", func() error { _, err := c.CreateTicket(ctx, platform.Ticket{}); return err },
			platform.ReasonInvalid, "[0].summary", true},
		{"update of a missing ticket", func() error {
			return c.UpdateTicket(ctx, "424242", platform.TicketUpdate{Summary: ptr("x")})
		}, platform.ReasonInvalid, "does not exist", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := s.Requests()
			pe := platformError(t, tc.call(), tc.reason)
			if !strings.Contains(pe.Message, tc.mention) {
				t.Fatalf("message %q does not mention %q", pe.Message, tc.mention)
			}
			if sent := s.Requests() > before; sent != tc.sent {
				t.Fatalf("request sent = %v, want %v", sent, tc.sent)
			}
		})
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%q is not a number", s)
	}
	return n
}

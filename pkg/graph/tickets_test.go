package graph_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/graph/graphsim"
	"github.com/tandemsync/tandem/pkg/platform"
)

func ptr[T any](v T) *T { return &v }

func TestGetTicket(t *testing.T) {
	sim := graphsim.New(t)
	c := clientFor(t, sim, sim.Integration)
	seed := seededTicket(t, sim)
	tk, err := c.GetTicket(ctxT(t), seed.ID)
	if err != nil {
		t.Fatal(err)
	}
	if tk.ID != seed.ID || tk.Summary != seed.Subject || tk.Description != strings.ReplaceAll(seed.Body, "\r", "") || tk.Status != "New" || tk.Priority != "normal" || tk.Closed || tk.UpdatedAt.IsZero() {
		t.Fatalf("ticket = %+v", tk)
	}
	_, err = c.GetTicket(ctxT(t), "AAkALgNoSuchMessage")
	platformErr(t, err, platform.ReasonNotFound)
}

func TestUpdateAndCloseTicket(t *testing.T) {
	sim := graphsim.New(t)
	c := clientFor(t, sim, sim.Integration)
	id := seededTicket(t, sim).ID
	ctx := ctxT(t)
	if err := c.UpdateTicket(ctx, id, platform.TicketUpdate{Status: ptr("In Progress"), Priority: ptr("High")}); err != nil {
		t.Fatal(err)
	}
	m, _ := sim.Message(id)
	if !slices.Equal(m.Categories, []string{"In Progress"}) || m.Importance != "high" {
		t.Fatalf("after update: categories %v importance %s", m.Categories, m.Importance)
	}
	if err := c.CloseTicket(ctx, id, "Resolved"); err != nil {
		t.Fatal(err)
	}
	tk, err := c.GetTicket(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !tk.Closed || tk.Status != "Resolved" {
		t.Fatalf("after close: %+v", tk)
	}
	if err := c.CloseTicket(ctx, id, ""); err != nil {
		t.Fatalf("close without status: %v", err)
	}
	before := c.Requests()
	if err := c.UpdateTicket(ctx, id, platform.TicketUpdate{}); err != nil || c.Requests() != before {
		t.Fatalf("empty update: err %v, %d requests", err, c.Requests()-before)
	}
}

func TestUpdateTicketRefusesWhatMailCannotHold(t *testing.T) {
	sim := graphsim.New(t)
	c := clientFor(t, sim, sim.Integration)
	id := seededTicket(t, sim).ID
	now := time.Now()
	tests := []struct {
		name    string
		u       platform.TicketUpdate
		mention string
	}{
		{"subject", platform.TicketUpdate{Summary: ptr("new")}, "subject"},
		{"type", platform.TicketUpdate{Type: ptr("Incident")}, `service type "Incident"`},
		{"category and dates", platform.TicketUpdate{Category: ptr("x"), StartDate: &now, TargetDate: &now}, `category "x", start date, target date`},
		{"custom", platform.TicketUpdate{Custom: map[string]string{"a": "b"}}, "custom fields"},
		{"priority", platform.TicketUpdate{Priority: ptr("urgent")}, "low, normal or high"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := c.Requests()
			pe := platformErr(t, c.UpdateTicket(ctxT(t), id, tt.u), platform.ReasonInvalid)
			if !strings.Contains(pe.Message, tt.mention) {
				t.Fatalf("message %q does not mention %q", pe.Message, tt.mention)
			}
			if c.Requests() != before {
				t.Fatal("refused update still sent a request")
			}
		})
	}
}

func TestCreateTicket(t *testing.T) {
	sim := graphsim.New(t)
	ctx := ctxT(t)
	support := clientFor(t, sim, sim.Integration)

	t.Run("to the support mailbox itself", func(t *testing.T) {
		tk, err := support.CreateTicket(ctx, platform.Ticket{Summary: "VPN down", Description: "Partner ticket 4711", Status: "New", Priority: "high"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := support.GetTicket(ctx, tk.ID)
		if err != nil {
			t.Fatalf("immutable id of the sent draft: %v", err)
		}
		if got.Summary != "VPN down" || got.Description != "Partner ticket 4711" || got.Status != "New" || got.Priority != "high" {
			t.Fatalf("ticket = %+v", got)
		}
		conv := sim.Conversation(tk.ID)
		if len(conv) != 2 || conv[0].Folder != "sentitems" || conv[1].Folder != "inbox" {
			t.Fatalf("conversation = %+v, want sent item and its inbox copy", conv)
		}
		// The inbox copy is the same mail: not a note, and it resolves to
		// the ticket as Tandem's own write.
		notes, err := support.ListNotes(ctx, tk.ID, time.Time{})
		if err != nil || len(notes) != 0 {
			t.Fatalf("notes of a fresh ticket = %+v, %v", notes, err)
		}
		origin, err := support.ResolveMessage(ctx, conv[1].ID)
		if err != nil || origin.TicketID != tk.ID || !origin.Own {
			t.Fatalf("origin of the inbox copy = %+v, %v", origin, err)
		}
	})

	t.Run("a requester mails the support mailbox", func(t *testing.T) {
		agent := clientFor(t, sim, sim.Agent)
		_, err := agent.CreateTicket(ctx, platform.Ticket{Summary: "Laptop broken", Description: "Screen cracked", Custom: map[string]string{"to": sim.Integration.Mailbox}})
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, m := range sim.Messages(sim.Integration.Mailbox) {
			found = found || (m.Folder == "inbox" && m.Subject == "Laptop broken" && m.From == sim.Agent.Mailbox)
		}
		if !found {
			t.Fatal("mail did not reach the support inbox")
		}
	})

	t.Run("refused fields", func(t *testing.T) {
		before := support.Requests()
		_, err := support.CreateTicket(ctx, platform.Ticket{Summary: "x", Queue: "Level 1"})
		platformErr(t, err, platform.ReasonInvalid)
		_, err = support.CreateTicket(ctx, platform.Ticket{Summary: "x", Custom: map[string]string{"to": "not an address"}})
		platformErr(t, err, platform.ReasonInvalid)
		_, err = support.CreateTicket(ctx, platform.Ticket{Summary: "x", Priority: "P1"})
		platformErr(t, err, platform.ReasonInvalid)
		if support.Requests() != before {
			t.Fatal("refused create still sent requests")
		}
	})
}

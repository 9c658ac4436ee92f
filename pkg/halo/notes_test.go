package halo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/halo/halosim"
	"github.com/tandemsync/tandem/pkg/platform"
)

func TestNotes(t *testing.T) {
	s := halosim.New(t, halosim.Options{})
	c := newClient(t, s, halosim.Integration)
	agent := newClient(t, s, halosim.Agent)
	ctx := context.Background()
	tk, err := c.CreateTicket(ctx, platform.Ticket{Summary: "VPN drops"})
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now().Add(-time.Second)

	private, err := c.AddNote(ctx, tk.ID, platform.Note{Kind: "5", Body: "Escalated to partner", Public: false})
	if err != nil {
		t.Fatalf("AddNote private: %v", err)
	}
	public, err := agent.AddNote(ctx, tk.ID, platform.Note{Kind: "3", Body: "We are on it", Public: true})
	if err != nil {
		t.Fatalf("AddNote public: %v", err)
	}
	if private.Public || !public.Public || private.ID == public.ID || private.TicketID != tk.ID {
		t.Fatalf("private %+v, public %+v", private, public)
	}
	// Halo's private is hiddenfromuser.
	sim := s.Notes(atoi(t, tk.ID))
	if len(sim) != 2 || !sim[0].HiddenFromUser || sim[1].HiddenFromUser || sim[0].OutcomeID != 5 {
		t.Fatalf("simulator actions: %+v", sim)
	}

	notes, err := c.ListNotes(ctx, tk.ID, before)
	if err != nil {
		t.Fatalf("ListNotes: %v", err)
	}
	if len(notes) != 2 || notes[0].Body != "Escalated to partner" || notes[1].Body != "We are on it" {
		t.Fatalf("notes = %+v", notes)
	}
	if notes[0].AuthorID != "27" || notes[1].AuthorID != "5" || notes[1].Kind != "3" || notes[1].Title != "Public Note" {
		t.Fatalf("authors/kinds: %+v", notes)
	}
	later, err := c.ListNotes(ctx, tk.ID, time.Now().Add(time.Hour))
	if err != nil || len(later) != 0 {
		t.Fatalf("notes after the future: %+v, %v", later, err)
	}
}

func TestNoteErrors(t *testing.T) {
	s := halosim.New(t, halosim.Options{})
	c := newClient(t, s, halosim.Integration)
	ctx := context.Background()
	tk, err := c.CreateTicket(ctx, platform.Ticket{Summary: "x"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		ticket  string
		note    platform.Note
		reason  platform.Reason
		mention string
	}{
		{"no action chosen", tk.ID, platform.Note{Body: "x"}, platform.ReasonInvalid, "choose the Halo action"},
		{"action Halo refuses", tk.ID, platform.Note{Kind: "99", Body: "x"}, platform.ReasonInvalid, "You do not have access to this action at the moment"},
		{"ticket missing", "777777", platform.Note{Kind: "1", Body: "x"}, platform.ReasonInvalid, "An action must be associated with a ticket_id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.AddNote(ctx, tc.ticket, tc.note)
			pe := platformError(t, err, tc.reason)
			if !strings.Contains(pe.Message, tc.mention) {
				t.Fatalf("message %q does not mention %q", pe.Message, tc.mention)
			}
		})
	}
}

// A note with an author is done by that agent (actionby_agent_id) and reads
// back as theirs; a malformed author id is refused before any request.
func TestNoteAuthor(t *testing.T) {
	s := halosim.New(t, halosim.Options{})
	c := newClient(t, s, halosim.Integration)
	ctx := context.Background()
	tk, err := c.CreateTicket(ctx, platform.Ticket{Summary: "VPN drops"})
	if err != nil {
		t.Fatal(err)
	}
	n, err := c.AddNote(ctx, tk.ID, platform.Note{Kind: "5", Body: "Rebooted", AuthorID: "14"})
	if err != nil {
		t.Fatal(err)
	}
	if sim := s.Notes(atoi(t, tk.ID)); len(sim) != 1 || sim[0].WhoAgentID != 14 {
		t.Fatalf("simulator actions: %+v", sim)
	}
	if n.AuthorID != "14" || n.AuthorName == "" {
		t.Fatalf("note as written: %+v", n)
	}
	before := s.Requests()
	if _, err := c.AddNote(ctx, tk.ID, platform.Note{Kind: "5", Body: "x", AuthorID: "jane@acme.example"}); err == nil || !strings.Contains(err.Error(), "agent") {
		t.Fatalf("a non-id author: %v", err)
	}
	if s.Requests() != before {
		t.Fatal("a malformed author id reached Halo")
	}
}

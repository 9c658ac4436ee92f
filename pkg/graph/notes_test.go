package graph_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/graph"
	"github.com/tandemsync/tandem/pkg/graph/graphsim"
	"github.com/tandemsync/tandem/pkg/platform"
)

func TestAddNote(t *testing.T) {
	sim := graphsim.New(t)
	c := clientFor(t, sim, sim.Integration)
	seed := seededTicket(t, sim)
	ctx := ctxT(t)

	n, err := c.AddNote(ctx, seed.ID, platform.Note{Body: "We are sending a technician.", Public: true})
	if err != nil {
		t.Fatal(err)
	}
	if n.ID == "" || n.TicketID != seed.ID || n.Kind != graph.NoteKindReply || !n.Public || n.AuthorID != sim.Integration.Mailbox {
		t.Fatalf("note = %+v", n)
	}
	sent, ok := sim.Message(n.ID)
	if !ok || sent.Folder != "sentitems" || sent.ConversationID != seed.ConversationID || sent.To[0] != seed.From || !strings.HasPrefix(sent.Body, "We are sending a technician.") {
		t.Fatalf("sent reply = %+v", sent)
	}
	// The requester's mailbox received it.
	var delivered bool
	for _, m := range sim.Messages(sim.Agent.Mailbox) {
		delivered = delivered || (m.Folder == "inbox" && m.ConversationID == seed.ConversationID)
	}
	if !delivered {
		t.Fatal("reply did not reach the requester")
	}

	before := c.Requests()
	_, err = c.AddNote(ctx, seed.ID, platform.Note{Body: "internal", Public: false})
	pe := platformErr(t, err, platform.ReasonInvalid)
	if !strings.Contains(pe.Message, "private note is not mailed") || c.Requests() != before {
		t.Fatalf("private note: %q after %d requests", pe.Message, c.Requests()-before)
	}
	_, err = c.AddNote(ctx, "AAkALgMissing", platform.Note{Body: "x", Public: true})
	platformErr(t, err, platform.ReasonNotFound)
}

func TestListNotesOrderSinceAndPaging(t *testing.T) {
	sim := graphsim.New(t)
	support := clientFor(t, sim, sim.Integration)
	agent := clientFor(t, sim, sim.Agent)
	ctx := ctxT(t)
	seed := seededTicket(t, sim)

	// More notes than one page of 50, alternating support replies and the
	// requester's answers to them, so paging and both kinds are exercised.
	const rounds = 27
	var sinceMid time.Time
	for i := range rounds {
		n, err := support.AddNote(ctx, seed.ID, platform.Note{Body: fmt.Sprintf("support %d", i), Public: true})
		if err != nil {
			t.Fatal(err)
		}
		if i == rounds/2 {
			m, _ := sim.Message(n.ID)
			sinceMid = m.ReceivedAt
		}
		copyID := lastInbox(t, sim, sim.Agent.Mailbox)
		if _, err := agent.AddNote(ctx, copyID, platform.Note{Body: fmt.Sprintf("requester %d", i), Public: true}); err != nil {
			t.Fatal(err)
		}
	}
	notes, err := support.ListNotes(ctx, seed.ID, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 2*rounds {
		t.Fatalf("notes = %d, want %d", len(notes), 2*rounds)
	}
	for i, n := range notes {
		wantKind, wantPrefix := graph.NoteKindReply, fmt.Sprintf("support %d", i/2)
		if i%2 == 1 {
			wantKind, wantPrefix = graph.NoteKindMail, fmt.Sprintf("requester %d", i/2)
		}
		if n.Kind != wantKind || !strings.HasPrefix(n.Body, wantPrefix) || !n.Public || n.TicketID != seed.ID || n.ID == seed.ID {
			t.Fatalf("note %d = kind %s body %q", i, n.Kind, n.Body)
		}
		if i > 0 && n.CreatedAt.Before(notes[i-1].CreatedAt) {
			t.Fatalf("note %d is older than note %d", i, i-1)
		}
	}
	recent, err := support.ListNotes(ctx, seed.ID, sinceMid)
	if err != nil {
		t.Fatal(err)
	}
	if len(recent) != 2*(rounds-rounds/2) || !strings.HasPrefix(recent[0].Body, fmt.Sprintf("support %d", rounds/2)) {
		t.Fatalf("since filter: %d notes, first %q", len(recent), recent[0].Body)
	}
}

// lastInbox is the newest inbox message of a mailbox.
func lastInbox(t *testing.T, sim *graphsim.Server, mailbox string) string {
	t.Helper()
	ms := sim.Messages(mailbox)
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].Folder == "inbox" {
			return ms[i].ID
		}
	}
	t.Fatalf("no inbox message in %s", mailbox)
	return ""
}

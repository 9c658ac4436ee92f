package connectwise

import (
	"strings"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/connectwise/connectwisesim"
	"github.com/tandemsync/tandem/pkg/platform"
)

func TestAddNoteFlags(t *testing.T) {
	s := connectwisesim.New(t)
	cl := clientFor(t, s, s.Integration, Options{})
	ctx := testCtx(t)
	tk, err := cl.CreateTicket(ctx, platform.Ticket{Summary: "Notes"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name                         string
		in                           platform.Note
		detail, internal, resolution bool
		notify, public               bool
		kind                         string
	}{
		{"public without kind", platform.Note{Body: "We are on it.", Public: true}, true, false, false, false, true, NoteDiscussion},
		{"private without kind", platform.Note{Body: "Checked the logs."}, false, true, false, false, false, NoteInternal},
		{"resolution", platform.Note{Body: "Replaced toner.", Kind: NoteResolution, Public: true}, false, false, true, false, true, NoteResolution},
		{"discussion with e-mail", platform.Note{Body: "Please reboot.", Kind: NoteDiscussionEmail, Public: true}, true, false, false, true, true, NoteDiscussionEmail},
		{"private wins over a customer-visible kind", platform.Note{Body: "Internal only.", Kind: NoteResolution}, false, true, false, false, false, NoteInternal},
		{"public note of the internal kind is discussion", platform.Note{Body: "For the customer.", Kind: NoteInternal, Public: true}, true, false, false, false, true, NoteDiscussion},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := cl.AddNote(ctx, tk.ID, c.in)
			if err != nil {
				t.Fatalf("AddNote: %v", err)
			}
			if got.Public != c.public || got.Kind != c.kind || got.AuthorID != s.Integration.Identifier || got.Body != c.in.Body || got.CreatedAt.IsZero() {
				t.Fatalf("note = %+v", got)
			}
			notes := s.Notes(mustID(t, tk.ID))
			n := notes[len(notes)-1]
			if n.Detail != c.detail || n.Internal != c.internal || n.Resolution != c.resolution || n.ProcessNotifications != c.notify {
				t.Fatalf("stored flags = %+v", n)
			}
		})
	}

	_, err = cl.AddNote(ctx, tk.ID, platform.Note{Body: "x", Kind: "email-everyone"})
	platformErr(t, err, platform.ReasonInvalid)
	_, err = cl.AddNote(ctx, tk.ID, platform.Note{Body: "  "})
	if pe := platformErr(t, err, platform.ReasonInvalid); !strings.Contains(pe.Message, "text") {
		t.Fatalf("empty note error = %v", err)
	}
	got, err := cl.AddNote(ctx, tk.ID, platform.Note{Title: "Update", Body: "Body"})
	if err != nil || got.Body != "Update\n\nBody" {
		t.Fatalf("titled note = %+v, %v", got, err)
	}
}

func TestListNotesSince(t *testing.T) {
	clk := clock.NewManual(time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC))
	s := connectwisesim.NewServer(connectwisesim.Options{Clock: clk})
	t.Cleanup(s.Close)
	cl := clientFor(t, s, s.Integration, Options{PageSize: 2})
	agent := clientFor(t, s, s.Agent, Options{})
	ctx := testCtx(t)
	tk, err := cl.CreateTicket(ctx, platform.Ticket{Summary: "Since", Description: "first"})
	if err != nil {
		t.Fatal(err)
	}
	var mid time.Time
	for i, body := range []string{"one", "two", "three", "four"} {
		clk.Advance(time.Minute)
		if i == 2 {
			mid = clk.Now()
		}
		if _, err := agent.AddNote(ctx, tk.ID, platform.Note{Body: body, Public: i%2 == 0}); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name  string
		since time.Time
		want  []string
	}{
		{"all, across pages", time.Time{}, []string{"first", "one", "two", "three", "four"}},
		{"since the third", mid, []string{"three", "four"}},
		{"since the future", mid.Add(time.Hour), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			notes, err := cl.ListNotes(ctx, tk.ID, c.since)
			if err != nil {
				t.Fatalf("ListNotes: %v", err)
			}
			var got []string
			for _, n := range notes {
				got = append(got, n.Body)
				if n.TicketID != tk.ID || n.ID == "" {
					t.Fatalf("note = %+v", n)
				}
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Fatalf("bodies = %v, want %v", got, c.want)
			}
		})
	}
	notes, _ := cl.ListNotes(ctx, tk.ID, mid)
	if notes[0].AuthorID != s.Agent.Identifier || !notes[0].Public || notes[1].Public {
		t.Fatalf("author/visibility = %+v", notes)
	}
}

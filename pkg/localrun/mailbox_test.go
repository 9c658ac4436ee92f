package localrun_test

// Issue 11: a Microsoft 365 support mailbox as a full side of a
// connection, against a Halo and a ConnectWise MSP, through the HTTP API
// on the local runner with the Graph simulator.

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/graph"
	"github.com/tandemsync/tandem/pkg/graph/graphsim"
	"github.com/tandemsync/tandem/pkg/localrun"
	"github.com/tandemsync/tandem/pkg/platform"
)

// mailboxPair is a support mailbox escalating to an MSP, and what the
// rule-chosen category and service type become there.
type mailboxPair struct {
	partner            platform.Kind
	category, typ      string // Hardware / Incident on the partner
	publicKind         string // the partner agent's public note
	privateKind        string // and private note
	dflCategory, dfTyp string // Software / Request (the defaults) on the partner
}

var mailboxPairs = []mailboxPair{
	{partner: platform.Halo, category: "Hardware", typ: "1", publicKind: "3", privateKind: "1", dflCategory: "Software", dfTyp: "21"},
	{partner: platform.ConnectWise, category: "31", typ: "20", publicKind: "discussion", privateKind: "internal", dflCategory: "30", dfTyp: "21"},
}

const (
	requester = "dana@fabrikam.example"
	copied    = "lee@fabrikam.example"
)

// mailboxWorld connects the mailbox organisation (source) with an MSP on
// the partner platform, both configured through the API.
func mailboxWorld(t *testing.T, partner platform.Kind, desk func(platform.Credentials), clk ...clock.Clock) *world {
	t.Helper()
	o := worldOptions{}
	if len(clk) > 0 {
		o.clock = clk[0]
	}
	return mailboxWorldWith(t, partner, desk, o)
}

// mailboxWorldWith is mailboxWorld with more of the world's options.
func mailboxWorldWith(t *testing.T, partner platform.Kind, desk func(platform.Credentials), o worldOptions) *world {
	t.Helper()
	o.creds = func(k platform.Kind, c platform.Credentials) {
		if k == platform.Graph {
			localrun.MailboxDesk(c)
			if desk != nil {
				desk(c)
			}
		}
	}
	w := newWorld(t, platform.Graph, partner, o)
	mailbox, msp := localrun.MailboxConfigs(partner)
	w.configure(w.target.org, msp)
	w.configure(w.source.org, mailbox)
	return w
}

func (w *world) mailbox() (*graphsim.Server, string) {
	return w.r.Sims.Graph, w.r.Sims.Graph.Integration.Mailbox
}

// receive delivers a mail from outside into the support mailbox.
func (w *world) receive(m graphsim.Mail) graphsim.Message {
	w.t.Helper()
	g, mb := w.mailbox()
	if m.To == nil {
		m.To = []string{mb}
	}
	got, err := g.Receive(mb, m)
	if err != nil {
		w.t.Fatal(err)
	}
	return got
}

// sentFrom lists the mails the mailbox sent in a conversation.
func (w *world) sentFrom(conversationID string) []graphsim.Message {
	g, mb := w.mailbox()
	var out []graphsim.Message
	for _, m := range g.Messages(mb) {
		if m.ConversationID == conversationID && m.Folder == "sentitems" {
			out = append(out, m)
		}
	}
	return out
}

func (w *world) linked(sourceID string) bool {
	l, err := w.r.Deps.Store.LinkByTicket(context.Background(), w.connID, w.source.org, sourceID)
	return err == nil && l.Target.TicketID != ""
}

func TestMailboxEndToEnd(t *testing.T) {
	for _, p := range mailboxPairs {
		t.Run(string(p.partner), func(t *testing.T) {
			ctx := context.Background()
			w := mailboxWorld(t, p.partner, nil)
			dst := w.target.agent
			_, mb := w.mailbox()

			// A new conversation becomes one partner ticket: subject, the
			// HTML body as text (its script gone), the rule's category and
			// service type mapped, the files (an inline image among them).
			head := w.receive(graphsim.Mail{
				From: requester, Cc: []string{copied}, Subject: "Printer on floor 3 jams on every job",
				Text: "It jams.", HTML: `<html><head><style>p{color:red}</style></head><body><p>It <b>jams</b> on every job.</p><script>alert(1)</script><p>See <a href="https://fabrikam.example/kb/42">KB 42</a>.</p></body></html>`,
				Attachments: []graphsim.Attachment{
					{Name: "jam.png", ContentType: "image/png", Data: []byte("\x89PNG fake"), IsInline: true},
					{Name: "printer.log", ContentType: "text/plain", Data: []byte("E42 paper path")},
				},
			})
			w.settle()
			dt := w.partnerTicket(head.ID)
			if dt.Summary != head.Subject || dt.Category != p.category || dt.Type != p.typ {
				t.Fatalf("partner ticket %+v: want subject %q, category %s, type %s", dt, head.Subject, p.category, p.typ)
			}
			desc := dt.Description
			if desc == "" { // ConnectWise keeps the description as the first note
				notes, err := dst.ListNotes(ctx, dt.ID, timeZero)
				if err != nil || len(notes) == 0 {
					t.Fatalf("no description on the partner: %v", err)
				}
				desc = notes[0].Body
			}
			if !strings.Contains(desc, "It jams on every job.") || !strings.Contains(desc, "KB 42 (https://fabrikam.example/kb/42)") ||
				strings.Contains(desc, "alert") || strings.Contains(desc, "<") || strings.Contains(desc, "color") {
				t.Fatalf("partner description %q: want the text of the HTML body, nothing else", desc)
			}
			if names := fileNames(t, dst, dt.ID); !slices.Equal(sorted(names), []string{"jam.png", "printer.log"}) {
				t.Fatalf("partner files %v, want jam.png and printer.log", names)
			}
			if m, _ := w.r.Sims.Graph.Message(head.ID); !slices.Contains(m.Categories, "Hardware") || !slices.Contains(m.Categories, "Incident") {
				t.Fatalf("mailbox categories %v, want Hardware and Incident for the people reading it", m.Categories)
			}
			w.assertOneTicketEachSide()

			// The requester's reply in the conversation becomes a note.
			w.receive(graphsim.Mail{From: requester, Subject: "RE: " + head.Subject, Text: "It happens on tray 2 only.", InReplyTo: head.ID})
			w.settle()
			assertNotes(t, dst, dt.ID, map[string]bool{"It happens on tray 2 only.": true})

			// A public note on the partner is mailed to the requester, copying
			// whom they copied, never the mailbox; a private note stays.
			mustNote(t, dst, dt.ID, platform.Note{Kind: p.publicKind, Body: "An engineer comes on Thursday.", Public: true})
			mustNote(t, dst, dt.ID, platform.Note{Kind: p.privateKind, Body: "Order a spare fuser.", Public: false})
			w.settle()
			var replies []graphsim.Message
			for _, m := range w.sentFrom(head.ConversationID) {
				if strings.Contains(m.Body, "Order a spare fuser.") || strings.Contains(m.Body, "It jams on every job.") {
					t.Fatalf("mailed what the requester must not get (a private note, or their own mail back): %+v", m)
				}
				if strings.Contains(m.Body, "An engineer comes on Thursday.") {
					replies = append(replies, m)
				}
			}
			if len(replies) != 1 {
				t.Fatalf("%d reply mails with the public note, want 1", len(replies))
			}
			if r := replies[0]; !slices.Equal(r.To, []string{requester}) || !slices.Equal(r.Cc, []string{copied}) || slices.Contains(r.To, mb) || slices.Contains(r.Cc, mb) {
				t.Fatalf("reply to %v cc %v, want to %s cc %s", r.To, r.Cc, requester, copied)
			}
			if !logHas(w.log(w.source.org, ""), "skipped", "add note") || !logged(w.log(w.source.org, ""), "private note is not mailed") {
				t.Fatalf("withheld private note not logged: %v", w.log(w.source.org, ""))
			}

			// An automatic reply and a bounce create nothing, and each is
			// logged with the reason.
			w.receive(graphsim.Mail{From: requester, Subject: "Automatic reply: " + head.Subject, Text: "I am out of office.", InReplyTo: head.ID,
				Headers: []graphsim.Header{{Name: "Auto-Submitted", Value: "auto-replied"}}})
			w.receive(graphsim.Mail{From: "postmaster@fabrikam.example", Subject: "Undeliverable: " + head.Subject, Text: "Delivery has failed.",
				Class: "REPORT.IPM.Note.NDR"})
			w.receive(graphsim.Mail{From: "noreply@fabrikam.example", Subject: "Ticket received", Text: "We got your mail.",
				Headers: []graphsim.Header{{Name: "X-Auto-Response-Suppress", Value: "All"}}})
			w.settle()
			w.assertOneTicketEachSide()
			notes, err := dst.ListNotes(ctx, dt.ID, timeZero)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range notes {
				if strings.Contains(n.Body, "out of office") || strings.Contains(n.Body, "Delivery has failed") {
					t.Fatalf("noise became a note: %q", n.Body)
				}
			}
			entries := w.log(w.source.org, "")
			for _, why := range []string{"automatic reply (Auto-Submitted: auto-replied)", "bounce (non-delivery report)", "automatic reply (X-Auto-Response-Suppress: All)"} {
				if !logged(entries, why) {
					t.Fatalf("no sync-log entry saying %q: %v", why, entries)
				}
			}

			// Tandem's own reply never came back as a note.
			for _, n := range notes {
				if strings.Contains(n.Body, "An engineer comes on Thursday.") && n.Kind != p.publicKind {
					t.Fatalf("the mailbox's reply came back as a note: %+v", n)
				}
			}

			// Closing on the partner sends one closing reply, once.
			if err := dst.CloseTicket(ctx, dt.ID, ""); err != nil {
				t.Fatal(err)
			}
			w.settle()
			w.settle()
			closing := 0
			for _, m := range w.sentFrom(head.ConversationID) {
				if strings.Contains(m.Body, localrun.MailboxClosingReply) {
					closing++
					if !slices.Equal(m.To, []string{requester}) {
						t.Fatalf("closing reply to %v", m.To)
					}
				}
			}
			if closing != 1 {
				t.Fatalf("%d closing replies, want 1", closing)
			}
			if m, _ := w.r.Sims.Graph.Message(head.ID); m.FlagStatus != "complete" {
				t.Fatalf("mailbox flag %q after the partner closed, want complete", m.FlagStatus)
			}
		})
	}
}

// logged reports whether a sync-log entry gives reason.
func logged(entries []map[string]any, reason string) bool {
	for _, e := range entries {
		if r, _ := e["reason"].(string); strings.Contains(r, reason) {
			return true
		}
	}
	return false
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// Mail that is not a person writing never becomes a ticket: a new
// conversation that is an out-of-office reply, a bounce, a sender over the
// hourly limit, and the mailbox's own mail. A mail that matches no rule
// gets the default category and service type.
func TestMailboxNoiseAndDefaults(t *testing.T) {
	p := mailboxPairs[0]
	w := mailboxWorld(t, p.partner, func(c platform.Credentials) { c[graph.FieldSenderLimit] = "2" })
	_, mb := w.mailbox()
	oof := w.receive(graphsim.Mail{From: "sam@contoso.example", Subject: "Automatic reply: holiday", Text: "Back Monday.", Class: "IPM.Note.Rules.OofTemplate.Microsoft"})
	ndr := w.receive(graphsim.Mail{From: "MAILER-DAEMON@mail.fabrikam.example", Subject: "Returned mail", Text: "User unknown",
		Headers: []graphsim.Header{{Name: "Content-Type", Value: `multipart/report; report-type=delivery-status; boundary="x"`}}})
	self := w.receive(graphsim.Mail{From: mb, Subject: "Note to self", Text: "Sent from the mailbox."})
	var flood []graphsim.Message
	for i := range 3 {
		flood = append(flood, w.receive(graphsim.Mail{From: "bot@loop.example", Subject: "Alert " + itoa(i), Text: "Disk full"}))
	}
	w.settle()
	for _, m := range []graphsim.Message{oof, ndr, self, flood[2]} {
		if w.linked(m.ID) {
			t.Errorf("%q became a ticket", m.Subject)
		}
	}
	for _, m := range flood[:2] {
		if !w.linked(m.ID) {
			t.Fatalf("%q, within the sender limit, became no ticket", m.Subject)
		}
	}
	if n := w.r.Sims.Count(p.partner); n != 2 {
		t.Fatalf("partner holds %d tickets, want the 2 within the limit", n)
	}
	dt := w.partnerTicket(flood[0].ID)
	if dt.Category != p.dflCategory || dt.Type != p.dfTyp {
		t.Fatalf("unsorted mail: category %q type %q, want the defaults %s/%s", dt.Category, dt.Type, p.dflCategory, p.dfTyp)
	}
	entries := w.log(w.source.org, "")
	for _, why := range []string{"automatic reply (Outlook message class IPM.Note.Rules.OofTemplate.Microsoft)", "bounce (non-delivery report)",
		"sent by the support mailbox itself", "the sender sent more than 2 mails within an hour"} {
		if !logged(entries, why) {
			t.Errorf("no sync-log entry saying %q", why)
		}
	}
	if m, _ := w.r.Sims.Graph.Message(flood[2].ID); !slices.Contains(m.Categories, graph.SkippedCategory) {
		t.Fatalf("the skipped mail is not marked for the mailbox's readers: %v", m.Categories)
	}
}

// make dev DEMO=1 connects a support mailbox organisation to the MSP, and
// the one command it prints sends a mail in that becomes a Halo ticket.
func TestDemoMailbox(t *testing.T) {
	r, err := localrun.Start(context.Background(), localrun.Options{Addr: "127.0.0.1:0", ManualQueues: true, Simulators: true, WrapHTTP: contracted(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()
	demo, err := r.SetUpDemo(ctx)
	if err != nil || demo.MailboxConnectionID == "" {
		t.Fatalf("demo: %+v, %v", demo, err)
	}
	before := r.Sims.Count(platform.Halo)
	resp, err := http.Post(r.URL+"/dev/simulators/graph/mail", "application/json",
		strings.NewReader(`{"from":"dana@fabrikam.example","subject":"Printer on floor 3 jams","text":"Every job since Monday"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("sending the demo mail: %d", resp.StatusCode)
	}
	for range 5 {
		r.Sims.Flush()
		if err := r.Broker.Drain(ctx); err != nil {
			t.Fatal(err)
		}
	}
	tickets := r.Sims.Halo.Tickets()
	if len(tickets) != before+1 {
		t.Fatalf("Halo holds %d tickets, want %d", len(tickets), before+1)
	}
	got := tickets[len(tickets)-1]
	if got.Summary != "Printer on floor 3 jams" || got.Category1 != "Hardware" || got.TicketTypeID != 1 {
		t.Fatalf("Halo ticket %+v: want the mail's subject, Hardware, Incident", got)
	}
}

package graph_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tandemsync/tandem/pkg/graph"
	"github.com/tandemsync/tandem/pkg/graph/graphsim"
	"github.com/tandemsync/tandem/pkg/platform"
)

func TestSupportMailSettings(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(platform.Credentials)
		field   string // the field refused, "" when valid
		mention string
	}{
		{"microsoft by default", func(platform.Credentials) {}, "", ""},
		{"google is not supported yet", func(c platform.Credentials) { c["provider"] = "Google" }, "provider", "Google mailboxes are not supported yet"},
		{"unknown provider", func(c platform.Credentials) { c["provider"] = "yahoo" }, "provider", `must be "microsoft"`},
		{"rules not JSON", func(c platform.Credentials) { c["rules"] = "printer -> Hardware" }, "rules", "JSON array"},
		{"rule field misspelt", func(c platform.Credentials) { c["rules"] = `[{"domain":"a.example","category":"Hardware"}]` }, "rules", "unknown field"},
		{"rule without criterion", func(c platform.Credentials) { c["rules"] = `[{"category":"Hardware"}]` }, "rules[0]", "would sort every mail"},
		{"rule with unknown category", func(c platform.Credentials) { c["rules"] = `[{"senderDomain":"a.example","category":"Printers"}]` }, "rules[0]", `category "Printers" is not one of the categories`},
		{"default not listed", func(c platform.Credentials) { c["defaultServiceType"] = "Change" }, "defaultServiceType", `"Change" is not one of the serviceTypes`},
		{"category twice", func(c platform.Credentials) { c["categories"] = "Hardware, Hardware" }, "categories", "twice"},
		{"sender limit not a number", func(c platform.Credentials) { c["senderLimitPerHour"] = "lots" }, "senderLimitPerHour", "whole number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := validRaw()
			raw["categories"], raw["serviceTypes"] = "Hardware, Software", "Incident, Request"
			tt.edit(raw)
			_, err := graph.ParseCredentials(raw, false)
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ve *platform.ValidationError
			if !errors.As(err, &ve) || ve.Fields[0].Field != tt.field || !strings.Contains(ve.Fields[0].Message, tt.mention) {
				t.Fatalf("error %v: want %s refused with %q", err, tt.field, tt.mention)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	raw := validRaw()
	raw["categories"], raw["serviceTypes"] = "Hardware, Software, Access", "Incident, Request"
	raw["defaultCategory"], raw["defaultServiceType"] = "Software", "Request"
	raw["rules"] = `[{"senderDomain":"@Fabrikam.example","subjectKeywords":["printer","toner"],"category":"Hardware","serviceType":"Incident"},
		{"recipient":"access@contoso.com","category":"Access"},
		{"subjectKeywords":["down"],"serviceType":"Incident"}]`
	c, err := graph.ParseCredentials(raw, false)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		sender, subject string
		to              []string
		cat, typ        string
	}{
		{"dana@fabrikam.example", "PRINTER jams", nil, "Hardware", "Incident"},
		{"dana@fabrikam.example", "Need a laptop", nil, "Software", "Request"},                // domain alone is not enough
		{"dana@other.example", "printer jams", nil, "Software", "Request"},                    // keyword alone is not enough
		{"x@other.example", "VPN down", []string{"access@contoso.com"}, "Access", "Incident"}, // two rules, one field each
		{"x@other.example", "VPN down", nil, "Software", "Incident"},
	}
	for _, tt := range tests {
		cat, typ := c.Desk.Classify(tt.sender, tt.to, tt.subject)
		if cat != tt.cat || typ != tt.typ {
			t.Errorf("Classify(%s, %v, %q) = %s/%s, want %s/%s", tt.sender, tt.to, tt.subject, cat, typ, tt.cat, tt.typ)
		}
	}
}

func TestHTMLToText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<p>Hello <b>there</b></p><p>Second</p>", "Hello there\n\nSecond"},
		{"<div>a<br>b</div>", "a\nb"},
		{`<script>steal()</script><style>p{}</style><p>kept</p>`, "kept"},
		{`<a href="https://x.example/kb">KB</a> and <a href="javascript:alert(1)">bad</a>`, "KB (https://x.example/kb) and bad"},
		{"<ul><li>one</li><li>two</li></ul>", "- one\n- two"},
		{"Fish &amp; chips &lt;3", "Fish & chips <3"},
		{`<img src="cid:1" alt="diagram">`, "[diagram]"},
		{"<p>unclosed <b>bold", "unclosed bold"},
		{"  spaced\n\n\n\n   out  ", "spaced out"},
	}
	for _, tt := range tests {
		if got := graph.HTMLToText(tt.in); got != tt.want {
			t.Errorf("HTMLToText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Whatever the HTML, the text is valid UTF-8 when the input is, and
// nothing inside a script element survives.
func FuzzHTMLToText(f *testing.F) {
	for _, s := range []string{"<p>a</p>", "<script>SECRETMARK</script>", "<a href='https://x'>x</a>", "<scr<script>ipt>", "<table><tr><td>1</td></tr></table>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := graph.HTMLToText("<p>x</p><script>SECRETMARK</script>" + s)
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out of %q", s)
		}
		if strings.Contains(out, "SECRETMARK") && !strings.Contains(s, "SECRETMARK") {
			t.Fatalf("script content leaked: %q", out)
		}
	})
}

// The connection test names the application permission the app lacks.
func TestConnectionTestNamesMissingPermission(t *testing.T) {
	tests := []struct {
		roles   []string
		missing string // "" when the test passes
	}{
		{[]string{"Mail.ReadWrite", "Mail.Send"}, ""},
		{[]string{"Mail.ReadWrite"}, "lacks the Mail.Send application permission"},
		{[]string{"Mail.Read", "Mail.Send"}, "lacks the Mail.ReadWrite application permission"},
		// No roles claim at all (no permission granted): the inbox read is refused.
		{nil, "Mail.ReadWrite and Mail.Send application permissions"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.roles, "+"), func(t *testing.T) {
			sim := graphsim.New(t)
			sim.SetPermissions(sim.Integration.ClientID, tt.roles...)
			err := clientFor(t, sim, sim.Integration).Test(ctxT(t))
			if tt.missing == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			pe := platformErr(t, err, platform.ReasonNotPermitted)
			if !strings.Contains(pe.Message, tt.missing) || !strings.Contains(pe.Message, "Grant admin consent") {
				t.Fatalf("message %q: want %q and how to fix it", pe.Message, tt.missing)
			}
		})
	}
}

func TestScreen(t *testing.T) {
	sim := graphsim.New(t)
	raw := sim.Credentials(sim.Integration)
	raw["senderLimitPerHour"] = "2"
	c := clientWith(t, raw)
	mb := sim.Integration.Mailbox
	tests := []struct {
		name string
		mail graphsim.Mail
		skip string
	}{
		{"a person", graphsim.Mail{From: "dana@fabrikam.example", Subject: "Help"}, ""},
		{"auto-submitted", graphsim.Mail{From: "a@x.example", Headers: []graphsim.Header{{Name: "auto-submitted", Value: "auto-generated"}}}, "automatic reply (Auto-Submitted: auto-generated)"},
		{"auto-submitted no", graphsim.Mail{From: "b@x.example", Headers: []graphsim.Header{{Name: "Auto-Submitted", Value: "no"}}}, ""},
		{"auto response suppress", graphsim.Mail{From: "c@x.example", Headers: []graphsim.Header{{Name: "X-Auto-Response-Suppress", Value: "OOF, AutoReply"}}}, "X-Auto-Response-Suppress: OOF, AutoReply"},
		{"outlook automatic reply", graphsim.Mail{From: "d@x.example", Class: "IPM.Note.Rules.ReplyTemplate.Microsoft"}, "automatic reply (Outlook message class"},
		{"ndr", graphsim.Mail{From: "e@x.example", Class: "REPORT.IPM.Note.NDR"}, "bounce"},
		{"postmaster", graphsim.Mail{From: "postmaster@x.example"}, "bounce"},
		{"delivery status report", graphsim.Mail{From: "f@x.example", Headers: []graphsim.Header{{Name: "Content-Type", Value: "multipart/report; report-type=delivery-status"}}}, "bounce"},
		{"the mailbox itself", graphsim.Mail{From: mb}, "sent by the support mailbox itself"},
		{"second from one sender", graphsim.Mail{From: "dana@fabrikam.example", Subject: "Again"}, ""},
		{"third from one sender", graphsim.Mail{From: "dana@fabrikam.example", Subject: "And again"}, "more than 2 mails within an hour"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := sim.Receive(mb, tt.mail)
			if err != nil {
				t.Fatal(err)
			}
			_, skip, err := c.Screen(ctxT(t), m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if (tt.skip == "") != (skip == "") || !strings.Contains(skip, tt.skip) {
				t.Fatalf("skip %q, want %q", skip, tt.skip)
			}
			got, _ := sim.Message(m.ID)
			if marked := slices.Contains(got.Categories, graph.SkippedCategory); marked != (skip != "" && tt.mail.From != mb) {
				t.Fatalf("categories %v after screening", got.Categories)
			}
		})
	}
}

// A reply goes to the requester and those they copied, never to the
// mailbox; the closing reply is sent once however often the close is
// repeated, and not at all when none is configured.
func TestRepliesAndClosingReply(t *testing.T) {
	sim := graphsim.New(t)
	mb := sim.Integration.Mailbox
	raw := sim.Credentials(sim.Integration)
	raw["closingReply"] = "Closed, thank you."
	c := clientWith(t, raw)
	silent := clientFor(t, sim, sim.Integration)
	ctx := ctxT(t)
	head, err := sim.Receive(mb, graphsim.Mail{From: "dana@fabrikam.example", To: []string{mb, "it@fabrikam.example"}, Cc: []string{"lee@fabrikam.example", mb}, Subject: "Help", Text: "Please."})
	if err != nil {
		t.Fatal(err)
	}
	n, err := c.AddNote(ctx, head.ID, platform.Note{Body: "On it.", Public: true})
	if err != nil {
		t.Fatal(err)
	}
	sent, _ := sim.Message(n.ID)
	if !slices.Equal(sent.To, []string{"dana@fabrikam.example"}) || !slices.Equal(sent.Cc, []string{"it@fabrikam.example", "lee@fabrikam.example"}) || sent.Folder != "sentitems" {
		t.Fatalf("reply to %v cc %v in %s", sent.To, sent.Cc, sent.Folder)
	}
	for range 2 {
		if err := c.CloseTicket(ctx, head.ID, ""); err != nil {
			t.Fatal(err)
		}
	}
	other, _ := sim.Receive(mb, graphsim.Mail{From: "sam@fabrikam.example", Subject: "Other", Text: "x"})
	if err := silent.CloseTicket(ctx, other.ID, ""); err != nil {
		t.Fatal(err)
	}
	closing := 0
	for _, m := range sim.Messages(mb) {
		if strings.Contains(m.Body, "Closed, thank you.") {
			closing++
			if m.ConversationID != head.ConversationID {
				t.Fatalf("closing reply in another conversation: %+v", m)
			}
		}
	}
	if closing != 1 {
		t.Fatalf("%d closing replies, want 1", closing)
	}
}

// ChangesSince returns what arrived since a delta link, once.
func TestChangesSince(t *testing.T) {
	sim := graphsim.New(t)
	c := clientFor(t, sim, sim.Integration)
	ctx := ctxT(t)
	mb := sim.Integration.Mailbox
	base, err := c.ChangesSince(ctx, "")
	if err != nil || base.DeltaLink == "" || len(base.MessageIDs) != 1 {
		t.Fatalf("first round %+v, %v: want the seeded mail and a delta link", base, err)
	}
	var want []string
	for i := range 12 { // more than a page
		m, err := sim.Receive(mb, graphsim.Mail{From: "x@fabrikam.example", Subject: "n" + strings.Repeat("!", i)})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, m.ID)
	}
	got, err := c.ChangesSince(ctx, base.DeltaLink)
	if err != nil || !slices.Equal(sorted(got.MessageIDs), sorted(want)) || got.DeltaLink == base.DeltaLink {
		t.Fatalf("changes %v (link %q), %v: want the 12 new mails and a new link", got.MessageIDs, got.DeltaLink, err)
	}
	again, err := c.ChangesSince(ctx, got.DeltaLink)
	if err != nil || len(again.MessageIDs) != 0 {
		t.Fatalf("changes after catching up: %v, %v", again.MessageIDs, err)
	}
	_, err = c.ChangesSince(ctx, "https://evil.example/v1.0/delta?$deltatoken=x")
	platformErr(t, err, platform.ReasonInvalid)
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

package localrun_test

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/localrun"
	"github.com/tandemsync/tandem/pkg/platform"
)

// The Autotask customer and Halo MSP of the make dev demo; each side says
// how the partner's changes land in its own platform.
var autotaskFromHalo, haloFromAutotask = localrun.DemoConfigs()

// A Halo customer escalating to a ConnectWise MSP.
var (
	connectwiseFromHalo = integration.Config{
		StatusMappings:     []integration.Mapping{{Partner: "1", Mine: "1"}, {Partner: "2", Mine: "2"}, {Partner: "4", Mine: "3"}, {Partner: "9", Mine: "5"}},
		DefaultStatus:      "1",
		PriorityMappings:   []integration.Mapping{{Partner: "1", Mine: "1"}, {Partner: "2", Mine: "2"}, {Partner: "3", Mine: "3"}, {Partner: "4", Mine: "4"}},
		TicketTypeMappings: []integration.Mapping{{Partner: "1", Mine: "20"}, {Partner: "21", Mine: "21"}},
		DefaultTicketType:  "20",
		Board:              "1",
		Account:            "250",
		FieldMappings:      []integration.Mapping{{Partner: integration.FieldSummary, Mine: integration.FieldSummary}},
		ActionMappings:     []integration.ActionMapping{{Partner: "5", Mine: "resolution"}},
		DefaultAction:      "resolution",
		Outbound:           integration.Outbound{Attachments: true, Actions: []string{"discussion", "internal"}},
	}
	haloFromConnectWise = integration.Config{
		StatusMappings:   []integration.Mapping{{Partner: "1", Mine: "1"}, {Partner: "2", Mine: "2"}, {Partner: "3", Mine: "4"}, {Partner: "5", Mine: "9"}},
		PriorityMappings: []integration.Mapping{{Partner: "1", Mine: "1"}, {Partner: "2", Mine: "2"}, {Partner: "3", Mine: "3"}, {Partner: "4", Mine: "4"}},
		ActionMappings:   []integration.ActionMapping{{Partner: "discussion", Mine: "3"}, {Partner: "internal", Mine: "1"}},
		DefaultAction:    "1",
		Outbound:         integration.Outbound{Attachments: true, Actions: []string{"5"}},
		Escalation:       integration.EscalationRule{Queues: []string{"2"}},
	}
)

// A ConnectWise customer escalating to an Autotask MSP.
var (
	autotaskFromConnectWise = integration.Config{
		StatusMappings:     []integration.Mapping{{Partner: "1", Mine: "1"}, {Partner: "2", Mine: "8"}, {Partner: "3", Mine: "7"}, {Partner: "5", Mine: "5"}},
		DefaultStatus:      "1",
		PriorityMappings:   []integration.Mapping{{Partner: "1", Mine: "4"}, {Partner: "2", Mine: "1"}, {Partner: "3", Mine: "2"}, {Partner: "4", Mine: "3"}},
		TicketTypeMappings: []integration.Mapping{{Partner: "20", Mine: "2"}, {Partner: "21", Mine: "1"}},
		DefaultTicketType:  "2",
		FieldMappings:      []integration.Mapping{{Partner: integration.FieldSummary, Mine: integration.FieldSummary}},
		ActionMappings:     []integration.ActionMapping{{Partner: "discussion", Mine: "2"}, {Partner: "internal", Mine: "2"}},
		DefaultAction:      "2",
		Outbound:           integration.Outbound{Attachments: true, Actions: []string{"3"}},
	}
	connectwiseFromAutotask = integration.Config{
		StatusMappings:   []integration.Mapping{{Partner: "1", Mine: "1"}, {Partner: "8", Mine: "2"}, {Partner: "7", Mine: "3"}, {Partner: "5", Mine: "5"}},
		PriorityMappings: []integration.Mapping{{Partner: "4", Mine: "1"}, {Partner: "1", Mine: "2"}, {Partner: "2", Mine: "3"}, {Partner: "3", Mine: "4"}},
		ActionMappings:   []integration.ActionMapping{{Partner: "3", Mine: "resolution"}},
		DefaultAction:    "resolution",
		Outbound:         integration.Outbound{Attachments: true, Actions: []string{"discussion", "internal"}},
		Escalation:       integration.EscalationRule{Queues: []string{"1"}},
	}
)

// pair is one direction of the end-to-end scenario, in the simulators' ids.
type pair struct {
	name                   string
	src, dst               platform.Kind
	srcCfg, dstCfg         integration.Config
	escalate, stayHome     platform.Ticket
	want                   platform.Ticket // Status, Priority, Type on the partner
	srcNote, dstNote       string          // note kinds each side's agents use
	dstStatus, wantSrcStat string          // a partner status change and what the source shows
	unmappedSrcStatus      string
	srcClosedStatus        string // the source's status once the partner closed
}

var pairs = []pair{
	{
		name: "Autotask to Halo", src: platform.Autotask, dst: platform.Halo,
		srcCfg: autotaskFromHalo, dstCfg: haloFromAutotask,
		escalate: platform.Ticket{Summary: "Printer on floor 3 jams", Description: "Every job since Monday", Queue: "29682969", Priority: "1", Status: "1", Type: "2"},
		stayHome: platform.Ticket{Summary: "Local only", Queue: "5", Priority: "2", Status: "1", Type: "2"},
		want:     platform.Ticket{Status: "1", Priority: "2", Type: "1"},
		srcNote:  "3", dstNote: "5",
		dstStatus: "2", wantSrcStat: "8",
		unmappedSrcStatus: "9", srcClosedStatus: "5",
	},
	{
		name: "Halo to ConnectWise", src: platform.Halo, dst: platform.ConnectWise,
		srcCfg: haloFromConnectWise, dstCfg: connectwiseFromHalo,
		escalate: platform.Ticket{Summary: "VPN drops every hour", Description: "Since the router swap", Queue: "2", Priority: "2", Status: "1", Type: "1"},
		stayHome: platform.Ticket{Summary: "Local only", Queue: "1", Priority: "3", Status: "1", Type: "1"},
		want:     platform.Ticket{Status: "1", Priority: "2", Type: "20"},
		srcNote:  "5", dstNote: "discussion",
		dstStatus: "2", wantSrcStat: "2",
		unmappedSrcStatus: "3", srcClosedStatus: "9",
	},
	{
		name: "ConnectWise to Autotask", src: platform.ConnectWise, dst: platform.Autotask,
		srcCfg: connectwiseFromAutotask, dstCfg: autotaskFromConnectWise,
		escalate: platform.Ticket{Summary: "Mailbox full for finance", Description: "Quota warning every day", Queue: "1", Priority: "2", Status: "1", Type: "20", Account: "250"},
		stayHome: platform.Ticket{Summary: "Local only", Queue: "2", Priority: "3", Status: "7", Type: "23", Account: "250"},
		want:     platform.Ticket{Status: "1", Priority: "1", Type: "2"},
		srcNote:  "discussion", dstNote: "3",
		dstStatus: "8", wantSrcStat: "2",
		unmappedSrcStatus: "4", srcClosedStatus: "5",
	},
}

func (p pair) world(t *testing.T, o worldOptions) *world {
	w := newWorld(t, p.src, p.dst, o)
	w.configure("msp", p.dstCfg)
	w.configure("cust", p.srcCfg)
	return w
}

func TestEndToEnd(t *testing.T) {
	for _, p := range pairs {
		t.Run(p.name, func(t *testing.T) {
			ctx := context.Background()
			w := p.world(t, worldOptions{})
			src, dst := w.source.agent, w.target.agent

			// Escalation creates exactly one partner ticket with mapped fields;
			// a ticket outside the rule stays home.
			if _, err := src.CreateTicket(ctx, p.stayHome); err != nil {
				t.Fatal(err)
			}
			st, dt := w.escalated(p)
			if dt.Summary != p.escalate.Summary || dt.Status != p.want.Status || dt.Priority != p.want.Priority || dt.Type != p.want.Type {
				t.Fatalf("partner ticket %+v, want summary %q and %+v", dt, p.escalate.Summary, p.want)
			}

			// Public and private notes cross both ways with visibility kept.
			mustNote(t, src, st.ID, platform.Note{Kind: p.srcNote, Body: "Customer: started after the update", Public: true})
			mustNote(t, src, st.ID, platform.Note{Kind: p.srcNote, Body: "Customer internal: warranty expired", Public: false})
			w.settle()
			assertNotes(t, dst, dt.ID, map[string]bool{"Customer: started after the update": true, "Customer internal: warranty expired": false})
			mustNote(t, dst, dt.ID, platform.Note{Kind: p.dstNote, Body: "MSP: engineer booked for Thursday", Public: true})
			mustNote(t, dst, dt.ID, platform.Note{Kind: p.dstNote, Body: "MSP internal: order a spare", Public: false})
			w.settle()
			assertNotes(t, src, st.ID, map[string]bool{"MSP: engineer booked for Thursday": true, "MSP internal: order a spare": false})
			assertNotes(t, dst, dt.ID, map[string]bool{"Customer: started after the update": true, "MSP: engineer booked for Thursday": true})

			// A status change maps back; an unmapped one is skipped and logged.
			if err := dst.UpdateTicket(ctx, dt.ID, platform.TicketUpdate{Status: ptr(p.dstStatus)}); err != nil {
				t.Fatal(err)
			}
			w.settle()
			if got, _ := src.GetTicket(ctx, st.ID); got.Status != p.wantSrcStat {
				t.Fatalf("source status after partner moved to %s = %q, want %s", p.dstStatus, got.Status, p.wantSrcStat)
			}
			if err := src.UpdateTicket(ctx, st.ID, platform.TicketUpdate{Status: ptr(p.unmappedSrcStatus)}); err != nil {
				t.Fatal(err)
			}
			w.settle()
			if got, _ := dst.GetTicket(ctx, dt.ID); got.Status != p.dstStatus {
				t.Fatalf("partner status moved on an unmapped change: %q", got.Status)
			}
			if !logHas(w.log("msp", st.ID), "skipped", fmt.Sprintf("status %q", p.unmappedSrcStatus)) {
				t.Fatalf("unmapped status not logged as skipped: %v", w.log("msp", ""))
			}

			// Attachments cross when the sender syncs them; some platforms fire
			// no webhook for a file alone, so it rides with the next note.
			if _, err := src.AddAttachment(ctx, st.ID, platform.Attachment{Name: "error.log", ContentType: "text/plain", Data: []byte("E42 paper path"), Public: true}); err != nil {
				t.Fatal(err)
			}
			mustNote(t, src, st.ID, platform.Note{Kind: p.srcNote, Body: "Log attached", Public: true})
			w.settle()
			if names := fileNames(t, dst, dt.ID); len(names) != 1 || names[0] != "error.log" {
				t.Fatalf("partner attachments %v, want [error.log]", names)
			}

			// Closing on the partner closes the source through the mapping.
			if err := dst.CloseTicket(ctx, dt.ID, ""); err != nil {
				t.Fatal(err)
			}
			w.settle()
			if got, _ := src.GetTicket(ctx, st.ID); got.Status != p.srcClosedStatus {
				t.Fatalf("source status after the partner closed = %q, want %s", got.Status, p.srcClosedStatus)
			}
			w.assertOneTicketEachSide()
		})
	}
}

// With attachment sync off on the sending side, files stay home.
func TestAttachmentsStayWhenDisabled(t *testing.T) {
	ctx := context.Background()
	p := pairs[0]
	p.srcCfg.Outbound.Attachments = false
	w := p.world(t, worldOptions{})
	st, dt := w.escalated(p)
	if _, err := w.source.agent.AddAttachment(ctx, st.ID, platform.Attachment{Name: "secret.xlsx", Data: []byte("salaries"), Public: true}); err != nil {
		t.Fatal(err)
	}
	mustNote(t, w.source.agent, st.ID, platform.Note{Kind: p.srcNote, Body: "Spreadsheet attached", Public: true})
	w.settle()
	assertNotes(t, w.target.agent, dt.ID, map[string]bool{"Spreadsheet attached": true})
	if names := fileNames(t, w.target.agent, dt.ID); len(names) != 0 {
		t.Fatalf("attachments crossed although disabled: %v", names)
	}
}

func fileNames(t *testing.T, c platform.Client, ticketID string) []string {
	t.Helper()
	files, err := c.ListAttachments(context.Background(), ticketID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
	}
	return names
}

// mustNote adds a note as an agent would, trying again after a failure that
// saved nothing (the fault tests' server errors are refusals of the whole
// request): a note is not idempotent, so the client does not retry it.
func mustNote(t *testing.T, c platform.Client, ticketID string, n platform.Note) {
	t.Helper()
	var err error
	for range 5 {
		if _, err = c.AddNote(context.Background(), ticketID, n); !platform.IsTemporary(err) {
			break
		}
	}
	if err != nil {
		t.Fatalf("add note: %v", err)
	}
}

// assertNotes checks that every body appears exactly once with the given
// visibility.
func assertNotes(t *testing.T, c platform.Client, ticketID string, want map[string]bool) {
	t.Helper()
	notes, err := c.ListNotes(context.Background(), ticketID, timeZero)
	if err != nil {
		t.Fatal(err)
	}
	for body, public := range want {
		n := 0
		for _, note := range notes {
			if strings.Contains(note.Body, body) {
				n++
				if note.Public != public {
					t.Errorf("note %q public=%v, want %v", body, note.Public, public)
				}
			}
		}
		if n != 1 {
			t.Errorf("note %q appears %d times, want 1 (notes: %+v)", body, n, notes)
		}
	}
}

func logHas(entries []map[string]any, outcome, what string) bool {
	for _, e := range entries {
		if e["outcome"] == outcome && strings.Contains(e["what"].(string), what) {
			return true
		}
	}
	return false
}

// The settings page's connection test runs the platform's real
// authentication against each simulator.
func TestConnectionTestAgainstEachPlatform(t *testing.T) {
	w := pairs[0].world(t, worldOptions{})
	for _, kind := range []platform.Kind{platform.Autotask, platform.ConnectWise, platform.Halo, platform.Graph} {
		t.Run(string(kind), func(t *testing.T) {
			creds, _ := w.r.Sims.IntegrationCredentials(kind)
			org := "tester-" + string(kind)
			w.mustAPI(org, "PUT", "/v1/settings/platform", map[string]any{"platform": kind, "credentials": creds}, 200)
			if res := w.mustAPI(org, "POST", "/v1/settings/platform/test", nil, 200); res["status"] != "Connection tested" {
				t.Fatalf("right credentials: %v", res)
			}
			wrong := maps.Clone(creds)
			for _, f := range []string{"secret", "privateKey", "clientSecret"} {
				if _, ok := wrong[f]; ok {
					wrong[f] = "wrong-" + wrong[f]
				}
			}
			w.mustAPI(org, "PUT", "/v1/settings/platform", map[string]any{"platform": kind, "credentials": wrong}, 200)
			res := w.mustAPI(org, "POST", "/v1/settings/platform/test", nil, 200)
			if res["status"] != "Test failed" || res["reasonCode"] != "authentication_failed" || !strings.Contains(res["reason"].(string), "Authentication failed") {
				t.Fatalf("wrong credentials: %v", res)
			}
			got := w.mustAPI(org, "GET", "/v1/settings/platform", nil, 200)
			if last := got["lastTest"].(map[string]any); last["status"] != "Test failed" {
				t.Fatalf("last test not recorded: %v", got)
			}
		})
	}
}

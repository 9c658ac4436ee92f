package localrun_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
)

// Configurations of the simulators' seeded picklists. Each side says how
// the partner's changes land in its own platform.
var (
	// A Halo MSP receiving from an Autotask customer.
	haloFromAutotask = integration.Config{
		StatusMappings:     []integration.Mapping{{Partner: "1", Mine: "1"}, {Partner: "8", Mine: "2"}, {Partner: "7", Mine: "4"}, {Partner: "5", Mine: "9"}},
		DefaultStatus:      "1",
		PriorityMappings:   []integration.Mapping{{Partner: "4", Mine: "1"}, {Partner: "1", Mine: "2"}, {Partner: "2", Mine: "3"}, {Partner: "3", Mine: "4"}},
		TicketTypeMappings: []integration.Mapping{{Partner: "2", Mine: "1"}, {Partner: "1", Mine: "21"}},
		DefaultTicketType:  "1",
		FieldMappings:      []integration.Mapping{{Partner: integration.FieldSummary, Mine: integration.FieldSummary}},
		// Autotask "Task Notes" (3) land as Halo "Public Note" (3), visibility kept.
		ActionMappings: []integration.ActionMapping{{Partner: "3", Mine: "3"}},
		DefaultAction:  "1",
		// Halo "Partner Update" (5) goes back to the customer.
		Outbound: integration.Outbound{Attachments: true, Actions: []string{"5"}},
	}
	// The Autotask customer receiving the MSP's updates.
	autotaskFromHalo = integration.Config{
		StatusMappings:   []integration.Mapping{{Partner: "1", Mine: "1"}, {Partner: "2", Mine: "8"}, {Partner: "4", Mine: "7"}, {Partner: "9", Mine: "5"}},
		PriorityMappings: []integration.Mapping{{Partner: "1", Mine: "4"}, {Partner: "2", Mine: "1"}, {Partner: "3", Mine: "2"}, {Partner: "4", Mine: "3"}},
		ActionMappings:   []integration.ActionMapping{{Partner: "5", Mine: "2"}},
		DefaultAction:    "2",
		Outbound:         integration.Outbound{Attachments: true, Actions: []string{"3"}},
		// Tickets in "Level II Support" are escalated to the MSP.
		Escalation: integration.EscalationRule{Queues: []string{"29682969"}},
	}
)

const levelII = "29682969"

func autotaskToHalo(t *testing.T, o worldOptions) *world {
	w := newWorld(t, platform.Autotask, platform.Halo, o)
	w.configure("msp", haloFromAutotask)
	w.configure("cust", autotaskFromHalo)
	return w
}

func TestAutotaskToHaloEndToEnd(t *testing.T) {
	ctx := context.Background()
	w := autotaskToHalo(t, worldOptions{})
	at, halo := w.source.agent, w.target.agent

	// A ticket outside the escalation rule stays home.
	if _, err := at.CreateTicket(ctx, platform.Ticket{Summary: "Local only", Queue: "5", Priority: "2", Status: "1", Type: "2"}); err != nil {
		t.Fatal(err)
	}
	src, err := at.CreateTicket(ctx, platform.Ticket{Summary: "Printer on floor 3 jams", Description: "Every job since Monday", Queue: levelII, Priority: "1", Status: "1", Type: "2"})
	if err != nil {
		t.Fatal(err)
	}
	w.settle()
	hts := w.r.Sims.Halo.Tickets()
	if len(hts) != 1 {
		t.Fatalf("Halo has %d tickets, want exactly 1", len(hts))
	}
	ht, err := halo.GetTicket(ctx, itoa(hts[0].ID))
	if err != nil {
		t.Fatal(err)
	}
	if ht.Summary != "Printer on floor 3 jams" || ht.Priority != "2" || ht.Status != "1" || ht.Type != "1" {
		t.Fatalf("partner ticket fields: %+v", ht)
	}

	// Notes cross both ways and keep their visibility.
	mustNote(t, at, src.ID, platform.Note{Kind: "3", Body: "Customer says it started after the firmware update", Public: true})
	mustNote(t, at, src.ID, platform.Note{Kind: "3", Body: "Internal: warranty expired", Public: false})
	w.settle()
	assertNotes(t, halo, ht.ID, map[string]bool{"Customer says it started after the firmware update": true, "Internal: warranty expired": false})

	mustNote(t, halo, ht.ID, platform.Note{Kind: "5", Body: "Engineer booked for Thursday", Public: true})
	mustNote(t, halo, ht.ID, platform.Note{Kind: "5", Body: "MSP internal: order a fuser", Public: false})
	w.settle()
	assertNotes(t, at, src.ID, map[string]bool{"Engineer booked for Thursday": true, "MSP internal: order a fuser": false})

	// Status changes map both ways; an unmapped one is skipped and logged.
	if err := halo.UpdateTicket(ctx, ht.ID, platform.TicketUpdate{Status: ptr("2")}); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if got, _ := at.GetTicket(ctx, src.ID); got.Status != "8" {
		t.Fatalf("Autotask status after Halo In Progress = %q, want 8", got.Status)
	}
	if err := at.UpdateTicket(ctx, src.ID, platform.TicketUpdate{Status: ptr("9")}); err != nil { // Waiting Materials: unmapped
		t.Fatal(err)
	}
	w.settle()
	if got, _ := halo.GetTicket(ctx, ht.ID); got.Status != "2" {
		t.Fatalf("Halo status moved on an unmapped change: %q", got.Status)
	}
	if !logHas(w.log("msp", src.ID), "skipped", `status "9"`) {
		t.Fatalf("unmapped status not logged as skipped: %v", w.log("msp", ""))
	}

	// Attachments cross when the sender syncs them.
	// Autotask fires no webhook for a new attachment: it crosses with the
	// next change of the ticket, here the note that mentions it.
	if _, err := at.AddAttachment(ctx, src.ID, platform.Attachment{Name: "error.log", ContentType: "text/plain", Data: []byte("E42 paper path"), Public: true}); err != nil {
		t.Fatal(err)
	}
	mustNote(t, at, src.ID, platform.Note{Kind: "3", Body: "Log attached", Public: true})
	w.settle()
	files, err := halo.ListAttachments(ctx, ht.ID)
	if err != nil || len(files) != 1 || files[0].Name != "error.log" {
		t.Fatalf("Halo attachments: %+v %v", files, err)
	}

	// Closing on Halo closes Autotask through the status mapping.
	if err := halo.CloseTicket(ctx, ht.ID, ""); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if got, _ := at.GetTicket(ctx, src.ID); got.Status != "5" {
		t.Fatalf("Autotask status after Halo closed = %q, want 5 (Complete)", got.Status)
	}
	if n := len(w.r.Sims.Halo.Tickets()); n != 1 {
		t.Fatalf("Halo ended with %d tickets", n)
	}
}

func mustNote(t *testing.T, c platform.Client, ticketID string, n platform.Note) {
	t.Helper()
	if _, err := c.AddNote(context.Background(), ticketID, n); err != nil {
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

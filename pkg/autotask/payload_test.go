package autotask

import (
	"os"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
)

// A ticket payload is the ticket only when it has every synced field (the
// webhook displays them always, RegisterWebhook); the vendor's sample with
// two changed fields is a notice, and the ticket is read.
func TestPayloadCarriesTheWholeTicketOrNothing(t *testing.T) {
	sample, err := os.ReadFile("testdata/webhook-ticket-update.json")
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		body   string
		ticket *platform.Ticket
		note   *platform.Note
	}{
		{"vendor sample: changed fields only", string(sample), nil, nil},
		{"every synced field displayed",
			`{"Action":"Update","Guid":"g","EntityType":"Ticket","Id":48231,"Fields":{"title":"Printer offline","description":"Floor 3","status":5,"priority":2,"queueID":29682969,"ticketType":2,"ticketCategory":null,"dueDateTime":"2026-11-26T17:00:00Z","ticketNumber":"T20261125.0042"},"SequenceNumber":17,"PersonID":29682886}`,
			&platform.Ticket{ID: "48231", Number: "T20261125.0042", Summary: "Printer offline", Description: "Floor 3", Status: "5", Priority: "2",
				Queue: "29682969", Type: "2", TargetDate: &due, Closed: true}, nil},
		{"one synced field missing",
			`{"Action":"Update","Guid":"g","EntityType":"Ticket","Id":48231,"Fields":{"title":"Printer offline","status":5,"priority":2,"queueID":29682969,"ticketType":2,"ticketCategory":null,"dueDateTime":null},"SequenceNumber":18,"PersonID":1}`,
			nil, nil},
		{"note with its fields",
			`{"Action":"Create","Guid":"g","EntityType":"TicketNote","Id":501,"Fields":{"TicketID":48231,"publish":1,"title":"Call","description":"Rebooted it","noteType":3},"EventTime":"2026-11-25T14:03:07Z","SequenceNumber":4,"PersonID":29682886}`,
			nil, &platform.Note{ID: "501", TicketID: "48231", Kind: "3", Title: "Call", Body: "Rebooted it", Public: true, AuthorID: "29682886",
				CreatedAt: time.Date(2026, 11, 25, 14, 3, 7, 0, time.UTC)}},
		{"note without its text",
			`{"Action":"Create","Guid":"g","EntityType":"TicketNote","Id":502,"Fields":{"TicketID":48231,"publish":1,"title":null},"SequenceNumber":5,"PersonID":1}`,
			nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			evs, err := ParseWebhook([]byte(tc.body))
			if err != nil || len(evs) != 1 {
				t.Fatalf("ParseWebhook: %v %+v", err, evs)
			}
			ev := evs[0]
			switch {
			case tc.ticket == nil && ev.Ticket != nil:
				t.Errorf("a notice carried a ticket: %+v", *ev.Ticket)
			case tc.ticket != nil && ev.Ticket == nil:
				t.Errorf("no ticket carried, want %+v", *tc.ticket)
			case tc.ticket != nil:
				g, w := *ev.Ticket, *tc.ticket
				if g.TargetDate == nil || !g.TargetDate.Equal(*w.TargetDate) {
					t.Errorf("target date %v, want %v", g.TargetDate, w.TargetDate)
				}
				g.TargetDate, w.TargetDate = nil, nil
				if g.ID != w.ID || g.Number != w.Number || g.Summary != w.Summary || g.Description != w.Description || g.Status != w.Status ||
					g.Priority != w.Priority || g.Queue != w.Queue || g.Type != w.Type || g.Category != w.Category || g.Closed != w.Closed {
					t.Errorf("ticket %+v, want %+v", g, w)
				}
				if !ev.NoCustom {
					t.Error("NoCustom unset: Autotask payloads carry no user-defined fields")
				}
			}
			switch {
			case tc.note == nil && ev.Note != nil:
				t.Errorf("carried a note: %+v", *ev.Note)
			case tc.note != nil && (ev.Note == nil || *ev.Note != *tc.note):
				t.Errorf("note %+v, want %+v", ev.Note, *tc.note)
			}
		})
	}
}

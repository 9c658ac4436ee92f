package autotask

import (
	"errors"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
)

func TestParseWebhook(t *testing.T) {
	tests := []struct {
		name string
		body string
		want platform.Event
	}{
		{"ticket updated", sampleDelivery, platform.Event{Type: platform.EventTicketUpdated, TicketID: "48231", ActorID: "29682886", Sequence: 17,
			OccurredAt: time.Date(2026, 11, 25, 14, 3, 7, 123e6, time.UTC), Fields: map[string]string{"status": "8", "title": "Printer offline", "priority": "2"}}},
		{"ticket created, PersonId casing, string id", `{"action":"Create","guid":"g","entityType":"Ticket","id":"77","fields":{},"eventTime":"2026-11-25T14:03:07Z","sequenceNumber":1,"PersonId":"42"}`,
			platform.Event{Type: platform.EventTicketCreated, TicketID: "77", ActorID: "42", Sequence: 1, OccurredAt: time.Date(2026, 11, 25, 14, 3, 7, 0, time.UTC), Fields: map[string]string{}}},
		{"ticket deleted, plural entity, no time zone", `{"ACTION":"Delete","Guid":"g","EntityType":"Tickets","Id":9,"EventTime":"2026-11-25T14:03:07.5","SequenceNumber":3,"PersonID":5}`,
			platform.Event{Type: platform.EventTicketDeleted, TicketID: "9", ActorID: "5", Sequence: 3, OccurredAt: time.Date(2026, 11, 25, 14, 3, 7, 5e8, time.UTC)}},
		{"note created", `{"Action":"Create","Guid":"g","EntityType":"TicketNote","Id":501,"Fields":{"TicketID":48231,"publish":1,"title":null},"SequenceNumber":4,"PersonID":29682886}`,
			platform.Event{Type: platform.EventNoteCreated, TicketID: "48231", NoteID: "501", ActorID: "29682886", Sequence: 4, Fields: map[string]string{"TicketID": "48231", "publish": "1", "title": ""}}},
		{"webhook deactivated", `{"Action":"Deactivated","Guid":"g","EntityType":"Ticket","Id":3001}`,
			platform.Event{Type: platform.EventWebhookDeactivated}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, err := ParseWebhook([]byte(tt.body))
			if err != nil {
				t.Fatalf("ParseWebhook: %v", err)
			}
			if len(evs) != 1 {
				t.Fatalf("events = %+v", evs)
			}
			g, w := evs[0], tt.want
			if g.Platform != platform.Autotask || g.Type != w.Type || g.TicketID != w.TicketID || g.NoteID != w.NoteID ||
				g.ActorID != w.ActorID || g.Sequence != w.Sequence || !g.OccurredAt.Equal(w.OccurredAt) || g.DeliveryID == "" {
				t.Errorf("event = %+v, want %+v", g, w)
			}
			for k, v := range w.Fields {
				if g.Fields[k] != v {
					t.Errorf("field %s = %q, want %q", k, g.Fields[k], v)
				}
			}
		})
	}
}

func TestParseWebhookRefuses(t *testing.T) {
	tests := []struct {
		name string
		body string
		want error
	}{
		{"company event", `{"Action":"Update","EntityType":"Company","Id":1}`, ErrUnknownEvent},
		{"note updated", `{"Action":"Update","EntityType":"TicketNote","Id":1}`, ErrUnknownEvent},
		{"no action", `{"EntityType":"Ticket","Id":1}`, ErrUnknownEvent},
		{"not json", `Action=Update`, ErrMalformedWebhook},
		{"array", `[{"Action":"Update"}]`, ErrMalformedWebhook},
		{"missing id", `{"Action":"Update","EntityType":"Ticket"}`, ErrMalformedWebhook},
		{"negative id", `{"Action":"Update","EntityType":"Ticket","Id":-4}`, ErrMalformedWebhook},
		{"fields not an object", `{"Action":"Update","EntityType":"Ticket","Id":4,"Fields":[1]}`, ErrMalformedWebhook},
		{"sequence not a number", `{"Action":"Update","EntityType":"Ticket","Id":4,"SequenceNumber":"x"}`, ErrMalformedWebhook},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseWebhook([]byte(tt.body))
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestDeliveryIDDistinguishesDeliveries(t *testing.T) {
	a := `{"Action":"Update","Guid":"g","EntityType":"Ticket","Id":9,"SequenceNumber":3,"PersonID":5}`
	b := `{"Action":"Update","Guid":"g","EntityType":"Ticket","Id":9,"SequenceNumber":4,"PersonID":5}`
	c := `{"Action":"Update","Guid":"h","EntityType":"Ticket","Id":9,"SequenceNumber":3,"PersonID":5}`
	// The same delivery, re-serialised with other key order and spacing.
	a2 := `{ "PersonID":5, "SequenceNumber":3, "Id":9, "EntityType":"Ticket", "Guid":"g", "Action":"Update" }`
	id := func(s string) string {
		evs, err := ParseWebhook([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return evs[0].DeliveryID
	}
	if id(a) != id(a2) {
		t.Error("same delivery, different ids")
	}
	if id(a) == id(b) || id(a) == id(c) {
		t.Error("different deliveries share an id")
	}
	if len(id(a)) > 128 {
		t.Errorf("delivery id %q too long for an SQS deduplication id", id(a))
	}
}

package autotask

import (
	"errors"
	"fmt"
	"testing"
)

// Autotask ids start at 1: a delivery naming ticket 0 (or a negative id) is
// malformed, never an event about a ticket.
func TestTicketIDMustBePositive(t *testing.T) {
	for _, id := range []string{"0", "-4", `"0"`} {
		body := `{"Action":"Update","Guid":"g-1","EntityType":"Ticket","Id":` + id + `,"Fields":{"status":8},"SequenceNumber":3}`
		if evs, err := ParseWebhook([]byte(body)); !errors.Is(err, ErrMalformedWebhook) {
			t.Errorf("Id %s: %+v, %v, want %v", id, evs, err, ErrMalformedWebhook)
		}
	}
	evs, err := ParseWebhook([]byte(`{"Action":"Update","Guid":"g-1","EntityType":"Ticket","Id":1,"Fields":{"status":8},"SequenceNumber":3}`))
	if err != nil || len(evs) != 1 || evs[0].TicketID != "1" {
		t.Fatalf("Id 1: %+v, %v", evs, err)
	}
}

// Without a sequence number or an event time, two deliveries about the same
// ticket differ only in their bodies: their delivery ids must differ too, or
// the queue's deduplication would drop the second change. With either one,
// the id does not depend on the body's bytes.
func TestDeliveryIDWithoutSequenceOrTimeCoversTheBody(t *testing.T) {
	id := func(body string) string {
		t.Helper()
		evs, err := ParseWebhook([]byte(body))
		if err != nil || len(evs) != 1 {
			t.Fatalf("%s: %+v, %v", body, evs, err)
		}
		return evs[0].DeliveryID
	}
	bare := `{"Action":"Update","Guid":"g-1","EntityType":"Ticket","Id":1018,"Fields":{"status":%s}}`
	if a, b := id(fmt.Sprintf(bare, "8")), id(fmt.Sprintf(bare, "5")); a == b {
		t.Fatalf("two different deliveries without sequence or time share delivery id %s", a)
	}
	timed := `{"Action":"Update","Guid":"g-1","EntityType":"Ticket","Id":1018,"EventTime":"2026-11-25T10:00:00Z",%s"Fields":{"status":8}}`
	if a, b := id(fmt.Sprintf(timed, "")), id(fmt.Sprintf(timed, `"Extra":1,`)); a != b {
		t.Fatalf("one delivery with an event time got two delivery ids: %s, %s", a, b)
	}
}

package autotask

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
)

// signFor is written here independently of the package's own HMAC code.
func signFor(secret, body string) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(body))
	return "sha1=" + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

const sampleDelivery = `{"Action":"Update","Guid":"3f2c6a0e9b1d4c8fa2e7b5d9c0a1e3f4","EntityType":"Ticket","Id":48231,` +
	`"Fields":{"status":8,"title":"Printer offline","priority":2},"EventTime":"2026-11-25T14:03:07.123Z","SequenceNumber":17,"PersonID":29682886}`

func request(sig, body string) platform.WebhookRequest {
	h := http.Header{}
	if sig != "" {
		h.Set("X-Hook-Signature", sig)
	}
	return platform.WebhookRequest{Header: h, Body: []byte(body)}
}

func TestVerifyWebhook(t *testing.T) {
	const secret = "whsec-0123456789"
	escapedTitle := `{"Id":1,"Fields":{"title":"R\u0026D \u003Clab\u003E caf\u00E9 \u0022x\u0022 \u002B1"}}`
	rawTitle := `{"Id":1,"Fields":{"title":"R&D <lab> café \"x\" +1"}}`
	tests := []struct {
		name   string
		req    platform.WebhookRequest
		secret string
		ok     bool
	}{
		{"signed raw body", request(signFor(secret, sampleDelivery), sampleDelivery), secret, true},
		{"prefix in upper case", request("SHA1="+signFor(secret, sampleDelivery)[5:], sampleDelivery), secret, true},
		{"header name in other case", platform.WebhookRequest{Header: http.Header{"X-Hook-Signature": {signFor(secret, sampleDelivery)}}, Body: []byte(sampleDelivery)}, secret, true},
		{"signed as Autotask re-escapes", request(signFor(secret, escapedTitle), rawTitle), secret, true},
		{"tampered body", request(signFor(secret, sampleDelivery), sampleDelivery[:len(sampleDelivery)-2]+"1}"), secret, false},
		{"wrong secret", request(signFor("another-secret", sampleDelivery), sampleDelivery), secret, false},
		{"missing header", request("", sampleDelivery), secret, false},
		{"not base64", request("sha1=***", sampleDelivery), secret, false},
		{"hex instead of base64", request("sha1=51a0d7165d83443bbd7673c7c5651c5bb9ae0b81", sampleDelivery), secret, false},
		{"no secret configured", request(signFor("", sampleDelivery), sampleDelivery), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyWebhook(tt.req, tt.secret)
			if tt.ok && err != nil {
				t.Fatalf("VerifyWebhook: %v", err)
			}
			if !tt.ok && !errors.Is(err, ErrBadSignature) {
				t.Fatalf("err = %v, want ErrBadSignature", err)
			}
		})
	}
}

func TestAutotaskEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a":"plain","n":1}`, `{"a":"plain","n":1}`},
		{`{"a":"R&D"}`, `{"a":"R\u0026D"}`},
		{`{"a":"<b>'q'` + "`" + `+"}`, `{"a":"\u003Cb\u003E\u0027q\u0027\u0060\u002B"}`},
		{`{"a":"say \"hi\"","b\\":"\\n"}`, `{"a":"say \u0022hi\u0022","b\\":"\\n"}`},
		{`{"a":"é😀"}`, `{"a":"\u00E9\uD83D\uDE00"}`},
		{`{"n":1e+5,"a":"x"}`, `{"n":1e+5,"a":"x"}`},
	}
	for _, tt := range tests {
		got, _ := autotaskEscape([]byte(tt.in))
		if string(got) != tt.want {
			t.Errorf("autotaskEscape(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

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

package zendesk

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/vendorfixture"
)

// opensslVector is the signature of a public Rust verifier's test (secret:
// Zendesk's static test-delivery secret), recomputed independently of this
// code with
//
//	printf '%s%s' 2021-03-25T05:09:27Z '{"event":"ticket.updated","id":123}' |
//	  openssl dgst -sha256 -hmac dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ== -binary | base64
const opensslVector = "S/RDdU2ERmj7LHDDoWJ2onPYH+t7/f2+LTM4dL7UiLM="

func TestSignMatchesOpenSSL(t *testing.T) {
	got := Sign("dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==", "2021-03-25T05:09:27Z", []byte(`{"event":"ticket.updated","id":123}`))
	if got != opensslVector {
		t.Fatalf("Sign = %s, want %s", got, opensslVector)
	}
}

func TestVerifyWebhook(t *testing.T) {
	const secret = "sim-signing-secret"
	now := time.Date(2026, 11, 29, 18, 0, 0, 0, time.UTC)
	body := vendorfixture.Read(t, "testdata/event-ticket-created.json")
	ts := now.Add(-30 * time.Second).Format(time.RFC3339)
	signed := func(secret, ts string, body []byte) http.Header {
		return http.Header{HeaderSignature: {Sign(secret, ts, body)}, HeaderTimestamp: {ts}}
	}
	tampered := append([]byte(nil), body...)
	tampered[len(tampered)-3] ^= 1
	lower := http.Header{}
	for k, v := range signed(secret, ts, body) {
		lower[http.CanonicalHeaderKey(k)] = nil
		lower[toLower(k)] = v // API Gateway hands headers over lower-cased
	}
	for _, tc := range []struct {
		name   string
		header http.Header
		body   []byte
		want   error
	}{
		{"good", signed(secret, ts, body), body, nil},
		{"good, lower-case headers", lower, body, nil},
		{"tampered body", signed(secret, ts, body), tampered, ErrBadSignature},
		{"wrong secret", signed("another-secret", ts, body), body, ErrBadSignature},
		{"timestamp changed after signing", http.Header{HeaderSignature: {Sign(secret, ts, body)}, HeaderTimestamp: {now.Format(time.RFC3339)}}, body, ErrBadSignature},
		{"stale", signed(secret, now.Add(-6*time.Minute).Format(time.RFC3339), body), body, ErrStale},
		{"from the future", signed(secret, now.Add(6*time.Minute).Format(time.RFC3339), body), body, ErrStale},
		{"timestamp not RFC 3339", signed(secret, "1732900000", body), body, ErrStale},
		{"missing signature", http.Header{HeaderTimestamp: {ts}}, body, ErrBadSignature},
		{"missing timestamp", http.Header{HeaderSignature: {Sign(secret, ts, body)}}, body, ErrBadSignature},
		{"signature not base64", http.Header{HeaderSignature: {"%%%"}, HeaderTimestamp: {ts}}, body, ErrBadSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := verifyAt(platform.WebhookRequest{Header: tc.header, Body: tc.body}, secret, now)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("verify = %v, want %v", err, tc.want)
			}
		})
	}
	if err := verifyAt(platform.WebhookRequest{Header: signed("", ts, body), Body: body}, "", now); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("an endpoint without a secret verified a delivery: %v", err)
	}
}

func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func TestParseWebhookFixtures(t *testing.T) {
	for _, tc := range []struct {
		file string
		want platform.Event
	}{
		{"event-ticket-created.json", platform.Event{Platform: Kind, Type: platform.EventTicketCreated, TicketID: "5158",
			ActorID: "8447388090494", DeliveryID: "zendesk-cbe4028c-7239-495d-b020-f22348516046",
			Fields: map[string]string{"event": "created", "status": "open", "priority": "low", "type": "task", "channel": "api"}}},
		{"event-comment-added.json", platform.Event{Platform: Kind, Type: platform.EventNoteCreated, TicketID: "71447",
			NoteID: "58789194475545", ActorID: "58789189659033", DeliveryID: "zendesk-d8551ba3-4243-433c-8629-aa79dc3e7182",
			Fields: map[string]string{"event": "comment_added", "public": "false", "status": "open", "type": "incident", "channel": "native_messaging"}}},
		{"event-status-changed.json", platform.Event{Platform: Kind, Type: platform.EventTicketUpdated, TicketID: "71447",
			DeliveryID: "zendesk-e9a4cf0b-3967-4ece-9526-84931e102cff", Fields: map[string]string{"event": "status_changed"}}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			evs, err := ParseWebhook(vendorfixture.Read(t, "testdata/"+tc.file))
			if err != nil || len(evs) != 1 {
				t.Fatalf("parse = %v, %v", evs, err)
			}
			got := evs[0]
			if got.OccurredAt.IsZero() {
				t.Errorf("no time read")
			}
			got.OccurredAt = time.Time{}
			if got.Platform != tc.want.Platform || got.Type != tc.want.Type || got.TicketID != tc.want.TicketID ||
				got.NoteID != tc.want.NoteID || got.ActorID != tc.want.ActorID || got.DeliveryID != tc.want.DeliveryID ||
				len(got.Fields) != len(tc.want.Fields) {
				t.Fatalf("event = %+v\nwant    %+v", got, tc.want)
			}
			for k, v := range tc.want.Fields {
				if got.Fields[k] != v {
					t.Errorf("field %s = %q, want %q", k, got.Fields[k], v)
				}
			}
		})
	}
}

func TestParseWebhookRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		irrelevant bool
	}{
		{"not JSON", `{"type":`, false},
		{"user event", `{"type":"zen:event-type:user.created","id":"x","detail":{"id":"1"}}`, true},
		{"ticket event not synced", `{"type":"zen:event-type:ticket.tags_changed","id":"x","detail":{"id":"1"}}`, true},
		{"no ticket", `{"type":"zen:event-type:ticket.status_changed","id":"x","detail":{}}`, false},
		{"no event id", `{"type":"zen:event-type:ticket.status_changed","detail":{"id":"1"}}`, false},
		{"comment without id", `{"type":"zen:event-type:ticket.comment_added","id":"x","detail":{"id":"1"},"event":{}}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			evs, err := ParseWebhook([]byte(tc.body))
			if err == nil || len(evs) != 0 {
				t.Fatalf("parse = %v, %v; want a refusal", evs, err)
			}
			if got := platform.OnlyIrrelevant(err); got != tc.irrelevant {
				t.Fatalf("irrelevant = %v, want %v (%v)", got, tc.irrelevant, err)
			}
		})
	}
	// The subject names the ticket when detail has no id.
	evs, err := ParseWebhook([]byte(`{"type":"zen:event-type:ticket.priority_changed","id":"e1","subject":"zen:ticket:42","detail":{"priority":"URGENT"}}`))
	if err != nil || evs[0].TicketID != "42" || evs[0].Fields["priority"] != "urgent" {
		t.Fatalf("subject fallback = %+v, %v", evs, err)
	}
}

package zendesk

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
)

// FuzzParseWebhook feeds the parser outside input: it must never panic,
// and whatever it accepts names a ticket and a delivery id; a refusal is
// an error, never an event.
func FuzzParseWebhook(f *testing.F) {
	files, _ := filepath.Glob("testdata/event-*.json")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"type":"zen:event-type:ticket.comment_added","id":"1","detail":{"id":1},"event":{"comment":{"id":2}}}`))
	f.Add([]byte(`{"type":"zen:event-type:ticket.created","id":"1","subject":"zen:ticket:-4","detail":{"id":null}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, err := ParseWebhook(body)
		if err != nil {
			if len(evs) != 0 {
				t.Fatalf("events next to an error: %v", evs)
			}
			return
		}
		for _, ev := range evs {
			if _, err := recordID("ticket", ev.TicketID); err != nil || !strings.HasPrefix(ev.DeliveryID, "zendesk-") || ev.Platform != Kind {
				t.Fatalf("accepted an event without a ticket or delivery id: %+v", ev)
			}
			if ev.Type == platform.EventNoteCreated && ev.NoteID == "" {
				t.Fatalf("a note event without a note id: %+v", ev)
			}
		}
	})
}

// FuzzVerifyWebhook: only a body signed with the secret at a fresh
// timestamp verifies; any other header value is refused without a panic.
func FuzzVerifyWebhook(f *testing.F) {
	now := time.Date(2026, 11, 29, 18, 0, 0, 0, time.UTC)
	f.Add([]byte(`{"id":"1"}`), now.Format(time.RFC3339), Sign("s", now.Format(time.RFC3339), []byte(`{"id":"1"}`)))
	f.Add([]byte(``), "", "")
	f.Fuzz(func(t *testing.T, body []byte, ts, sig string) {
		req := platform.WebhookRequest{Header: map[string][]string{HeaderSignature: {sig}, HeaderTimestamp: {ts}}, Body: body}
		err := verifyAt(req, "s", now)
		if err == nil && sig != Sign("s", ts, body) && !sameDecoded(sig, Sign("s", ts, body)) {
			t.Fatalf("verified a signature that is not the body's: %q", sig)
		}
		if err != nil && !errors.Is(err, ErrBadSignature) && !errors.Is(err, ErrStale) {
			t.Fatalf("refusal of another kind: %v", err)
		}
	})
}

// sameDecoded allows the padding variants base64 decoding accepts.
func sameDecoded(a, b string) bool {
	return strings.TrimRight(a, "=\n\r ") == strings.TrimRight(b, "=\n\r ")
}

package zendesk

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
)

// A delivery signed exactly MaxSkew before or after now is still accepted;
// one second further is a replay (or a wrong clock) and is refused.
func TestDeliveryAtTheSkewLimitIsAccepted(t *testing.T) {
	const secret = "sim-signing-secret"
	now := time.Date(2026, 11, 29, 18, 0, 0, 0, time.UTC)
	body := []byte(`{"type":"zen:event-type:ticket.status_changed","id":"e1","detail":{"id":"7"}}`)
	for _, tc := range []struct {
		name   string
		signed time.Time
		want   error
	}{
		{"signed MaxSkew ago", now.Add(-MaxSkew), nil},
		{"signed MaxSkew ahead", now.Add(MaxSkew), nil},
		{"signed a second earlier", now.Add(-MaxSkew - time.Second), ErrStale},
		{"signed a second later", now.Add(MaxSkew + time.Second), ErrStale},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := tc.signed.Format(time.RFC3339)
			h := http.Header{HeaderSignature: {Sign(secret, ts, body)}, HeaderTimestamp: {ts}}
			err := verifyAt(platform.WebhookRequest{Header: h, Body: body}, secret, now)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("verify = %v, want %v", err, tc.want)
			}
		})
	}
}

// A signature header that arrives with no value (a proxy can pass a key
// through empty) is an unsigned delivery, refused like a missing one.
func TestSignatureHeaderWithNoValueIsRefused(t *testing.T) {
	const secret = "sim-signing-secret"
	now := time.Date(2026, 11, 29, 18, 0, 0, 0, time.UTC)
	ts := now.Format(time.RFC3339)
	h := http.Header{"x-zendesk-webhook-signature": {}, HeaderTimestamp: {ts}}
	err := verifyAt(platform.WebhookRequest{Header: h, Body: []byte(`{}`)}, secret, now)
	if !errors.Is(err, ErrBadSignature) {
		t.Fatalf("verify = %v, want %v", err, ErrBadSignature)
	}
}

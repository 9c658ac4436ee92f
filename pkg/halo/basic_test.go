package halo_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"testing"

	"github.com/tandemsync/tandem/pkg/halo"
	"github.com/tandemsync/tandem/pkg/platform"
)

// Basic credentials sent without base64 padding (some HTTP clients strip
// it) verify like padded ones; a header key in another case with no value
// is no credential at all.
func TestBasicCredentialsPaddedOrNot(t *testing.T) {
	const secret = "halo-webhook-pas" // with "tandem:", 23 bytes: base64 pads them
	userPass := []byte("tandem:" + secret)
	for name, enc := range map[string]*base64.Encoding{"padded": base64.StdEncoding, "unpadded": base64.RawStdEncoding} {
		req := platform.WebhookRequest{Header: http.Header{"authorization": {"Basic " + enc.EncodeToString(userPass)}}, Body: []byte(`{}`)}
		if err := halo.VerifyWebhook(req, secret); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if base64.StdEncoding.EncodeToString(userPass) == base64.RawStdEncoding.EncodeToString(userPass) {
		t.Fatal("the credentials need no padding: the unpadded case tests nothing")
	}
	empty := platform.WebhookRequest{Header: http.Header{"authorization": {}}, Body: []byte(`{}`)}
	if err := halo.VerifyWebhook(empty, secret); !errors.Is(err, halo.ErrBadSignature) {
		t.Fatalf("a header with no value: %v, want %v", err, halo.ErrBadSignature)
	}
}

// A timestamp of 0 (or below) is no time at all: the event's time stays
// unknown rather than becoming 1970.
func TestZeroTimestampIsUnknown(t *testing.T) {
	for _, ts := range []string{"0", "-5"} {
		evs, err := halo.ParseWebhook([]byte(`{"id":"t0","event":"Ticket Updated","object_id":3,"timestamp":` + ts + `}`))
		if err != nil || len(evs) != 1 {
			t.Fatalf("timestamp %s: %+v, %v", ts, evs, err)
		}
		if !evs[0].OccurredAt.IsZero() {
			t.Errorf("timestamp %s read as %v, want unknown", ts, evs[0].OccurredAt)
		}
	}
	evs, err := halo.ParseWebhook([]byte(`{"id":"t1","event":"Ticket Updated","object_id":3,"timestamp":1764064800}`))
	if err != nil || len(evs) != 1 || evs[0].OccurredAt.Unix() != 1764064800 {
		t.Fatalf("timestamp 1764064800: %+v, %v", evs, err)
	}
}

package autotask

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"net/http"
	"testing"

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

package connectwise

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

func TestTrustedKeyURL(t *testing.T) {
	onPrem := NewVerifier(Credentials{Site: "https://cw.example.com"}, Options{})
	cases := []struct {
		url string
		ok  bool
	}{
		{"https://sandbox-na.myconnectwise.net/v2025_1//system/callbackkey/index.rails?companyName=Cobalt&id=e17e", true},
		{"https://api-eu.myconnectwise.net/v4_6_release/system/callbackkey/index.rails?id=1", true},
		{"https://cw.example.com/v4_6_release/system/callbackkey/index.rails?id=1", true},
		{"https://cw.example.com:8443/key", false},
		{"http://na.myconnectwise.net/key", false},
		{"https://na.myconnectwise.net:8443/key", false},
		{"https://myconnectwise.net.evil.example/key", false},
		{"https://evilmyconnectwise.net/key", false},
		{"https://user@na.myconnectwise.net/key", false},
		{"https://169.254.169.254/latest/meta-data", false},
		{"/relative/key", false},
	}
	for _, c := range cases {
		t.Run(c.url, func(t *testing.T) {
			_, err := onPrem.trustedKeyURL(c.url)
			if c.ok != (err == nil) {
				t.Fatalf("trusted = %v, want %v (%v)", err == nil, c.ok, err)
			}
			if err != nil && !errors.Is(err, ErrBadSignature) {
				t.Fatalf("refusal does not wrap ErrBadSignature: %v", err)
			}
		})
	}
}

func TestVerifierRefusals(t *testing.T) {
	var fetches atomic.Int64
	keySrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		switch r.URL.Query().Get("id") {
		case "good":
			_, _ = w.Write([]byte(`{"signing_key":"k-123"}`))
		case "busy":
			w.Header().Set("Retry-After", "60")
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(keySrv.Close)
	v := NewVerifier(Credentials{Site: keySrv.URL}, Options{AllowPrivate: true, HTTP: egress.New(egress.Options{AllowPrivate: true, MaxAttempts: 1})})
	body := func(keyURL string) []byte {
		return sampleDelivery(t, func(d map[string]any) { d["Metadata"] = map[string]any{"key_url": keyURL} })
	}
	cases := []struct {
		name      string
		req       platform.WebhookRequest
		bad       bool // wraps ErrBadSignature
		temporary bool
		fetches   int64
	}{
		{"genuine", signedRequest(body(keySrv.URL+"/key?id=good"), "k-123"), false, false, 1},
		{"foreign key host", signedRequest(body("https://attacker.example/key"), "k-123"), true, false, 0},
		{"no key_url", signedRequest(sampleDelivery(t, func(d map[string]any) { delete(d, "Metadata") }), "k-123"), true, false, 0},
		{"missing header", platform.WebhookRequest{Header: http.Header{}, Body: body(keySrv.URL + "/key?id=good")}, true, false, 0},
		{"unknown key id", signedRequest(body(keySrv.URL+"/key?id=forged"), "k-123"), true, false, 1},
		{"key service busy", signedRequest(body(keySrv.URL+"/key?id=busy"), "k-123"), false, true, 1},
		{"wrong key", signedRequest(body(keySrv.URL+"/key?id=good"), "guess"), true, false, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := fetches.Load()
			err := v.Verify(testCtx(t), c.req)
			if c.bad != errors.Is(err, ErrBadSignature) || c.temporary != platform.IsTemporary(err) {
				t.Fatalf("Verify = %v (bad=%v temporary=%v)", err, errors.Is(err, ErrBadSignature), platform.IsTemporary(err))
			}
			if !c.bad && !c.temporary && err != nil {
				t.Fatalf("Verify = %v", err)
			}
			if got := fetches.Load() - before; got != c.fetches {
				t.Fatalf("key fetches = %d, want %d", got, c.fetches)
			}
		})
	}
}

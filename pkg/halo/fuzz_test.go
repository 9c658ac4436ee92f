package halo_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/halo"
	"github.com/tandemsync/tandem/pkg/platform"
)

func FuzzParseWebhook(f *testing.F) {
	full, err := os.ReadFile("testdata/action-added.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(full)
	f.Add([]byte(`[{"id":"a","event":"Ticket Updated","object_id":1}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, err := halo.ParseWebhook(body)
		if err != nil {
			return
		}
		if len(evs) == 0 {
			t.Fatal("no error and no events")
		}
		for _, ev := range evs {
			if ev.Platform != platform.Halo || ev.Type == "" || ev.TicketID == "" || !strings.HasPrefix(ev.DeliveryID, "halo-") {
				t.Fatalf("incomplete event %+v", ev)
			}
		}
		again, err := halo.ParseWebhook(body)
		if err != nil || again[0].DeliveryID != evs[0].DeliveryID {
			t.Fatalf("delivery id not stable: %v", err)
		}
	})
}

func FuzzVerifyWebhook(f *testing.F) {
	f.Add("Basic dGFuZGVtOnNlY3JldA==", "secret", []byte(`{}`))
	f.Add("Bearer x", "secret", []byte(nil))
	f.Add("", "", []byte(`{"event":"Action Added"}`))
	f.Fuzz(func(t *testing.T, auth, secret string, body []byte) {
		req := platform.WebhookRequest{Header: http.Header{"Authorization": {auth}}, Body: body}
		err := halo.VerifyWebhook(req, secret)
		if err == nil && secret == "" {
			t.Fatal("accepted a delivery for an endpoint without a secret")
		}
		if err != nil && !errors.Is(err, halo.ErrBadSignature) {
			t.Fatalf("error %v does not wrap ErrBadSignature", err)
		}
		// Whatever the secret, its own Basic credentials must pass.
		if secret != "" {
			good := "Basic " + base64.StdEncoding.EncodeToString([]byte("tandem:"+secret))
			req.Header.Set("Authorization", good)
			if err := halo.VerifyWebhook(req, secret); err != nil {
				t.Fatalf("correct credentials refused: %v", err)
			}
		}
	})
}

func FuzzParseCredentials(f *testing.F) {
	f.Add("https://acme.halopsa.com/api", "acme", "6f1c2a9e-3b7d-4c5e-9a1f-2d8e7b6c5a40", "secret", false)
	f.Add("http://127.0.0.1:8080/auth", "", "6f1c2a9e-3b7d-4c5e-9a1f-2d8e7b6c5a40", "secret", true)
	f.Add("acme.halopsa.com", "https://x", "not-a-guid", "", false)
	f.Fuzz(func(t *testing.T, rawURL, tenant, clientID, secret string, allowPrivate bool) {
		in := platform.Credentials{"url": rawURL, "tenant": tenant, "clientId": clientID, "clientSecret": secret}
		c, err := halo.ParseCredentials(in, allowPrivate)
		if err != nil {
			var ve *platform.ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 {
				t.Fatalf("error %v is not a ValidationError with fields", err)
			}
			for _, fe := range ve.Fields {
				if fe.Message == "" {
					t.Fatalf("field %s has no message", fe.Field)
				}
			}
			return
		}
		// The path, not the whole string: a host may be named "api".
		u, err := url.Parse(c.BaseURL)
		if err != nil || strings.HasSuffix(u.Path, "/") || strings.HasSuffix(strings.ToLower(u.Path), "/api") {
			t.Fatalf("base URL not normalised: %q (%v)", c.BaseURL, err)
		}
		// Normalising is idempotent: the stored form parses to itself.
		in["url"] = c.BaseURL
		again, err := halo.ParseCredentials(in, allowPrivate)
		if err != nil || again.BaseURL != c.BaseURL {
			t.Fatalf("re-parse of %q: %q, %v", c.BaseURL, again.BaseURL, err)
		}
	})
}

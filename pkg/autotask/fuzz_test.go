package autotask

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/platform"
)

func FuzzParseWebhook(f *testing.F) {
	f.Add([]byte(sampleDelivery))
	f.Add([]byte(`{"Action":"Create","EntityType":"TicketNote","Id":5,"Fields":{"TicketID":"7"},"PersonId":1}`))
	f.Add([]byte(`{"Action":"Deactivated","Guid":"g"}`))
	f.Add([]byte(`{"Id":1e400,"SequenceNumber":9223372036854775808}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, err := ParseWebhook(body)
		if err != nil {
			if !errors.Is(err, ErrUnknownEvent) && !errors.Is(err, ErrMalformedWebhook) {
				t.Fatalf("error %v wraps neither sentinel", err)
			}
			return
		}
		if len(evs) != 1 || evs[0].DeliveryID == "" || evs[0].Platform != platform.Autotask {
			t.Fatalf("events = %+v", evs)
		}
		again, err := ParseWebhook(body)
		if err != nil || again[0].DeliveryID != evs[0].DeliveryID {
			t.Fatalf("second parse differs: %v %v", again, err)
		}
	})
}

func FuzzVerifyWebhook(f *testing.F) {
	f.Add([]byte(sampleDelivery), "whsec-0123456789", "")
	f.Add([]byte(`{"a":"R&D café \"x\""}`), "k", "sha1=AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	f.Add([]byte(`{"a":"\`), "secret", "sha1=")
	f.Fuzz(func(t *testing.T, body []byte, secret, header string) {
		req := platform.WebhookRequest{Header: http.Header{}, Body: body}
		if header != "" {
			req.Header.Set(SignatureHeader, header)
		}
		if err := VerifyWebhook(req, secret); err != nil && !errors.Is(err, ErrBadSignature) {
			t.Fatalf("error %v does not wrap ErrBadSignature", err)
		}
		if secret == "" {
			return
		}
		// A correct signature over the body always verifies.
		req.Header.Set(SignatureHeader, signFor(secret, string(body)))
		if err := VerifyWebhook(req, secret); err != nil {
			t.Fatalf("correctly signed body refused: %v", err)
		}
		// So does one over the Autotask-escaped form.
		escaped, _ := autotaskEscape(body)
		req.Header.Set(SignatureHeader, signFor(secret, string(escaped)))
		if err := VerifyWebhook(req, secret); err != nil {
			t.Fatalf("escaped signature refused: %v", err)
		}
	})
}

func FuzzParseCredentials(f *testing.F) {
	f.Add("https://webservices2.autotask.net/", "AB12@EXAMPLE.COM", "s3cret", "TRACKING", false)
	f.Add("https://ww5.autotask.net/ATServicesRest/V1.0/", "user", "", "A B", false)
	f.Add("http://127.0.0.1:8080", "x@y", "z", "w", true)
	f.Add("https://[::1]:443/%zz", "@", " ", "\n", false)
	f.Fuzz(func(t *testing.T, apiURL, username, secret, code string, allowPrivate bool) {
		raw := platform.Credentials{"apiUrl": apiURL, "username": username, "secret": secret, "integrationCode": code}
		got, err := ParseCredentials(raw, allowPrivate)
		if err != nil {
			var ve *platform.ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 {
				t.Fatalf("err = %v, want a ValidationError", err)
			}
			// Messages never depend on the secret's value, only on whether
			// one was given, so they cannot reveal it.
			other := platform.Credentials{"apiUrl": apiURL, "username": username, "integrationCode": code, "secret": ""}
			if strings.TrimSpace(secret) != "" {
				other["secret"] = "placeholder"
			}
			_, err2 := ParseCredentials(other, allowPrivate)
			if err2 == nil || err2.Error() != err.Error() {
				t.Fatalf("messages depend on the secret: %v vs %v", err, err2)
			}
			return
		}
		if !strings.HasSuffix(got.APIURL, "/") || got.Secret == "" || got.Username == "" || got.IntegrationCode == "" {
			t.Fatalf("accepted incomplete credentials %+v", got)
		}
		// Normalising is idempotent.
		again, err := ParseCredentials(platform.Credentials{"apiUrl": got.APIURL, "username": got.Username, "secret": got.Secret, "integrationCode": got.IntegrationCode}, allowPrivate)
		if err != nil || again != got {
			t.Fatalf("re-parsing %+v gave %+v, %v", got, again, err)
		}
	})
}

package connectwise

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/platform"
)

func FuzzParseWebhook(f *testing.F) {
	f.Add(sampleDelivery(f, nil))
	f.Add([]byte(`{"Action":"deleted","Type":"ticket","ID":"12","Entity":null}`))
	f.Add([]byte(`{"Action":"added","Type":"ticket","ID":1,"Entity":{"id":1,"_info":{"lastUpdated":"x"}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, err := ParseWebhook(body)
		if err != nil {
			return
		}
		if len(evs) != 1 || evs[0].TicketID == "" || evs[0].DeliveryID == "" || evs[0].Platform != platform.ConnectWise {
			t.Fatalf("accepted delivery produced %+v", evs)
		}
	})
}

func FuzzVerifyWebhook(f *testing.F) {
	body := sampleDelivery(f, nil)
	f.Add(body, "k-1", base64.StdEncoding.EncodeToString(sign(body, "k-1")))
	f.Add(body, "k-1", "")
	f.Add([]byte{}, "", "====")
	f.Fuzz(func(t *testing.T, body []byte, key, sig string) {
		req := platform.WebhookRequest{Header: http.Header{SignatureHeader: {sig}}, Body: body}
		err := VerifyWebhook(req, key)
		if err != nil && !errors.Is(err, ErrBadSignature) {
			t.Fatalf("refusal does not wrap ErrBadSignature: %v", err)
		}
		// A correct signature must always pass.
		good := platform.WebhookRequest{Header: http.Header{SignatureHeader: {base64.StdEncoding.EncodeToString(sign(body, key))}}, Body: body}
		if key != "" && VerifyWebhook(good, key) != nil {
			t.Fatal("correctly signed body refused")
		}
	})
}

func FuzzParseCredentials(f *testing.F) {
	f.Add("na", "contoso", "Pub1234567890abc", "Priv0987654321xyz", "1a2b3c4d-1a2b-1a2b-1a2b-1a2b3c4d5e6f", false)
	f.Add("http://127.0.0.1:8080", "c", "p", "k", "x", true)
	f.Add("https://[::1]:80/x", "c+d", "p:q", "p:q", "", false)
	f.Fuzz(func(t *testing.T, site, company, public, private, client string, allowPrivate bool) {
		fields := func(public, private string) platform.Credentials {
			return platform.Credentials{"site": site, "companyId": company, "publicKey": public, "privateKey": private, "clientId": client}
		}
		c, err := ParseCredentials(fields(public, private), allowPrivate)
		if err != nil {
			var ve *platform.ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 {
				t.Fatalf("error is not a ValidationError: %v", err)
			}
			// Messages never depend on key values: other keys of the same
			// shape give the same text, so no key can leak into it.
			mark := func(k string) string {
				if k = strings.TrimSpace(k); k == "" {
					return k
				}
				return k + "\x00"
			}
			_, err2 := ParseCredentials(fields(mark(public), mark(private)), allowPrivate)
			if err2 == nil || err2.Error() != err.Error() {
				t.Fatalf("message depends on key values:\n%v\n%v", err, err2)
			}
			return
		}
		if !strings.HasPrefix(c.Site, "https://") && !allowPrivate {
			t.Fatalf("non-https site accepted: %q", c.Site)
		}
		if c.CompanyID == "" || c.PublicKey == "" || c.PrivateKey == "" || !isGUID(c.ClientID) {
			t.Fatalf("accepted incomplete credentials: %+v", c)
		}
	})
}

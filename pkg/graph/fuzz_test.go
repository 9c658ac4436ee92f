package graph_test

import (
	"errors"
	"maps"
	"net/url"
	"strings"
	"testing"
	"unicode"

	"github.com/tandemsync/tandem/pkg/graph"
	"github.com/tandemsync/tandem/pkg/platform"
)

func FuzzParseWebhook(f *testing.F) {
	f.Add([]byte(sampleDelivery))
	f.Add([]byte(`{"value":[{"subscriptionId":"s","lifecycleEvent":"missed","clientState":"c"}]}`))
	f.Add([]byte(`{"Value":[{"SubscriptionId":"s","ChangeType":"Created","Resource":"Users('u')/Messages('m')"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, err := graph.ParseWebhook(body)
		for _, ev := range evs {
			if ev.DeliveryID == "" || ev.Platform != platform.Graph || ev.Type == "" {
				t.Fatalf("incomplete event %+v", ev)
			}
			if ev.Type == platform.EventMailReceived && ev.TicketID == "" {
				t.Fatalf("mail event without message id: %+v", ev)
			}
		}
		if err == nil && len(evs) == 0 {
			t.Fatal("no events and no error")
		}
	})
}

func FuzzVerifyWebhook(f *testing.F) {
	f.Add([]byte(sampleDelivery), "secretClientValue")
	f.Add([]byte(`{"value":[{"clientState":""}]}`), "")
	f.Add([]byte(`{"value":[{"clientState":"a"},{"clientState":"b"}]}`), "a")
	f.Fuzz(func(t *testing.T, body []byte, secret string) {
		err := graph.VerifyWebhook(platform.WebhookRequest{Query: url.Values{}, Body: body}, secret)
		if err != nil && !errors.Is(err, graph.ErrBadSignature) {
			t.Fatalf("error %v does not wrap ErrBadSignature", err)
		}
		if err == nil && secret == "" {
			t.Fatal("accepted with no secret configured")
		}
	})
}

func FuzzParseCredentials(f *testing.F) {
	f.Add(tenantGUID, clientGUID, secretVal, "support@contoso.com", "", false)
	f.Add("common", "x", "0b5f1e36-7c84-4a4e-9e3b-0d5c3b1f8f2a", "Support <s@c.com>", "http://127.0.0.1:1/v1.0", true)
	f.Add("contoso.onmicrosoft.com", clientGUID, "s", "a@b.co", "https://[::1]:443/", false)
	f.Fuzz(func(t *testing.T, tenant, client, secret, mailbox, graphURL string, allowPrivate bool) {
		raw := platform.Credentials{"tenantId": tenant, "clientId": client, "clientSecret": secret, "mailbox": mailbox, "graphUrl": graphURL}
		c, err := graph.ParseCredentials(raw, allowPrivate)
		if err != nil {
			var ve *platform.ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 {
				t.Fatalf("error %v is not a field validation error", err)
			}
			// The help texts hold example values (a GUID of zeros), so a secret
			// may stand in the message by chance: it leaks only if it stands there
			// more often than a different secret of the same shape does.
			if s := strings.TrimSpace(secret); len(s) > 8 {
				other := maps.Clone(raw)
				other["clientSecret"] = sameShape(secret)
				_, err2 := graph.ParseCredentials(other, allowPrivate)
				if err2 == nil || strings.Count(err.Error(), s) > strings.Count(err2.Error(), s) {
					t.Fatalf("validation error shows the secret: %v", err)
				}
			}
			return
		}
		if c.ClientSecret == "" || c.Mailbox == "" || c.TenantID == "" || c.ClientID == "" {
			t.Fatalf("accepted incomplete credentials %+v", c)
		}
		if c.GraphURL != "" && !allowPrivate {
			t.Fatal("override accepted outside local mode")
		}
	})
}

// sameShape returns a different value that any rule on a secret's shape
// (length, hex digits, dashes, spaces) treats alike.
func sameShape(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9', r >= 'a' && r <= 'f':
			if r == 'e' {
				return 'd'
			}
			return 'e'
		case r >= 'A' && r <= 'F':
			if r == 'E' {
				return 'D'
			}
			return 'E'
		case r == '-', unicode.IsSpace(r):
			return r
		case r == 'Z':
			return 'Y'
		}
		return 'Z'
	}, s)
}

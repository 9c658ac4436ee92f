package app_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/app/allplatforms"
	"github.com/tandemsync/tandem/pkg/app/apifn"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/zendesk"
)

// hostOnly platforms refuse any URL in their field whatever it names:
// Graph's are simulator overrides, Zendesk's is a subdomain of zendesk.com.
var hostOnly = map[platform.Kind]bool{platform.Graph: true, zendesk.Kind: true}

// Spellings of a private address, and ports, that a URL check comparing
// strings would let through. Each is refused when credentials are saved, with
// a message that says what is wrong with the URL.
func TestProductionRefusesDisguisedAddressesForEveryPlatform(t *testing.T) {
	hostile := []struct{ url, says string }{
		{"https://LOCALHOST.", "not a public host"},
		{"https://2130706433", "not a public address"},
		{"https://0177.0.0.1", "not a public address"},
		{"https://0x7f.0.0.1", "not a public address"},
		{"https://0xa9fea9fe", "not a public address"},
		{"https://134744072", "four decimal numbers"},
		{"https://[64:ff9b:1::a00:1]", "not a public address"},
		{"https://[2002:a00:1::]", "not a public address"},
		{"https://[::ffff:10.0.0.1]", "not a public address"},
		{"https://webservices2.autotask.net:8443", "port 8443"},
	}
	sims := localrunSimulatorCredentials(t)
	h := apifn.Deps{Deps: productionDeps(t, slog.New(slog.DiscardHandler), nil)}.SettingsHandler()
	for _, p := range allplatforms.Providers {
		for _, field := range urlFields[p.Kind] {
			for _, bad := range hostile {
				t.Run(fmt.Sprintf("%s/%s=%s", p.Kind, field, bad.url), func(t *testing.T) {
					creds := platform.Credentials{}
					for k, v := range sims[p.Kind] {
						creds[k] = v
					}
					creds[field] = bad.url
					resp, err := h(context.Background(), asOrg("org_ssrf", "PUT", "/v1/settings/platform", map[string]any{"platform": p.Kind, "credentials": creds}))
					if err != nil {
						t.Fatal(err)
					}
					if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, field) {
						t.Fatalf("saved %s=%s in production: %d %s, want 422 naming %s", field, bad.url, resp.StatusCode, resp.Body, field)
					}
					if !hostOnly[p.Kind] && !strings.Contains(resp.Body, bad.says) {
						t.Fatalf("refusal of %s does not say %q: %s", bad.url, bad.says, resp.Body)
					}
				})
			}
		}
	}
}

package halo

import (
	"errors"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// Credential field names as the settings API receives them.
const (
	FieldURL          = "url"
	FieldTenant       = "tenant"
	FieldClientID     = "clientId"
	FieldClientSecret = "clientSecret"
)

// SecretFields are never shown back to anyone; the settings API masks them.
var SecretFields = []string{FieldClientSecret}

// Credentials are validated, normalised Halo API application credentials.
type Credentials struct {
	// BaseURL is the instance root without /api or /auth, e.g.
	// https://acme.halopsa.com (on-premise installs may keep a path prefix).
	BaseURL      string
	Tenant       string // hosted instances only; empty on-premise
	ClientID     string
	ClientSecret string
}

// TokenURL is where the client-credentials grant is posted.
func (c Credentials) TokenURL() string {
	u := c.BaseURL + "/auth/token"
	if c.Tenant != "" {
		u += "?tenant=" + url.QueryEscape(c.Tenant)
	}
	return u
}

// APIURL is the resource server root; every API path hangs off it.
func (c Credentials) APIURL() string { return c.BaseURL + "/api" }

// String keeps the secret out of any %v, %+v or log line by accident.
func (c Credentials) String() string {
	return "halo.Credentials{url=" + c.BaseURL + " tenant=" + c.Tenant + " clientId=" + c.ClientID + " clientSecret=***}"
}

// GoString covers %#v, which would otherwise print every field.
func (c Credentials) GoString() string { return c.String() }

// LogValue covers slog, which does not call String on structs.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("url", c.BaseURL),
		slog.String("tenant", c.Tenant),
		slog.String("clientId", c.ClientID),
	)
}

// Halo issues client ids as GUIDs; anything else was usually copied from the
// application page while it was in edit mode, or is the application name.
// Compiled on first use rather than at package init, where every function
// binary would pay for it at cold start (BENCHMARKS.md, "Function binaries").
var guidPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
})

// Tenant names are short identifiers; a URL or spaces mean the wrong value
// was pasted into the field.
var tenantPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`) })

// ParseCredentials validates what an administrator typed and normalises the
// instance URL. allowPrivate is the local/test mode that lets http and
// loopback simulator URLs through.
func ParseCredentials(c platform.Credentials, allowPrivate bool) (Credentials, error) {
	var v platform.ValidationError
	var out Credentials

	raw := strings.TrimSpace(c[FieldURL])
	if raw == "" {
		v.Add(FieldURL, "Enter your Halo address, e.g. https://acme.halopsa.com (Configuration > Integrations > Halo API shows it as the Resource Server URL).")
	} else if base, msg := normaliseURL(raw, allowPrivate); msg != "" {
		v.Add(FieldURL, "%s", msg)
	} else {
		out.BaseURL = base
	}

	out.Tenant = strings.TrimSpace(c[FieldTenant])
	if out.Tenant != "" && !tenantPattern().MatchString(out.Tenant) {
		v.Add(FieldTenant, "The tenant is a short name such as \"acme\", not a URL. Open https://<your-halo>/api/instanceinfo and copy the tenant_id value, or leave it empty for an on-premise Halo.")
	}

	out.ClientID = strings.TrimSpace(c[FieldClientID])
	switch {
	case out.ClientID == "":
		v.Add(FieldClientID, "Enter the Client ID of your Halo API application (Configuration > Integrations > Halo API > View Applications).")
	case !guidPattern().MatchString(out.ClientID):
		v.Add(FieldClientID, "The Client ID should look like 0a1b2c3d-0000-0000-0000-0a1b2c3d4e5f. Copy it from the API application while the page is not in edit mode.")
	}

	// Secrets are taken as typed apart from surrounding whitespace, which a
	// copy from the Halo page often adds.
	out.ClientSecret = strings.TrimSpace(c[FieldClientSecret])
	if out.ClientSecret == "" {
		v.Add(FieldClientSecret, "Enter the Client Secret of your Halo API application. Halo shows it only once; if it was lost, generate a new one on the application.")
	}

	if err := v.Err(); err != nil {
		return Credentials{}, err
	}
	return out, nil
}

// normaliseURL accepts the instance URL with or without the /api or /auth
// suffix and returns it without one, or a message saying what is wrong.
func normaliseURL(raw string, allowPrivate bool) (string, string) {
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", "This is not a web address. Enter your Halo address, e.g. https://acme.halopsa.com."
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", "Enter only the Halo address, without anything after ? or #, e.g. https://acme.halopsa.com."
	}
	if u.User != nil {
		return "", "Remove the user name and password from the address; the Client ID and secret go in their own fields."
	}
	if err := egress.CheckURL(u, allowPrivate); err != nil {
		if errors.Is(err, egress.ErrForbiddenDestination) {
			return "", "Tandem can only reach Halo over https at a public address (" + egress.Reason(err) + "), e.g. https://acme.halopsa.com."
		}
		return "", "This address cannot be used: enter your Halo address, e.g. https://acme.halopsa.com."
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	// Strip until nothing matches, so the stored form normalises to itself.
	p := strings.TrimRight(u.Path, "/")
	for stripped := true; stripped; {
		stripped = false
		for _, suffix := range []string{"/auth/token", "/api", "/auth"} {
			if len(p) >= len(suffix) && strings.EqualFold(p[len(p)-len(suffix):], suffix) {
				p, stripped = strings.TrimRight(p[:len(p)-len(suffix)], "/"), true
			}
		}
	}
	u.Path, u.RawPath = p, ""
	return u.String(), ""
}

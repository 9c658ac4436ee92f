package zendesk

import (
	"errors"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// Credential field names as the settings API receives them. An
// administrator types the subdomain and, while Zendesk still accepts them,
// an agent's email and API token; "Generate token" (OAuth) fills the token
// fields instead.
const (
	FieldSubdomain    = "subdomain"
	FieldEmail        = "email"
	FieldAPIToken     = "apiToken"
	FieldAccessToken  = "accessToken"
	FieldRefreshToken = "refreshToken"
	FieldTokenExpiry  = "tokenExpiry"
)

// Credentials are validated, normalised Zendesk credentials: either an
// OAuth token pair or an email with an API token.
type Credentials struct {
	// BaseURL is https://{subdomain}.zendesk.com (a simulator URL in
	// local/test mode).
	BaseURL  string
	Email    string
	APIToken string
	Tokens   Tokens
}

// OAuth reports whether the credentials came from "Generate token".
func (c Credentials) OAuth() bool { return c.Tokens.Refresh != "" || c.Tokens.Access != "" }

// Tokens are one OAuth grant: Zendesk rotates both on every refresh, and the
// previous pair stops working (developer.zendesk.com, "Using refresh
// tokens"), so the newest pair must always be what is stored.
type Tokens struct {
	Access  string
	Refresh string
	Expiry  time.Time // zero: Zendesk sent no expires_in
}

// fresh reports whether the access token is usable until at least now+margin.
func (t Tokens) fresh(now time.Time, margin time.Duration) bool {
	return t.Access != "" && (t.Expiry.IsZero() || now.Add(margin).Before(t.Expiry))
}

// String keeps the secrets out of any %v or log line by accident.
func (c Credentials) String() string {
	return "zendesk.Credentials{url=" + c.BaseURL + " email=" + c.Email + " apiToken=*** tokens=***}"
}

// GoString covers %#v.
func (c Credentials) GoString() string { return c.String() }

// LogValue covers slog.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("url", c.BaseURL), slog.Bool("oauth", c.OAuth()))
}

// Zendesk subdomains are DNS labels.
// Compiled on first use rather than at package init, where every function
// binary would pay for it at cold start (BENCHMARKS.md, "Function binaries").
var subdomainPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`) })

// ParseCredentials validates what an administrator typed, or what the OAuth
// callback stored. allowPrivate is local/test mode: a simulator URL stands
// in for the subdomain.
func ParseCredentials(c platform.Credentials, allowPrivate bool) (Credentials, error) {
	var v platform.ValidationError
	var out Credentials
	raw := strings.TrimSpace(c[FieldSubdomain])
	if raw == "" {
		v.Add(FieldSubdomain, "Enter your Zendesk subdomain: the acme in https://acme.zendesk.com.")
	} else if base, msg := BaseURL(raw, allowPrivate); msg != "" {
		v.Add(FieldSubdomain, "%s", msg)
	} else {
		out.BaseURL = base
	}
	out.Email = strings.TrimSpace(c[FieldEmail])
	out.APIToken = strings.TrimSpace(c[FieldAPIToken])
	out.Tokens = Tokens{Access: strings.TrimSpace(c[FieldAccessToken]), Refresh: strings.TrimSpace(c[FieldRefreshToken])}
	if exp := strings.TrimSpace(c[FieldTokenExpiry]); exp != "" {
		t, err := time.Parse(time.RFC3339, exp)
		if err != nil {
			v.Add(FieldTokenExpiry, "is not a time; press Generate token again")
		}
		out.Tokens.Expiry = t
	}
	switch {
	case out.OAuth() && (out.APIToken != "" || out.Email != ""):
		v.Add(FieldAPIToken, "Use either Generate token (OAuth) or an email with an API token, not both. Zendesk is retiring API tokens: prefer Generate token.")
	case out.OAuth():
	case out.APIToken == "" && out.Email == "":
		v.Add(FieldAPIToken, "Press Generate token to connect with OAuth, or enter an agent's email and an API token (Admin Center > Apps and integrations > Zendesk API) while Zendesk still accepts them.")
	case out.Email == "" || !strings.Contains(out.Email, "@"):
		v.Add(FieldEmail, "Enter the email address of the Zendesk agent the API token acts as.")
	case out.APIToken == "":
		v.Add(FieldAPIToken, "Enter the API token, or press Generate token to connect with OAuth.")
	}
	if err := v.Err(); err != nil {
		return Credentials{}, err
	}
	return out, nil
}

// BaseURL turns "acme", "acme.zendesk.com" or "https://acme.zendesk.com/"
// into https://acme.zendesk.com, or returns what is wrong. Only
// *.zendesk.com hosts are accepted in production: the OAuth endpoints and
// the API live there, and a typed URL is otherwise an SSRF vector.
func BaseURL(raw string, allowPrivate bool) (string, string) {
	raw = strings.TrimSpace(raw)
	if allowPrivate && strings.Contains(raw, "://") {
		u, err := url.Parse(raw)
		if err == nil && u.Host != "" && egress.CheckURL(u, true) == nil {
			return strings.TrimRight(u.Scheme+"://"+u.Host+u.Path, "/"), ""
		}
	}
	host := strings.ToLower(raw)
	if u, err := url.Parse(host); err == nil && u.Host != "" {
		if u.Scheme != "https" {
			return "", "Tandem reaches Zendesk over https only, e.g. https://acme.zendesk.com."
		}
		if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			return "", "Enter only the subdomain, e.g. acme for https://acme.zendesk.com."
		}
		// A typed URL must already be the Zendesk one: https://2130706433
		// is someone's address, not the subdomain 2130706433.
		if !strings.HasSuffix(u.Host, ".zendesk.com") {
			return "", "The subdomain is the acme in https://acme.zendesk.com: a URL must be that Zendesk address."
		}
		host = u.Host
	}
	sub := strings.TrimSuffix(host, ".zendesk.com")
	if !subdomainPattern().MatchString(sub) {
		return "", "The subdomain is the acme in https://acme.zendesk.com (letters, digits and hyphens)."
	}
	return "https://" + sub + ".zendesk.com", ""
}

// errNoRefresh means an OAuth client has no way to keep a rotated token.
var errNoRefresh = errors.New("no token keeper to store a rotated refresh token")

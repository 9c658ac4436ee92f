package autotask

import (
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// Credential field names as the settings API carries them.
const (
	FieldAPIURL          = "apiUrl"
	FieldUsername        = "username"
	FieldSecret          = "secret"
	FieldIntegrationCode = "integrationCode"
)

// SecretFields are never shown back to a person: the settings API masks them.
var SecretFields = []string{FieldSecret, FieldIntegrationCode}

// Credentials are validated and normalised Autotask API credentials.
type Credentials struct {
	// APIURL is the zone root, always ending in "/", e.g.
	// "https://webservices2.autotask.net/".
	APIURL string
	// Username is the API user's integration key (e-mail-like, but not the
	// user's e-mail address).
	Username string
	// Secret is the API user's password.
	Secret string
	// IntegrationCode is the API tracking identifier of the integration.
	IntegrationCode string
}

// String keeps the secret fields out of any accidental %v.
func (c Credentials) String() string {
	return fmt.Sprintf("autotask.Credentials{APIURL:%q Username:%q Secret:[masked] IntegrationCode:[masked]}", c.APIURL, c.Username)
}

// GoString covers %#v, which does not use String.
func (c Credentials) GoString() string { return c.String() }

// LogValue keeps the secret fields out of structured logs.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("apiUrl", c.APIURL), slog.String("username", c.Username))
}

var (
	// Compiled on first use rather than at package init, where every function
	// binary would pay for it at cold start (BENCHMARKS.md, "Function binaries").
	portalHost = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^ww(\d+)\.autotask\.net$`) })
	apiHost    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^webservices(\d+)\.autotask\.net$`) })
)

// ParseCredentials validates what an administrator typed. Each problem is one
// FieldError whose message says how to fix it; values of secret fields never
// appear in a message. allowPrivate is the local/test mode that accepts a
// simulator URL such as http://127.0.0.1:port/.
func ParseCredentials(c platform.Credentials, allowPrivate bool) (Credentials, error) {
	var v platform.ValidationError
	out := Credentials{
		Username:        strings.TrimSpace(c[FieldUsername]),
		Secret:          strings.TrimSpace(c[FieldSecret]),
		IntegrationCode: strings.TrimSpace(c[FieldIntegrationCode]),
	}

	if raw := strings.TrimSpace(c[FieldAPIURL]); raw == "" {
		v.Add(FieldAPIURL, "Enter the API URL: take your portal URL and replace ww with webservices, keeping the region number (for example https://webservices2.autotask.net/).")
	} else if u, msg := parseAPIURL(raw, allowPrivate); msg != "" {
		v.Add(FieldAPIURL, "%s", msg)
	} else {
		out.APIURL = u
	}

	switch {
	case out.Username == "":
		v.Add(FieldUsername, "Enter the API username: the integration key shown when you generated the API user's credentials (it looks like an e-mail address but is not the user's e-mail address).")
	case strings.ContainsAny(out.Username, " \t\r\n") || !strings.Contains(out.Username, "@"):
		v.Add(FieldUsername, "The API username should be the integration key in an e-mail-like format, with no spaces. Copy it again from Admin > Integration Centre > Create API User.")
	}

	if out.Secret == "" {
		v.Add(FieldSecret, "Enter the API secret (the API password shown once when you generated the key). If it is lost, generate a new key in the Integration Centre.")
	}

	switch {
	case out.IntegrationCode == "":
		v.Add(FieldIntegrationCode, "Enter the API tracking identifier (integration code) issued for this integration.")
	case strings.ContainsAny(out.IntegrationCode, " \t\r\n"):
		v.Add(FieldIntegrationCode, "The API tracking identifier must not contain spaces or line breaks; copy it again in full.")
	}

	if err := v.Err(); err != nil {
		return Credentials{}, err
	}
	return out, nil
}

// parseAPIURL returns the normalised zone root or a message for a person.
func parseAPIURL(raw string, allowPrivate bool) (string, string) {
	const hint = "Confirm the URL uses webservices rather than ww, that the region number matches your portal, and that it begins with https://."
	if !strings.Contains(raw, "://") {
		if m := portalHost().FindStringSubmatch(strings.ToLower(firstSegment(raw))); m != nil {
			return "", fmt.Sprintf("Invalid API URL: this is the portal address. Use https://webservices%s.autotask.net/ instead.", m[1])
		}
		if m := apiHost().FindStringSubmatch(strings.ToLower(firstSegment(raw))); m != nil {
			return "", fmt.Sprintf("Invalid API URL: it must begin with https://, for example https://webservices%s.autotask.net/.", m[1])
		}
		return "", "Invalid API URL. " + hint
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", "Invalid API URL: it could not be read as a URL. " + hint
	}
	host := strings.ToLower(u.Hostname())
	if m := portalHost().FindStringSubmatch(host); m != nil {
		return "", fmt.Sprintf("Invalid API URL: %s is the Autotask portal, not the API. Use https://webservices%s.autotask.net/ (replace ww with webservices, keeping the region number).", host, m[1])
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", "Invalid API URL: remove any user name, query or fragment. " + hint
	}
	if err := egress.CheckURL(u, allowPrivate); err != nil {
		return "", fmt.Sprintf("Invalid API URL: %s. %s", egress.Reason(err), hint)
	}
	if !allowPrivate {
		if u.Scheme != "https" {
			return "", "Invalid API URL: it must begin with https://."
		}
		if !apiHost().MatchString(host) || u.Port() != "" {
			// The host is not echoed: a secret pasted into the wrong field
			// must not come back in a message.
			return "", "Invalid API URL: this is not an Autotask API host. Use https://webservices<N>.autotask.net/, where N is your portal's region number."
		}
	}
	// People paste the REST root or the version root; both mean the zone.
	path := strings.TrimRight(strings.ToLower(u.EscapedPath()), "/")
	path = strings.TrimSuffix(path, "/v1.0")
	path = strings.TrimSuffix(path, "/atservicesrest")
	if path != "" {
		return "", "Invalid API URL: use only the host, for example https://webservices2.autotask.net/, without a path."
	}
	return u.Scheme + "://" + strings.ToLower(u.Host) + "/", ""
}

func firstSegment(s string) string {
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		return s[:i]
	}
	return s
}

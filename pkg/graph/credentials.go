package graph

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// Credential field names as the settings API receives them.
const (
	FieldTenantID     = "tenantId"
	FieldClientID     = "clientId"
	FieldClientSecret = "clientSecret"
	FieldMailbox      = "mailbox"
	// FieldLoginURL and FieldGraphURL point a local runner at a simulator;
	// they are refused outside local/test mode.
	FieldLoginURL = "loginUrl"
	FieldGraphURL = "graphUrl"
)

// SecretFields are the credential fields the settings API must mask.
var SecretFields = []string{FieldClientSecret}

// Credentials are validated, normalised app-only credentials for one mailbox.
type Credentials struct {
	TenantID     string // GUID (lower case) or verified domain (lower case)
	ClientID     string // application (client) id, lower case GUID
	ClientSecret string
	Mailbox      string // e-mail address / UPN, lower case
	LoginURL     string // simulator override, local mode only
	GraphURL     string // simulator override, local mode only
	// Desk is how the organisation sorts and answers its support mail.
	Desk Desk
}

// String masks the secret so credentials printed by mistake do not leak.
func (c Credentials) String() string {
	secret := ""
	if c.ClientSecret != "" {
		secret = "********"
	}
	return fmt.Sprintf("{TenantID:%s ClientID:%s ClientSecret:%s Mailbox:%s}", c.TenantID, c.ClientID, secret, c.Mailbox)
}

// GoString masks the secret for %#v as well.
func (c Credentials) GoString() string { return "graph.Credentials" + c.String() }

var (
	// Compiled on first use rather than at package init, where every function
	// binary would pay for it at cold start (BENCHMARKS.md, "Function binaries").
	guidRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	})
	domainRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	})
)

// ParseCredentials checks the fields an administrator typed and returns them
// normalised, or a *platform.ValidationError with one message per bad field.
func ParseCredentials(c platform.Credentials, allowPrivate bool) (Credentials, error) {
	v := &platform.ValidationError{}
	out := Credentials{
		TenantID:     strings.ToLower(strings.TrimSpace(c[FieldTenantID])),
		ClientID:     strings.ToLower(strings.TrimSpace(c[FieldClientID])),
		ClientSecret: strings.TrimSpace(c[FieldClientSecret]),
		Mailbox:      strings.ToLower(strings.TrimSpace(c[FieldMailbox])),
	}
	checkTenant(v, out.TenantID)
	switch {
	case out.ClientID == "":
		v.Add(FieldClientID, "is required: copy the Application (client) ID from the app registration's Overview page in Microsoft Entra admin center")
	case !guidRE().MatchString(out.ClientID):
		v.Add(FieldClientID, "must be the Application (client) ID, a GUID like 00000000-0000-0000-0000-000000000000, from the app registration's Overview page")
	}
	switch {
	case out.ClientSecret == "":
		v.Add(FieldClientSecret, "is required: create a client secret under the app registration's Certificates & secrets and copy its Value")
	case guidRE().MatchString(strings.ToLower(out.ClientSecret)):
		v.Add(FieldClientSecret, "looks like the secret's Secret ID: copy the Value column instead (it is shown only once, so create a new secret if you no longer have it)")
	}
	checkMailbox(v, out.Mailbox)
	out.Desk = parseDesk(v, c)
	out.LoginURL = checkOverride(v, FieldLoginURL, c[FieldLoginURL], allowPrivate)
	out.GraphURL = checkOverride(v, FieldGraphURL, c[FieldGraphURL], allowPrivate)
	if err := v.Err(); err != nil {
		return Credentials{}, err
	}
	return out, nil
}

func checkTenant(v *platform.ValidationError, t string) {
	switch {
	case t == "":
		v.Add(FieldTenantID, "is required: copy the Directory (tenant) ID from the app registration's Overview page, or use a verified domain such as contoso.onmicrosoft.com")
	case t == "common" || t == "organizations" || t == "consumers":
		// These multi-tenant aliases cannot issue app-only tokens.
		v.Add(FieldTenantID, "must name your own tenant, not %q: use the Directory (tenant) ID GUID or a verified domain such as contoso.onmicrosoft.com", t)
	case !guidRE().MatchString(t) && !domainRE().MatchString(t):
		v.Add(FieldTenantID, "must be the Directory (tenant) ID, a GUID, or a verified domain such as contoso.onmicrosoft.com")
	}
}

func checkMailbox(v *platform.ValidationError, m string) {
	if m == "" {
		v.Add(FieldMailbox, "is required: enter the support mailbox's e-mail address, for example support@contoso.com")
		return
	}
	a, err := mail.ParseAddress(m)
	if err != nil || a.Address != m || a.Name != "" {
		v.Add(FieldMailbox, "must be a plain e-mail address such as support@contoso.com, without a display name or angle brackets")
		return
	}
	if _, domain, _ := strings.Cut(m, "@"); !domainRE().MatchString(domain) {
		v.Add(FieldMailbox, "must end in a domain of your tenant, for example support@contoso.com")
	}
}

// checkOverride accepts a simulator URL only in local mode: in production the
// endpoints are Microsoft's and a typed URL would be an SSRF foothold.
func checkOverride(v *platform.ValidationError, field, raw string, allowPrivate bool) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return ""
	}
	if !allowPrivate {
		v.Add(field, "is only accepted in local test mode; leave it empty to use Microsoft's endpoints")
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		v.Add(field, "is not a valid URL")
		return ""
	}
	if err := egress.CheckURL(u, allowPrivate); err != nil {
		v.Add(field, "is not allowed: %v", err)
		return ""
	}
	return strings.TrimRight(raw, "/")
}

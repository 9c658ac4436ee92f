package connectwise

import (
	"errors"
	"net/url"
	"strings"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// Credential field names as the settings API receives them.
const (
	FieldSite       = "site"
	FieldCompanyID  = "companyId"
	FieldPublicKey  = "publicKey"
	FieldPrivateKey = "privateKey"
	FieldClientID   = "clientId"
)

// SecretFields are never shown back to anyone. The public key stays visible:
// it only names the key pair (ConnectWise shows it in the member's key list)
// and an administrator needs it to tell which key Tandem uses.
var SecretFields = []string{FieldPrivateKey}

// Credentials are validated, normalised ConnectWise credentials.
type Credentials struct {
	// Site is the origin of the API host, e.g. "https://api-na.myconnectwise.net"
	// or an on-premises "https://cw.example.com". It never has a path: the
	// codebase path is discovered per request session from companyinfo.
	Site       string
	CompanyID  string
	PublicKey  string
	PrivateKey string
	ClientID   string
}

// cloudRegions are the ConnectWise cloud regions confirmed by public sources;
// others (e.g. "za") are unconfirmed, so they are typed as a host instead.
var cloudRegions = map[string]bool{"na": true, "eu": true, "au": true}

const cloudDomain = ".myconnectwise.net"

// ParseCredentials validates what an administrator typed and normalises the
// site to the API host. allowPrivate admits http and loopback sites (the
// simulator); production passes false.
func ParseCredentials(c platform.Credentials, allowPrivate bool) (Credentials, error) {
	var v platform.ValidationError
	out := Credentials{
		CompanyID:  strings.TrimSpace(c[FieldCompanyID]),
		PublicKey:  strings.TrimSpace(c[FieldPublicKey]),
		PrivateKey: strings.TrimSpace(c[FieldPrivateKey]),
		ClientID:   strings.TrimSpace(c[FieldClientID]),
	}

	site, msg := normaliseSite(c[FieldSite], allowPrivate)
	if msg != "" {
		v.Add(FieldSite, "%s", msg)
	}
	out.Site = site

	switch {
	case out.CompanyID == "":
		v.Add(FieldCompanyID, "Enter the company ID: the Company value you type on the ConnectWise login screen.")
	case strings.ContainsAny(out.CompanyID, ":+ \t/"):
		v.Add(FieldCompanyID, "The company ID is a single word without spaces, '+', ':' or '/': use the Company value from the ConnectWise login screen, not your username.")
	}
	checkKey(&v, FieldPublicKey, "public", out.PublicKey)
	checkKey(&v, FieldPrivateKey, "private", out.PrivateKey)
	if out.PublicKey != "" && out.PublicKey == out.PrivateKey {
		v.Add(FieldPrivateKey, "The private key is the same as the public key. Paste the private key shown next to the public key when the API key was created.")
	}

	switch {
	case out.ClientID == "":
		v.Add(FieldClientID, "Enter the client ID: register the integration at https://developer.connectwise.com/ClientID and paste the GUID it gives you.")
	case !isGUID(out.ClientID):
		v.Add(FieldClientID, "The client ID is a GUID such as 1a2b3c4d-1a2b-1a2b-1a2b-1a2b3c4d5e6f; copy it from https://developer.connectwise.com/ClientID.")
	}

	if err := v.Err(); err != nil {
		return Credentials{}, err
	}
	out.ClientID = strings.ToLower(out.ClientID)
	return out, nil
}

func checkKey(v *platform.ValidationError, field, which, key string) {
	switch {
	case key == "":
		v.Add(field, "Enter the %s key: in ConnectWise open System > Members > API Members, select the integration's API member, and create a key on the API Keys tab (the private key is shown only once).", which)
	case strings.ContainsAny(key, ": \t\r\n"):
		v.Add(field, "The %s key contains a space or ':'. Copy it again from the API Keys tab without surrounding text.", which)
	}
}

// normaliseSite turns a region code, a cloud web or API host, or an
// on-premises URL into the API origin, or returns a message saying what to
// type instead.
func normaliseSite(raw string, allowPrivate bool) (string, string) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", "Enter the site: na, eu or au for ConnectWise cloud, or the https address of your on-premises server."
	}
	if region := strings.ToLower(s); cloudRegions[region] {
		return "https://api-" + region + cloudDomain, ""
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Hostname() == "" || strings.ContainsAny(u.Host, " \t") {
		return "", "The site is not a valid address. Use na, eu or au for ConnectWise cloud, or an on-premises address such as https://cw.example.com."
	}
	if u.User != nil {
		return "", "Remove the user name and password from the site address; the API keys go in their own fields."
	}
	if err := egress.CheckURL(u, allowPrivate); err != nil {
		if errors.Is(err, egress.ErrForbiddenDestination) && u.Scheme != "https" {
			return "", "The site must use https. ConnectWise cloud and on-premises servers both accept https."
		}
		return "", "The site must be a public https address (" + egress.Reason(err) + "); private and loopback addresses cannot be reached from Tandem."
	}
	host := strings.ToLower(u.Hostname())
	if strings.HasSuffix(host, cloudDomain) {
		if u.Scheme != "https" {
			return "", "The site must use https. ConnectWise cloud and on-premises servers both accept https."
		}
		// The browser address (na.myconnectwise.net) serves the same API, but
		// the api- host is the one ConnectWise documents for integrations.
		prefix := strings.TrimSuffix(host, cloudDomain)
		if cloudRegions[prefix] {
			host = "api-" + prefix + cloudDomain
		}
		return "https://" + host, ""
	}
	out := url.URL{Scheme: u.Scheme, Host: strings.ToLower(u.Host)}
	return out.String(), ""
}

func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

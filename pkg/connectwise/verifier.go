package connectwise

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// keyTTL bounds how long a fetched signing key is trusted without asking
// again; a mismatch refetches at once, so rotation never waits for it.
const keyTTL = time.Hour

// Verifier checks deliveries for one ConnectWise site. The signing key lives
// behind the delivery's Metadata.key_url; Verifier fetches it only from a
// ConnectWise host (a *.myconnectwise.net cloud host or the configured site's
// own host) so a forged delivery cannot make Tandem fetch arbitrary URLs.
type Verifier struct {
	http     *egress.Client
	site     *url.URL
	clientID string

	mu   sync.Mutex
	keys map[string]cachedKey
}

type cachedKey struct {
	key     string
	fetched time.Time
}

// NewVerifier builds a Verifier for the site in creds; opts supplies the
// egress client and local mode exactly as for New.
func NewVerifier(creds Credentials, opts Options) *Verifier {
	if opts.HTTP == nil {
		opts.HTTP = egress.New(egress.Options{AllowPrivate: opts.AllowPrivate, MaxConcurrent: MaxConcurrent})
	}
	site, _ := url.Parse(creds.Site)
	return &Verifier{http: opts.HTTP, site: site, clientID: creds.ClientID, keys: map[string]cachedKey{}}
}

// Verify checks the signature of req, fetching and caching the signing key.
// Every refusal wraps ErrBadSignature; a key that cannot be fetched is a
// *platform.Error (temporary when ConnectWise is unreachable) so the webhook
// function can ask for redelivery instead of dropping the event.
func (v *Verifier) Verify(ctx context.Context, req platform.WebhookRequest) error {
	if headerValue(req.Header, SignatureHeader) == "" {
		return fmt.Errorf("verify connectwise callback: missing %s header: %w", SignatureHeader, ErrBadSignature)
	}
	var d struct {
		Metadata struct {
			KeyURL string `json:"key_url"`
		} `json:"Metadata"`
	}
	if err := json.Unmarshal(req.Body, &d); err != nil || d.Metadata.KeyURL == "" {
		return fmt.Errorf("verify connectwise callback: no Metadata.key_url: %w", ErrBadSignature)
	}
	keyURL, err := v.trustedKeyURL(d.Metadata.KeyURL)
	if err != nil {
		return err
	}
	key, fresh, err := v.key(ctx, keyURL, false)
	if err != nil {
		return err
	}
	err = VerifyWebhook(req, key)
	if err == nil || fresh {
		return err
	}
	// The cached key may have been rotated: fetch once more before refusing.
	if key, _, err = v.key(ctx, keyURL, true); err != nil {
		return err
	}
	return VerifyWebhook(req, key)
}

func (v *Verifier) trustedKeyURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil {
		return "", fmt.Errorf("verify connectwise callback: unreadable key_url: %w", ErrBadSignature)
	}
	host := strings.ToLower(u.Hostname())
	cloud := u.Scheme == "https" && u.Port() == "" && strings.HasSuffix(host, cloudDomain)
	ownSite := v.site != nil && strings.EqualFold(u.Host, v.site.Host) && u.Scheme == v.site.Scheme
	if !cloud && !ownSite {
		return "", fmt.Errorf("verify connectwise callback: key_url host %q is not a ConnectWise host: %w", truncate(host), ErrBadSignature)
	}
	return u.String(), nil
}

// key returns the signing key for keyURL and whether it was just fetched.
func (v *Verifier) key(ctx context.Context, keyURL string, refresh bool) (string, bool, error) {
	v.mu.Lock()
	k, ok := v.keys[keyURL]
	v.mu.Unlock()
	if ok && !refresh && time.Since(k.fetched) < keyTTL {
		return k.key, false, nil
	}
	key, err := v.fetch(ctx, keyURL)
	if err != nil {
		if !platform.IsTemporary(err) {
			// A ConnectWise host that will not hand out the key means the
			// key_url (and so the delivery) is not genuine.
			return "", false, fmt.Errorf("verify connectwise callback: fetch signing key: %w: %w", err, ErrBadSignature)
		}
		return "", false, fmt.Errorf("verify connectwise callback: fetch signing key: %w", err)
	}
	v.mu.Lock()
	v.keys[keyURL] = cachedKey{key: key, fetched: time.Now()}
	v.mu.Unlock()
	return key, true, nil
}

func (v *Verifier) fetch(ctx context.Context, keyURL string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, keyURL, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("clientId", v.clientID)
	resp, err := v.http.Do(req)
	if err != nil {
		reason := platform.ReasonUnreachable
		if errors.Is(err, egress.ErrForbiddenDestination) {
			reason = platform.ReasonInvalid
		}
		return "", &platform.Error{Platform: platform.ConnectWise, Reason: reason,
			Message: "The callback signing key could not be fetched from ConnectWise.", Err: scrubErr{err}}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		e := &platform.Error{Platform: platform.ConnectWise, Reason: platform.ReasonForStatus(resp.StatusCode), Status: resp.StatusCode,
			Message: "ConnectWise refused to hand out the callback signing key."}
		if d, ok := egress.RetryAfter(resp.Header, time.Now()); ok {
			e.RetryAfter = d
		}
		return "", e
	}
	var out struct {
		SigningKey string `json:"signing_key"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.SigningKey == "" {
		return "", &platform.Error{Platform: platform.ConnectWise, Reason: platform.ReasonServer, Status: resp.StatusCode,
			Message: "ConnectWise answered the signing key request without a signing_key."}
	}
	return out.SigningKey, nil
}

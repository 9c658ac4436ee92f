package zendesk

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// App is Tandem's OAuth client registered with Zendesk (deployment
// configuration, read from a secret): the "Unique identifier" and secret of
// the OAuth client, and the callback URL registered with it.
type App struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
	RedirectURL  string `json:"redirectUrl"`
}

// TokenKeeper stores one organisation's OAuth tokens where every function
// reads them (Secrets Manager) and serialises their refresh across
// functions: Zendesk rotates the refresh token on each use, so two
// functions refreshing with the same one would leave one of them, and
// perhaps the store, with a dead token.
type TokenKeeper interface {
	// Load returns the stored tokens.
	Load(ctx context.Context) (Tokens, error)
	// Save stores tokens; it is called only while the lease is held.
	Save(ctx context.Context, t Tokens) error
	// Lock takes the organisation's refresh lease for at most ttl, or
	// returns an error wrapping ErrLocked while another holder has it.
	Lock(ctx context.Context, ttl time.Duration) (unlock func(context.Context), err error)
	// App is the OAuth client the tokens were granted to.
	App(ctx context.Context) (App, error)
}

// ErrLocked means another function is refreshing the tokens.
var ErrLocked = errors.New("zendesk token refresh in progress elsewhere")

const (
	// refreshMargin replaces an access token this long before it expires
	// (Zendesk's default lifetime is 30 minutes).
	refreshMargin = 2 * time.Minute
	// leaseTTL bounds a refresh lease, should its holder die.
	leaseTTL = 30 * time.Second
	// lockWait is how long a function waits for another's refresh.
	lockWait = 20 * time.Second
)

// Scope asks for what the sync needs: tickets, the signed-in user and
// webhooks (grant-type tokens take a space-separated string).
const Scope = "read write"

// NewPKCE returns a code verifier and its S256 challenge (RFC 7636; Zendesk
// documents S256 at developer.zendesk.com/documentation/api-basics/
// authentication/oauth-pkce).
func NewPKCE() (verifier, challenge string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	verifier = base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// AuthorizeURL is where the administrator's browser goes to grant access:
// {base}/oauth/authorizations/new with the authorization-code parameters
// and the PKCE challenge.
func AuthorizeURL(base string, app App, state, challenge string) string {
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {app.ClientID},
		"redirect_uri":          {app.RedirectURL},
		"scope":                 {Scope},
		"state":                 {state},
		"code_challenge":        {challenge},
		"code_challenge_method": {"S256"},
	}
	return base + "/oauth/authorizations/new?" + q.Encode()
}

// tokenAnswer is the grant-type token endpoint's JSON answer.
type tokenAnswer struct {
	AccessToken      string `json:"access_token"`
	RefreshToken     string `json:"refresh_token"`
	ExpiresIn        *int64 `json:"expires_in"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// Exchange trades an authorization code for tokens at {base}/oauth/tokens
// (JSON body; the code is valid for 120 seconds).
func Exchange(ctx context.Context, h *egress.Client, base string, app App, code, verifier string, now time.Time) (Tokens, error) {
	return grant(ctx, h, base, map[string]string{
		"grant_type": "authorization_code", "code": code, "client_id": app.ClientID, "client_secret": app.ClientSecret,
		"redirect_uri": app.RedirectURL, "scope": Scope, "code_verifier": verifier,
	}, now)
}

// ErrGrantRefused means Zendesk refused the code or the refresh token: the
// administrator must press Generate token again.
var ErrGrantRefused = errors.New("zendesk refused the grant")

func grant(ctx context.Context, h *egress.Client, base string, body map[string]string, now time.Time) (Tokens, error) {
	payload, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(egress.NotIdempotent(ctx), http.MethodPost, base+"/oauth/tokens", bytes.NewReader(payload))
	if err != nil {
		return Tokens{}, fmt.Errorf("token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := h.Do(req)
	if err != nil {
		return Tokens{}, &platform.Error{Platform: Kind, Reason: platform.ReasonUnreachable,
			Message: "Zendesk's sign-in could not be reached at " + base + ".", Err: err}
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var ans tokenAnswer
	_ = json.Unmarshal(data, &ans)
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		e := &platform.Error{Platform: Kind, Reason: platform.ReasonForStatus(resp.StatusCode), Status: resp.StatusCode,
			Message: "Zendesk's sign-in is unavailable; Tandem will try again later."}
		if d, ok := egress.RetryAfter(resp.Header, now); ok {
			e.RetryAfter = d
		}
		return Tokens{}, e
	case resp.StatusCode != http.StatusOK || ans.AccessToken == "":
		return Tokens{}, &platform.Error{Platform: Kind, Reason: platform.ReasonAuthFailed, Status: resp.StatusCode,
			Message: "Authentication failed: Zendesk refused Tandem's authorization (" + safeCode(ans.Error) +
				"). Press Generate token on the settings page to authorize Tandem again.", Err: ErrGrantRefused}
	}
	t := Tokens{Access: ans.AccessToken, Refresh: ans.RefreshToken}
	if ans.ExpiresIn != nil && *ans.ExpiresIn > 0 {
		t.Expiry = now.Add(time.Duration(*ans.ExpiresIn) * time.Second).UTC().Truncate(time.Second)
	}
	return t, nil
}

// safeCode keeps an OAuth error code short and printable.
func safeCode(code string) string {
	if code == "" || len(code) > 40 {
		return "no reason given"
	}
	for _, r := range code {
		if (r < 'a' || r > 'z') && r != '_' {
			return "no reason given"
		}
	}
	return code
}

// refresh replaces the access token that was refused or is about to
// expire (stale), at most once across every function of the organisation:
// the keeper's lease lets one function refresh; the others wait for it and
// read the tokens it stored.
func (c *Client) refresh(ctx context.Context, stale string) error {
	c.refreshMu.Lock()
	defer c.refreshMu.Unlock()
	c.mu.Lock()
	cur, keeper := c.tokens, c.keeper
	c.mu.Unlock()
	if cur.Access != stale && cur.fresh(c.now(), refreshMargin) {
		return nil // refreshed while this call waited
	}
	if keeper == nil {
		return &platform.Error{Platform: Kind, Reason: platform.ReasonAuthFailed,
			Message: "Authentication failed: the Zendesk access token has expired. Press Generate token on the settings page.", Err: errNoRefresh}
	}
	deadline := c.now().Add(lockWait)
	for wait := 50 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		if ok, err := c.adopt(ctx, keeper, stale); ok || err != nil {
			return err
		}
		unlock, err := keeper.Lock(ctx, leaseTTL)
		if err == nil {
			defer unlock(context.WithoutCancel(ctx))
			return c.refreshHolding(ctx, keeper, stale)
		}
		if !errors.Is(err, ErrLocked) {
			return fmt.Errorf("refresh zendesk token: %w", err)
		}
		if c.now().After(deadline) {
			return &platform.Error{Platform: Kind, Reason: platform.ReasonUnreachable,
				Message: "Another Tandem function is refreshing the Zendesk token; Tandem will try again later.", Err: err}
		}
		// Backoff while another function holds the lease, not test
		// synchronisation: the holder's Save ends the wait at the next look.
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// adopt takes the stored tokens when another function has already replaced
// the stale access token.
func (c *Client) adopt(ctx context.Context, keeper TokenKeeper, stale string) (bool, error) {
	stored, err := keeper.Load(ctx)
	if err != nil {
		return false, fmt.Errorf("read zendesk tokens: %w", err)
	}
	if stored.Access == stale || !stored.fresh(c.now(), refreshMargin) {
		return false, nil
	}
	c.mu.Lock()
	c.tokens = stored
	c.mu.Unlock()
	return true, nil
}

// refreshHolding refreshes with the lease held: the stored refresh token is
// read again (another function may have rotated it just before the lease
// changed hands), spent, and the new pair stored before anything uses it.
func (c *Client) refreshHolding(ctx context.Context, keeper TokenKeeper, stale string) error {
	if ok, err := c.adopt(ctx, keeper, stale); ok || err != nil {
		return err
	}
	stored, err := keeper.Load(ctx)
	if err != nil {
		return fmt.Errorf("read zendesk tokens: %w", err)
	}
	if stored.Refresh == "" {
		return &platform.Error{Platform: Kind, Reason: platform.ReasonAuthFailed,
			Message: "Authentication failed: Zendesk granted no refresh token. Press Generate token on the settings page.", Err: ErrGrantRefused}
	}
	app, err := keeper.App(ctx)
	if err != nil {
		return fmt.Errorf("zendesk oauth client: %w", err)
	}
	next, err := grant(ctx, c.http, c.creds.BaseURL, map[string]string{
		"grant_type": "refresh_token", "refresh_token": stored.Refresh, "client_id": app.ClientID, "client_secret": app.ClientSecret,
	}, c.now())
	if err != nil {
		return fmt.Errorf("refresh zendesk token: %w", err)
	}
	if next.Refresh == "" {
		next.Refresh = stored.Refresh // a grant without rotation keeps the old one valid
	}
	// The old refresh token is dead from here on: the new pair must be
	// stored, or the organisation has to authorize again.
	if err := keeper.Save(context.WithoutCancel(ctx), next); err != nil {
		c.log.ErrorContext(ctx, "zendesk: rotated tokens not stored", "error", err)
		return fmt.Errorf("store rotated zendesk tokens: %w", err)
	}
	c.mu.Lock()
	c.tokens = next
	c.mu.Unlock()
	c.log.DebugContext(ctx, "zendesk: access token refreshed")
	return nil
}

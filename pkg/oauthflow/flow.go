// Package oauthflow is "Generate token": an administrator starts Zendesk's
// OAuth authorization-code flow (with PKCE) from the settings page, signs
// in to Zendesk in another tab, and Zendesk's redirect to Tandem's public
// callback completes it. The callback trusts nothing but the state: one
// that Tandem issued to the organisation moments ago and that was never
// used. The tokens are saved as the organisation's Zendesk credentials.
package oauthflow

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/zendesk"
)

// StateTTL is how long an authorization may take: signing in and
// consenting takes a person a minute or two.
const StateTTL = 10 * time.Minute

// State is a pending authorization, stored under the hash of the state
// value the browser carries; the value itself is never stored.
type State struct {
	Hash      string
	OrgID     string
	BaseURL   string // the Zendesk account being authorized
	Verifier  string // PKCE code verifier
	ExpiresAt time.Time
}

// Store keeps pending authorizations.
type Store interface {
	PutOAuthState(ctx context.Context, s State) error
	// TakeOAuthState removes the state and returns it, or an error wrapping
	// ErrUnknownState when none is stored under hash: taking is atomic, so
	// a state completes at most one authorization.
	TakeOAuthState(ctx context.Context, hash string) (State, error)
}

// Credentials saves an organisation's platform credentials
// (*settings.Service).
type Credentials interface {
	SaveCredentials(ctx context.Context, org string, kind platform.Kind, creds platform.Credentials) error
}

// Errors of the callback; each is refused without touching any
// organisation's credentials.
var (
	ErrUnknownState  = errors.New("unknown or already used authorization state")
	ErrExpiredState  = errors.New("authorization took too long")
	ErrDenied        = errors.New("authorization denied in Zendesk")
	ErrNotConfigured = errors.New("zendesk oauth client not configured")
)

// Flow runs "Generate token".
type Flow struct {
	Store        Store
	Credentials  Credentials
	App          func(ctx context.Context) (zendesk.App, error)
	HTTP         *egress.Client
	Clock        clock.Clock
	AllowPrivate bool // local/test mode: a simulator URL stands in for the subdomain
	Log          *slog.Logger
}

// Started is the answer to a start: where to send the administrator.
type Started struct {
	AuthorizeURL string    `json:"authorizeUrl"`
	State        string    `json:"state"`
	ExpiresAt    time.Time `json:"expiresAt"`
}

// Start begins an authorization of the Zendesk account at subdomain for
// org.
func (f *Flow) Start(ctx context.Context, org, subdomain string) (Started, error) {
	base, msg := zendesk.BaseURL(subdomain, f.AllowPrivate)
	if msg != "" {
		v := &platform.ValidationError{}
		v.Add("subdomain", "%s", msg)
		return Started{}, v
	}
	app, err := f.app(ctx)
	if err != nil {
		return Started{}, err
	}
	state := randomState()
	verifier, challenge := zendesk.NewPKCE()
	st := State{Hash: hashState(state), OrgID: org, BaseURL: base, Verifier: verifier, ExpiresAt: f.Clock.Now().Add(StateTTL)}
	if err := f.Store.PutOAuthState(ctx, st); err != nil {
		return Started{}, fmt.Errorf("start zendesk authorization: %w", err)
	}
	f.log().InfoContext(ctx, "zendesk authorization started", "org_id", org)
	return Started{AuthorizeURL: zendesk.AuthorizeURL(base, app, state, challenge), State: state, ExpiresAt: st.ExpiresAt}, nil
}

// Complete handles Zendesk's redirect: the state is taken (so it can
// never be used again) before anything else, then checked for age, and
// only then is the code exchanged and the tokens saved for the
// organisation that started the authorization. It returns that
// organisation.
func (f *Flow) Complete(ctx context.Context, state, code, denied string) (string, error) {
	if state == "" {
		return "", fmt.Errorf("complete zendesk authorization: %w", ErrUnknownState)
	}
	st, err := f.Store.TakeOAuthState(ctx, hashState(state))
	if err != nil {
		return "", fmt.Errorf("complete zendesk authorization: %w", err)
	}
	if f.Clock.Now().After(st.ExpiresAt) {
		return "", fmt.Errorf("complete zendesk authorization: %w", ErrExpiredState)
	}
	if denied != "" || code == "" {
		return "", fmt.Errorf("complete zendesk authorization: %w", ErrDenied)
	}
	app, err := f.app(ctx)
	if err != nil {
		return "", err
	}
	tok, err := zendesk.Exchange(ctx, f.HTTP, st.BaseURL, app, code, st.Verifier, f.Clock.Now())
	if err != nil {
		return "", fmt.Errorf("complete zendesk authorization: %w", err)
	}
	creds := platform.Credentials{
		zendesk.FieldSubdomain: st.BaseURL, zendesk.FieldAccessToken: tok.Access, zendesk.FieldRefreshToken: tok.Refresh,
	}
	if !tok.Expiry.IsZero() {
		creds[zendesk.FieldTokenExpiry] = tok.Expiry.UTC().Format(time.RFC3339)
	}
	if err := f.Credentials.SaveCredentials(ctx, st.OrgID, zendesk.Kind, creds); err != nil {
		return "", fmt.Errorf("save zendesk tokens: %w", err)
	}
	f.log().InfoContext(ctx, "zendesk authorization completed", "org_id", st.OrgID)
	return st.OrgID, nil
}

func (f *Flow) app(ctx context.Context) (zendesk.App, error) {
	if f.App == nil {
		return zendesk.App{}, ErrNotConfigured
	}
	app, err := f.App(ctx)
	if err != nil {
		return zendesk.App{}, fmt.Errorf("%w: %w", ErrNotConfigured, err)
	}
	if app.ClientID == "" || app.ClientSecret == "" || app.RedirectURL == "" {
		return zendesk.App{}, ErrNotConfigured
	}
	return app, nil
}

func (f *Flow) log() *slog.Logger {
	if f.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return f.Log
}

func randomState() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashState(state string) string {
	sum := sha256.Sum256([]byte(state))
	return hex.EncodeToString(sum[:])
}

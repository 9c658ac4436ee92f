package zendesk_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/zendesk"
	"github.com/tandemsync/tandem/pkg/zendesk/zendesksim"
)

const redirect = "https://tandem.example/v1/oauth/zendesk/callback"

var app = zendesk.App{ClientID: zendesksim.Tandem.ID, ClientSecret: zendesksim.Tandem.Secret, RedirectURL: redirect}

// authorize walks the browser part of the flow against the simulator: the
// authorize URL answers with a redirect to the callback carrying the code
// and the state.
func authorize(t *testing.T, s *zendesksim.Server, state, challenge string) url.Values {
	t.Helper()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(zendesk.AuthorizeURL(s.URL, app, state, challenge))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || loc.Scheme+"://"+loc.Host+loc.Path != redirect {
		t.Fatalf("authorize: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query()
}

// memKeeper is a TokenKeeper in memory for the client's unit tests; the
// application's keeper (Secrets Manager + a DynamoDB lease) is exercised
// end to end in pkg/localrun.
type memKeeper struct {
	mu     sync.Mutex
	tokens zendesk.Tokens
	held   bool
	saves  int
}

func (k *memKeeper) Load(context.Context) (zendesk.Tokens, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.tokens, nil
}

func (k *memKeeper) Save(_ context.Context, t zendesk.Tokens) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.tokens = t
	k.saves++
	return nil
}

func (k *memKeeper) Lock(context.Context, time.Duration) (func(context.Context), error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.held {
		return nil, zendesk.ErrLocked
	}
	k.held = true
	return func(context.Context) { k.mu.Lock(); k.held = false; k.mu.Unlock() }, nil
}

func (k *memKeeper) App(context.Context) (zendesk.App, error) { return app, nil }

func oauthClient(t *testing.T, s *zendesksim.Server, tok zendesk.Tokens, k zendesk.TokenKeeper) *zendesk.Client {
	t.Helper()
	creds, err := zendesk.ParseCredentials(platform.Credentials{"subdomain": s.URL, "accessToken": tok.Access,
		"refreshToken": tok.Refresh, "tokenExpiry": tok.Expiry.Format(time.RFC3339)}, true)
	if err != nil {
		t.Fatal(err)
	}
	return zendesk.New(creds, zendesk.Options{AllowPrivate: true, Keeper: k})
}

func TestAuthorizationCodeRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := zendesksim.New(t, zendesksim.Options{})
	h := egress.New(egress.Options{AllowPrivate: true})
	verifier, challenge := zendesk.NewPKCE()
	back := authorize(t, s, "state-1", challenge)
	if back.Get("state") != "state-1" || back.Get("code") == "" {
		t.Fatalf("callback query %v", back)
	}
	// A wrong verifier is refused, and spends the code.
	if _, err := zendesk.Exchange(ctx, h, s.URL, app, back.Get("code"), "not-the-verifier", time.Now()); !errors.Is(err, zendesk.ErrGrantRefused) {
		t.Fatalf("wrong verifier: %v", err)
	}
	if _, err := zendesk.Exchange(ctx, h, s.URL, app, back.Get("code"), verifier, time.Now()); !errors.Is(err, zendesk.ErrGrantRefused) {
		t.Fatalf("a spent code was accepted: %v", err)
	}
	verifier, challenge = zendesk.NewPKCE()
	back = authorize(t, s, "state-2", challenge)
	tok, err := zendesk.Exchange(ctx, h, s.URL, app, back.Get("code"), verifier, time.Now())
	if err != nil || tok.Access == "" || tok.Refresh == "" || time.Until(tok.Expiry) < 29*time.Minute || time.Until(tok.Expiry) > 31*time.Minute {
		t.Fatalf("tokens = %+v, %v", tok, err)
	}
	c := oauthClient(t, s, tok, &memKeeper{tokens: tok})
	if id, err := c.ActorID(ctx); err != nil || id == "" {
		t.Fatalf("signed in as %q: %v", id, err)
	}
}

// Expired access tokens are refreshed; the rotated pair is stored, and the
// spent refresh token no longer works.
func TestExpiredAccessTokenIsRefreshedAndStored(t *testing.T) {
	ctx := context.Background()
	s := zendesksim.New(t, zendesksim.Options{})
	tok := grantTokens(t, s)
	k := &memKeeper{tokens: tok}
	c := oauthClient(t, s, tok, k)
	s.ExpireAccessTokens()
	if err := c.Test(ctx); err != nil {
		t.Fatal(err)
	}
	stored, _ := k.Load(ctx)
	if s.Refreshes() != 1 || stored.Refresh == tok.Refresh || !s.RefreshTokenValid(stored.Refresh) || s.RefreshTokenValid(tok.Refresh) {
		t.Fatalf("refreshes=%d stored=%+v", s.Refreshes(), stored)
	}
	// Without a keeper the client never spends the refresh token.
	c2 := oauthClient(t, s, stored, nil)
	s.ExpireAccessTokens()
	if err := c2.Test(ctx); platform.ReasonOf(err) != platform.ReasonAuthFailed || !s.RefreshTokenValid(stored.Refresh) {
		t.Fatalf("a keeperless client: %v (refresh token valid: %v)", err, s.RefreshTokenValid(stored.Refresh))
	}
}

// Two functions find the access token expired at once: one refreshes, the
// other waits and takes the stored pair; one refresh token is left, and
// it works.
func TestRefreshRaceLeavesOneWorkingRefreshToken(t *testing.T) {
	ctx := context.Background()
	s := zendesksim.New(t, zendesksim.Options{})
	tok := grantTokens(t, s)
	k := &memKeeper{tokens: tok}
	clients := []*zendesk.Client{oauthClient(t, s, tok, k), oauthClient(t, s, tok, k), oauthClient(t, s, tok, k)}
	s.ExpireAccessTokens()
	var wg sync.WaitGroup
	errs := make([]error, len(clients))
	for i, c := range clients {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = c.Test(ctx) }()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
	}
	stored, _ := k.Load(ctx)
	if s.Refreshes() != 1 || k.saves != 1 || s.ValidRefreshTokens() != 1 || !s.RefreshTokenValid(stored.Refresh) {
		t.Fatalf("refreshes=%d saves=%d valid refresh tokens=%d stored valid=%v", s.Refreshes(), k.saves, s.ValidRefreshTokens(), s.RefreshTokenValid(stored.Refresh))
	}
	// The stored refresh token still works.
	s.ExpireAccessTokens()
	if err := oauthClient(t, s, stored, k).Test(ctx); err != nil || s.Refreshes() != 2 {
		t.Fatalf("the stored refresh token: %v (refreshes %d)", err, s.Refreshes())
	}
}

func grantTokens(t *testing.T, s *zendesksim.Server) zendesk.Tokens {
	t.Helper()
	verifier, challenge := zendesk.NewPKCE()
	back := authorize(t, s, "st", challenge)
	tok, err := zendesk.Exchange(context.Background(), egress.New(egress.Options{AllowPrivate: true}), s.URL, app, back.Get("code"), verifier, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

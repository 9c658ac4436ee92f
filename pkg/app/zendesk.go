package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/tandemsync/tandem/pkg/dynamostore"
	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/oauthflow"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/settings"
	"github.com/tandemsync/tandem/pkg/zendesk"
)

// ZendeskOAuthSecret names the secret holding Tandem's Zendesk OAuth client
// (deployment configuration, JSON {"clientId","clientSecret","redirectUrl"});
// TANDEM_ZENDESK_OAUTH_SECRET overrides it.
const ZendeskOAuthSecret = settings.SecretNamespace + "config/zendesk-oauth"

// zendeskApp reads the OAuth client once per process.
type zendeskApp struct {
	secrets settings.SecretStore
	name    string

	mu  sync.Mutex
	app *zendesk.App
}

func (z *zendeskApp) get(ctx context.Context) (zendesk.App, error) {
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.app != nil {
		return *z.app, nil
	}
	raw, err := z.secrets.GetSecret(ctx, z.name)
	if err != nil {
		return zendesk.App{}, fmt.Errorf("read zendesk oauth client: %w", err)
	}
	var a zendesk.App
	if err := json.Unmarshal(raw, &a); err != nil {
		return zendesk.App{}, fmt.Errorf("decode zendesk oauth client: %w", err)
	}
	z.app = &a
	return a, nil
}

func zendeskOAuthSecretName() string {
	if n := os.Getenv("TANDEM_ZENDESK_OAUTH_SECRET"); n != "" {
		return n
	}
	return ZendeskOAuthSecret
}

// tokenKeeper keeps one organisation's Zendesk tokens inside its stored
// credentials (Secrets Manager), with a DynamoDB lease so that only one
// function at a time spends the rotating refresh token.
type tokenKeeper struct {
	org     string
	secrets settings.SecretStore
	store   *dynamostore.Store
	app     *zendeskApp
	now     func() time.Time
}

const refreshLease = "zendesk-token-refresh"

func (k *tokenKeeper) creds(ctx context.Context) (platform.Credentials, error) {
	raw, err := k.secrets.GetSecret(ctx, settings.SecretName(k.org, zendesk.Kind))
	if err != nil {
		return nil, err
	}
	var c platform.Credentials
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("decode zendesk credentials: %w", err)
	}
	return c, nil
}

func (k *tokenKeeper) Load(ctx context.Context) (zendesk.Tokens, error) {
	c, err := k.creds(ctx)
	if err != nil {
		return zendesk.Tokens{}, err
	}
	t := zendesk.Tokens{Access: c[zendesk.FieldAccessToken], Refresh: c[zendesk.FieldRefreshToken]}
	if exp, err := time.Parse(time.RFC3339, c[zendesk.FieldTokenExpiry]); err == nil {
		t.Expiry = exp
	}
	return t, nil
}

func (k *tokenKeeper) Save(ctx context.Context, t zendesk.Tokens) error {
	c, err := k.creds(ctx)
	if err != nil {
		return err
	}
	c[zendesk.FieldAccessToken], c[zendesk.FieldRefreshToken] = t.Access, t.Refresh
	delete(c, zendesk.FieldTokenExpiry)
	if !t.Expiry.IsZero() {
		c[zendesk.FieldTokenExpiry] = t.Expiry.UTC().Format(time.RFC3339)
	}
	raw, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return k.secrets.PutSecret(ctx, settings.SecretName(k.org, zendesk.Kind), raw)
}

func (k *tokenKeeper) Lock(ctx context.Context, ttl time.Duration) (func(context.Context), error) {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	owner := hex.EncodeToString(b)
	now := k.now()
	ok, err := k.store.AcquireLease(ctx, k.org, refreshLease, owner, now, now.Add(ttl))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, zendesk.ErrLocked
	}
	return func(ctx context.Context) { _ = k.store.ReleaseLease(ctx, k.org, refreshLease, owner) }, nil
}

func (k *tokenKeeper) App(ctx context.Context) (zendesk.App, error) { return k.app.get(ctx) }

// tokenKeeping is implemented by clients whose credentials rotate
// (Zendesk's OAuth tokens).
type tokenKeeping interface {
	KeepTokens(zendesk.TokenKeeper)
}

// keepTokens gives client org's token keeper when it needs one.
func (d *Deps) keepTokens(org string, client platform.Client) {
	if k, ok := client.(tokenKeeping); ok {
		k.KeepTokens(&tokenKeeper{org: org, secrets: d.Secrets, store: d.Store, app: d.zendeskApp, now: d.Clock.Now})
	}
}

type savedCredentials struct{ svc *settings.Service }

func (s savedCredentials) SaveCredentials(ctx context.Context, org string, kind platform.Kind, creds platform.Credentials) error {
	_, err := s.svc.Save(ctx, org, kind, creds)
	return err
}

// OAuthFlow is "Generate token" for Zendesk.
func (d *Deps) OAuthFlow() *oauthflow.Flow {
	return &oauthflow.Flow{
		Store: d.Store, Credentials: savedCredentials{d.Settings}, App: d.zendeskApp.get,
		HTTP: egress.New(egress.Options{AllowPrivate: d.localMode}), Clock: d.Clock, AllowPrivate: d.localMode, Log: d.Log,
	}
}

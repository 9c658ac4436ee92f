package webhook

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/platform"
)

// Accounts gives the caller's platform and a client for it.
type Accounts interface {
	Kind(ctx context.Context, org string) (platform.Kind, error)
	Client(ctx context.Context, org string) (platform.Client, error)
}

// Manual returns kind's paste-it-yourself steps, or nil where the platform
// registers webhooks through its API alone.
type Manual interface {
	ManualWebhook(kind platform.Kind) func(url, secret string) string
}

// Installer creates endpoints and registers them with the platform.
type Installer struct {
	Store    Store
	Secrets  SecretStore
	Accounts Accounts
	// BaseURL is the public URL of the API, e.g. https://abc.execute-api.eu-west-1.amazonaws.com.
	BaseURL string
	// Manual gives, for a platform whose documentation has the
	// administrator paste the URL and secret, the steps to do so.
	Manual Manual
	Clock  clock.Clock
	Log    *slog.Logger
}

// Installed is the answer to POST /v1/settings/platform/webhooks.
type Installed struct {
	EndpointID string        `json:"endpointId"`
	Platform   platform.Kind `json:"platform"`
	URL        string        `json:"url"`
	Registered bool          `json:"registered"`
	ExpiresAt  *time.Time    `json:"expiresAt,omitempty"`
	// Secret and Instructions are only returned when the administrator has
	// to paste them into the platform; shown once, like a new API key.
	Secret       string `json:"secret,omitempty"`
	Instructions string `json:"instructions,omitempty"`
}

// Install creates a new endpoint for org's platform. Older endpoints keep
// working until removed, so a reinstall never drops deliveries.
func (in *Installer) Install(ctx context.Context, org string) (Installed, error) {
	kind, err := in.Accounts.Kind(ctx, org)
	if err != nil {
		return Installed{}, fmt.Errorf("install webhook: %w", err)
	}
	id, secret := newEndpointID(), newSecret()
	url := strings.TrimRight(in.BaseURL, "/") + "/webhooks/" + string(kind) + "/" + id
	ep := Endpoint{ID: id, OrgID: org, Platform: kind, SecretName: SecretName(org, kind, id), CreatedAt: in.Clock.Now()}
	if err := in.Secrets.PutSecret(ctx, ep.SecretName, []byte(secret)); err != nil {
		return Installed{}, fmt.Errorf("install webhook: %w", err)
	}
	out := Installed{EndpointID: id, Platform: kind, URL: url}
	client, err := in.Accounts.Client(ctx, org)
	if err != nil {
		in.cleanup(ctx, ep)
		return Installed{}, fmt.Errorf("install webhook: %w", err)
	}
	spec := platform.WebhookSpec{URL: url, DeactivationURL: url, Secret: secret, Name: "Tandem " + id[len(id)-6:]}
	if actor, ok := client.(interface {
		ActorID(ctx context.Context) (string, error)
	}); ok {
		if self, err := actor.ActorID(ctx); err == nil {
			spec.ExcludeActorID = self
		}
	}
	hook, err := client.RegisterWebhook(ctx, spec)
	steps := in.Manual.ManualWebhook(kind)
	switch {
	case err != nil && steps != nil:
		// Registration through the API is best effort where the platform
		// documents a manual set-up (Halo): the administrator pastes these.
		out.Secret = secret
		out.Instructions = steps(url, secret)
	case err != nil:
		in.cleanup(ctx, ep)
		return Installed{}, fmt.Errorf("register %s webhook: %w", kind, err)
	default:
		ep.PlatformWebhookID, ep.ExpiresAt = hook.ID, hook.ExpiresAt
		out.Registered = true
		if !hook.ExpiresAt.IsZero() {
			t := hook.ExpiresAt
			out.ExpiresAt = &t
		}
	}
	if err := in.Store.PutEndpoint(ctx, ep); err != nil {
		in.cleanup(ctx, ep)
		return Installed{}, fmt.Errorf("install webhook: %w", err)
	}
	in.logger().InfoContext(ctx, "webhook installed", "org_id", org, "platform", kind, "endpoint_id", id, "registered", out.Registered)
	return out, nil
}

func (in *Installer) cleanup(ctx context.Context, ep Endpoint) {
	if err := in.Secrets.DeleteSecret(ctx, ep.SecretName); err != nil {
		in.logger().WarnContext(ctx, "webhook secret left behind", "endpoint_id", ep.ID, "error", err)
	}
}

func (in *Installer) logger() *slog.Logger {
	if in.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return in.Log
}

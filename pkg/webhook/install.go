package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
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

// ErrNotRegistered is wrapped, next to the platform's own error, when the
// platform refused to register the endpoint (Graph, say, when its
// validation request was not answered).
var ErrNotRegistered = errors.New("webhook not registered")

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

// Install creates a new endpoint for org's platform and registers it, then
// removes the organisation's previous endpoints for that platform (at the
// platform, their secrets and their records), so a reinstall leaves one
// endpoint and deliveries never multiply. The previous ones go only once
// the new one is registered, so a reinstall never drops deliveries.
//
// The endpoint and its secret are stored before the platform is asked to
// register it: Microsoft Graph validates the notification URL while the
// subscription is being created, and the receiver can only answer for an
// endpoint it can look up. If registration fails, both are removed again.
func (in *Installer) Install(ctx context.Context, org string) (Installed, error) {
	kind, err := in.Accounts.Kind(ctx, org)
	if err != nil {
		return Installed{}, fmt.Errorf("install webhook: %w", err)
	}
	client, err := in.Accounts.Client(ctx, org)
	if err != nil {
		return Installed{}, fmt.Errorf("install webhook: %w", err)
	}
	id, secret := newEndpointID(), newSecret()
	url := strings.TrimRight(in.BaseURL, "/") + "/webhooks/" + string(kind) + "/" + id
	ep := Endpoint{ID: id, OrgID: org, Platform: kind, SecretName: SecretName(org, kind, id), CreatedAt: in.Clock.Now()}
	self := actorOf(ctx, client)
	if watched, ok := in.watched(ctx, org, kind); ok {
		// Without the open watches the endpoint cannot tell when an echo
		// is needed: it records no user, and queues every delivery.
		ep.ActorID, ep.Watched = self, watched
	}
	if err := in.Secrets.PutSecret(ctx, ep.SecretName, []byte(secret)); err != nil {
		return Installed{}, fmt.Errorf("install webhook: %w", err)
	}
	if err := in.Store.PutEndpoint(ctx, ep); err != nil {
		in.forget(ctx, ep)
		return Installed{}, fmt.Errorf("install webhook: %w", err)
	}
	out := Installed{EndpointID: id, Platform: kind, URL: url}
	spec := platform.WebhookSpec{URL: url, DeactivationURL: url, Secret: secret, Name: "Tandem " + id[len(id)-6:]}
	spec.ExcludeActorID = self
	hook, err := client.RegisterWebhook(ctx, spec)
	steps := in.Manual.ManualWebhook(kind)
	switch {
	case err != nil && steps != nil:
		// Registration through the API is best effort where the platform
		// documents a manual set-up (Halo): the administrator pastes these.
		out.Secret = secret
		out.Instructions = steps(url, secret)
	case err != nil:
		in.forget(ctx, ep)
		return Installed{}, fmt.Errorf("register %s webhook: %w: %w", kind, ErrNotRegistered, err)
	default:
		ep.PlatformWebhookID, ep.ExpiresAt = hook.ID, hook.ExpiresAt
		if hook.Secret != "" {
			// The platform signs with a secret of its own choosing.
			if err := in.Secrets.PutSecret(ctx, ep.SecretName, []byte(hook.Secret)); err != nil {
				in.unregister(ctx, client, ep)
				in.forget(ctx, ep)
				return Installed{}, fmt.Errorf("install webhook: %w", err)
			}
		}
		err := in.baseline(ctx, client, &ep)
		if err == nil {
			err = in.Store.PutEndpoint(ctx, ep)
		}
		if err != nil {
			// Without the registration's id the endpoint could never be
			// removed at the platform: undo it now rather than leak it.
			in.unregister(ctx, client, ep)
			in.forget(ctx, ep)
			return Installed{}, fmt.Errorf("install webhook: %w", err)
		}
		out.Registered = true
		if !hook.ExpiresAt.IsZero() {
			t := hook.ExpiresAt
			out.ExpiresAt = &t
		}
	}
	in.logger().InfoContext(ctx, "webhook installed", "org_id", org, "platform", kind, "endpoint_id", id, "registered", out.Registered)
	in.replace(ctx, client, org, ep)
	return out, nil
}

// actorOf is the platform user client acts as, where it can tell; "" when
// it cannot.
func actorOf(ctx context.Context, client platform.Client) string {
	actor, ok := client.(interface {
		ActorID(ctx context.Context) (string, error)
	})
	if !ok {
		return ""
	}
	self, err := actor.ActorID(ctx)
	if err != nil {
		return ""
	}
	return self
}

// watched is every open stopped-webhook watch recorded on org's endpoints
// for kind (EchoWatches): a reinstall is what a report asks for, and the
// new endpoint must queue echoes until a delivery has cleared the report.
// ok is false when they could not be read.
func (in *Installer) watched(ctx context.Context, org string, kind platform.Kind) (_ []string, ok bool) {
	eps, err := in.Store.EndpointsOf(ctx, org)
	if err != nil {
		in.logger().WarnContext(ctx, "webhook watches not read; the new endpoint queues echoes", "org_id", org, "error", err)
		return nil, false
	}
	var out []string
	for _, ep := range eps {
		if ep.Platform != kind {
			continue
		}
		for _, c := range ep.Watched {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out, true
}

// Reidentify records, on org's endpoints for its platform, the user the
// organisation's newly saved credentials act as (Endpoint.ActorID): the
// settings service calls it after saving them, since they may name another
// user. Where the platform cannot tell now, the record is cleared, so every
// delivery is queued and the sync function tells echoes apart.
func (in *Installer) Reidentify(ctx context.Context, org string) {
	eps, err := in.Store.EndpointsOf(ctx, org)
	if err != nil || len(eps) == 0 {
		if err != nil {
			in.logger().WarnContext(ctx, "webhook endpoints not listed to record the acting user", "org_id", org, "error", err)
		}
		return
	}
	kind, client, err := in.account(ctx, org)
	self := ""
	if err == nil {
		self = actorOf(ctx, client)
	}
	for _, ep := range eps {
		if err == nil && ep.Platform != kind || ep.ActorID == self {
			// Another platform's endpoint (its removal failed) still
			// receives that platform's deliveries, whose user it records.
			continue
		}
		ep.ActorID = self
		if err := in.Store.PutEndpoint(ctx, ep); err != nil {
			in.logger().WarnContext(ctx, "acting user not recorded on webhook endpoint", "org_id", org, "endpoint_id", ep.ID, "error", err)
		}
	}
}

// replace removes org's endpoints for cur's platform other than cur. One
// whose registration cannot be removed now stays, still verifying its
// deliveries, and goes with the next install or the credentials.
func (in *Installer) replace(ctx context.Context, client platform.Client, org string, cur Endpoint) {
	eps, err := in.Store.EndpointsOf(ctx, org)
	if err != nil {
		in.logger().WarnContext(ctx, "previous webhook endpoints not listed", "org_id", org, "error", err)
		return
	}
	for _, old := range eps {
		if old.ID == cur.ID || old.Platform != cur.Platform {
			continue
		}
		if err := in.remove(ctx, client, old); err != nil {
			in.logger().WarnContext(ctx, "previous webhook endpoint kept", "org_id", org, "endpoint_id", old.ID, "error", err)
		}
	}
}

// RemoveAll removes every endpoint of org: the registration at the
// platform where org's credentials still reach it, then the secret and
// the record, so nothing verifies any more. The settings service calls it
// before deleting the credentials. A registration that cannot be removed
// is logged and left to fail at the platform (its endpoint is gone, so the
// platform's deliveries get 404); a secret or record that cannot be
// deleted is an error, so the caller can try again.
func (in *Installer) RemoveAll(ctx context.Context, org string) error {
	eps, err := in.Store.EndpointsOf(ctx, org)
	if err != nil {
		return fmt.Errorf("remove webhook endpoints: %w", err)
	}
	if len(eps) == 0 {
		return nil
	}
	kind, kerr := in.Accounts.Kind(ctx, org)
	var client platform.Client
	if kerr == nil {
		client, kerr = in.Accounts.Client(ctx, org)
	}
	var errs []error
	for _, ep := range eps {
		if kerr == nil && ep.Platform == kind {
			in.unregister(ctx, client, ep)
		} else if ep.PlatformWebhookID != "" {
			in.logger().WarnContext(ctx, "webhook registration left at the platform", "org_id", org,
				"platform", ep.Platform, "endpoint_id", ep.ID, "error", kerr)
		}
		if err := in.drop(ctx, ep); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("remove webhook endpoints: %w", err)
	}
	in.logger().InfoContext(ctx, "webhook endpoints removed", "org_id", org, "endpoints", len(eps))
	return nil
}

// remove takes one endpoint away for good: registration first, so a
// failure there keeps the endpoint whole.
func (in *Installer) remove(ctx context.Context, client platform.Client, ep Endpoint) error {
	if ep.PlatformWebhookID != "" {
		if err := client.RemoveWebhook(ctx, ep.PlatformWebhookID); err != nil && platform.ReasonOf(err) != platform.ReasonNotFound {
			return fmt.Errorf("remove %s webhook %s: %w", ep.Platform, ep.PlatformWebhookID, err)
		}
	}
	if err := in.drop(ctx, ep); err != nil {
		return err
	}
	in.logger().InfoContext(ctx, "webhook endpoint removed", "org_id", ep.OrgID, "platform", ep.Platform, "endpoint_id", ep.ID)
	return nil
}

// unregister removes ep's registration at the platform, best effort.
func (in *Installer) unregister(ctx context.Context, client platform.Client, ep Endpoint) {
	if ep.PlatformWebhookID == "" {
		return
	}
	if err := client.RemoveWebhook(ctx, ep.PlatformWebhookID); err != nil && platform.ReasonOf(err) != platform.ReasonNotFound {
		in.logger().WarnContext(ctx, "webhook registration left at the platform", "org_id", ep.OrgID,
			"platform", ep.Platform, "endpoint_id", ep.ID, "error", err)
	}
}

// drop deletes ep's record, then its secret: a record without its secret
// would answer 503 until removed, a secret without its record is inert.
func (in *Installer) drop(ctx context.Context, ep Endpoint) error {
	if err := in.Store.DeleteEndpoint(ctx, ep); err != nil {
		return fmt.Errorf("delete webhook endpoint %s: %w", ep.ID, err)
	}
	if err := in.Secrets.DeleteSecret(ctx, ep.SecretName); err != nil {
		return fmt.Errorf("delete webhook secret of %s: %w", ep.ID, err)
	}
	return nil
}

// forget undoes a half-made install: the record and the secret, logging
// what is left behind.
func (in *Installer) forget(ctx context.Context, ep Endpoint) {
	if err := in.Store.DeleteEndpoint(ctx, ep); err != nil {
		in.logger().WarnContext(ctx, "webhook endpoint left behind", "endpoint_id", ep.ID, "error", err)
	}
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

package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/queue"
	"github.com/tandemsync/tandem/pkg/relay"
)

// Subscriptions that expire (Microsoft Graph) are kept alive here: renewed
// on a schedule well before they lapse, renewed again when the platform
// asks (reauthorizationRequired), recreated when it removed one, and the
// delta link a catch-up resumes from is kept with the endpoint, one per
// organisation and platform (for Graph: per mailbox).

// changeReader is a client that can list changes since a delta link; the
// installer records the first link when a subscription is made, so a later
// catch-up starts from then rather than from the beginning of the mailbox.
type changeReader interface {
	InboxChanges(ctx context.Context, deltaLink string) (ids []string, next string, err error)
}

type renewer interface {
	RenewWebhook(ctx context.Context, id string) (platform.Webhook, error)
}

// baseline records the delta link of now on ep, where the client has one.
func (in *Installer) baseline(ctx context.Context, client platform.Client, ep *Endpoint) error {
	cr, ok := client.(changeReader)
	if !ok {
		return nil
	}
	_, link, err := cr.InboxChanges(ctx, "")
	if err != nil {
		return fmt.Errorf("first delta link: %w", err)
	}
	ep.DeltaLink = link
	return nil
}

// endpointOf finds org's endpoint on its platform: the one registered as
// subscriptionID when that is given and known, else the newest.
func (in *Installer) endpointOf(ctx context.Context, org string, kind platform.Kind, subscriptionID string) (Endpoint, error) {
	eps, err := in.Store.EndpointsOf(ctx, org)
	if err != nil {
		return Endpoint{}, err
	}
	var found Endpoint
	for _, ep := range eps {
		if ep.Platform != kind {
			continue
		}
		if subscriptionID != "" && ep.PlatformWebhookID == subscriptionID {
			return ep, nil
		}
		if ep.CreatedAt.After(found.CreatedAt) || found.ID == "" {
			found = ep
		}
	}
	if found.ID == "" {
		return Endpoint{}, fmt.Errorf("%w: %s has no %s endpoint", ErrUnknownEndpoint, org, kind)
	}
	return found, nil
}

func (in *Installer) account(ctx context.Context, org string) (platform.Kind, platform.Client, error) {
	kind, err := in.Accounts.Kind(ctx, org)
	if err != nil {
		return "", nil, err
	}
	client, err := in.Accounts.Client(ctx, org)
	return kind, client, err
}

// Reauthorize renews org's subscription and records its new expiry.
func (in *Installer) Reauthorize(ctx context.Context, org, subscriptionID string) error {
	kind, client, err := in.account(ctx, org)
	if err != nil {
		return err
	}
	ep, err := in.endpointOf(ctx, org, kind, subscriptionID)
	if err != nil {
		return err
	}
	_, err = in.renew(ctx, client, ep)
	return err
}

// renew extends ep's subscription; one the platform no longer has is
// recreated. It reports whether it recreated.
func (in *Installer) renew(ctx context.Context, client platform.Client, ep Endpoint) (bool, error) {
	r, ok := client.(renewer)
	if !ok {
		return false, fmt.Errorf("%s subscriptions cannot be renewed", ep.Platform)
	}
	hook, err := r.RenewWebhook(ctx, ep.PlatformWebhookID)
	if platform.ReasonOf(err) == platform.ReasonNotFound {
		return true, in.recreate(ctx, client, ep)
	}
	if err != nil {
		return false, fmt.Errorf("renew %s subscription %s: %w", ep.Platform, ep.PlatformWebhookID, err)
	}
	ep.ExpiresAt = hook.ExpiresAt
	if err := in.Store.PutEndpoint(ctx, ep); err != nil {
		return false, fmt.Errorf("record renewal of %s: %w", ep.ID, err)
	}
	in.logger().InfoContext(ctx, "subscription renewed", "org_id", ep.OrgID, "platform", ep.Platform, "endpoint_id", ep.ID, "expires_at", hook.ExpiresAt)
	return false, nil
}

// Recreate registers org's endpoint again after the platform removed its
// subscription (Graph's subscriptionRemoved), with the same URL and secret.
// Only the subscription named is replaced, so a redelivered notification
// does not make a second one.
func (in *Installer) Recreate(ctx context.Context, org, subscriptionID string) error {
	kind, client, err := in.account(ctx, org)
	if err != nil {
		return err
	}
	ep, err := in.endpointOf(ctx, org, kind, subscriptionID)
	if err != nil {
		return err
	}
	if subscriptionID != "" && ep.PlatformWebhookID != subscriptionID {
		return nil // already replaced
	}
	return in.recreate(ctx, client, ep)
}

func (in *Installer) recreate(ctx context.Context, client platform.Client, ep Endpoint) error {
	secret, err := in.Secrets.GetSecret(ctx, ep.SecretName)
	if err != nil {
		return fmt.Errorf("secret of %s: %w", ep.ID, err)
	}
	url := strings.TrimRight(in.BaseURL, "/") + "/webhooks/" + string(ep.Platform) + "/" + ep.ID
	hook, err := client.RegisterWebhook(ctx, platform.WebhookSpec{URL: url, DeactivationURL: url, Secret: string(secret), Name: "Tandem " + ep.ID[len(ep.ID)-6:]})
	if err != nil {
		return fmt.Errorf("recreate %s subscription: %w: %w", ep.Platform, ErrNotRegistered, err)
	}
	old := ep.PlatformWebhookID
	ep.PlatformWebhookID, ep.ExpiresAt = hook.ID, hook.ExpiresAt
	if err := in.Store.PutEndpoint(ctx, ep); err != nil {
		in.unregister(ctx, client, ep)
		return fmt.Errorf("record recreated subscription of %s: %w", ep.ID, err)
	}
	in.logger().InfoContext(ctx, "subscription recreated", "org_id", ep.OrgID, "platform", ep.Platform, "endpoint_id", ep.ID, "removed", old, "subscription_id", hook.ID)
	return nil
}

// DeltaLink is where org's next catch-up starts.
func (in *Installer) DeltaLink(ctx context.Context, org string) (string, error) {
	kind, err := in.Accounts.Kind(ctx, org)
	if err != nil {
		return "", err
	}
	ep, err := in.endpointOf(ctx, org, kind, "")
	if err != nil {
		return "", err
	}
	return ep.DeltaLink, nil
}

// SaveDeltaLink records where the next catch-up starts.
func (in *Installer) SaveDeltaLink(ctx context.Context, org, link string) error {
	kind, err := in.Accounts.Kind(ctx, org)
	if err != nil {
		return err
	}
	ep, err := in.endpointOf(ctx, org, kind, "")
	if err != nil {
		return err
	}
	ep.DeltaLink = link
	return in.Store.PutEndpoint(ctx, ep)
}

// ExpiringStore lists every endpoint of a platform, for the renewal
// schedule.
type ExpiringStore interface {
	EndpointsOfPlatform(ctx context.Context, kind platform.Kind) ([]Endpoint, error)
}

// Renewal is the scheduled keeper of expiring subscriptions.
type Renewal struct {
	Installer *Installer
	Endpoints ExpiringStore
	// Out takes the missed-notification event that makes the platform's
	// sync function catch up after a subscription had to be recreated.
	Out Sender
	// Before is how long before expiry a subscription is renewed.
	Before time.Duration
}

// RenewalReport says what one scheduled run did.
type RenewalReport struct {
	Checked   int `json:"checked"`
	Renewed   int `json:"renewed"`
	Recreated int `json:"recreated"`
	Failed    int `json:"failed"`
}

// Run renews every subscription of kind that expires within r.Before. One
// that fails is logged and counted, and the others still renew; the run
// fails only if none of the due ones could be renewed, so the schedule's
// alarm fires when renewal is broken rather than for one tenant.
func (r *Renewal) Run(ctx context.Context, kind platform.Kind) (RenewalReport, error) {
	in := r.Installer
	eps, err := r.Endpoints.EndpointsOfPlatform(ctx, kind)
	if err != nil {
		return RenewalReport{}, fmt.Errorf("list %s endpoints: %w", kind, err)
	}
	now := in.Clock.Now()
	var rep RenewalReport
	var errs []error
	for _, ep := range eps {
		rep.Checked++
		if ep.PlatformWebhookID == "" || ep.ExpiresAt.IsZero() || ep.ExpiresAt.After(now.Add(r.Before)) {
			continue
		}
		recreated, err := r.renewOne(ctx, ep)
		switch {
		case err != nil:
			rep.Failed++
			errs = append(errs, err)
			in.logger().ErrorContext(ctx, "subscription not renewed", "org_id", ep.OrgID, "platform", ep.Platform, "endpoint_id", ep.ID, "expires_at", ep.ExpiresAt, "error", err)
		case recreated:
			rep.Recreated++
		default:
			rep.Renewed++
		}
	}
	if rep.Failed > 0 && rep.Renewed+rep.Recreated == 0 {
		return rep, errors.Join(errs...)
	}
	return rep, nil
}

func (r *Renewal) renewOne(ctx context.Context, ep Endpoint) (bool, error) {
	client, err := r.Installer.Accounts.Client(ctx, ep.OrgID)
	if err != nil {
		return false, err
	}
	recreated, err := r.Installer.renew(ctx, client, ep)
	if err != nil || !recreated {
		return recreated, err
	}
	// The gap before the new subscription may have lost notifications.
	ev := platform.Event{Platform: ep.Platform, Type: platform.EventSubscriptionMissed, DeliveryID: "recreated-" + ep.ID + "-" + r.Installer.Clock.Now().UTC().Format(time.RFC3339)}
	body, err := json.Marshal(relay.Envelope{Org: ep.OrgID, Event: &ev})
	if err != nil {
		return true, err
	}
	msg := queue.Message{Group: queue.GroupID(ep.OrgID, string(ev.Type)), DedupID: queue.DedupID(ev.DeliveryID), Body: body}
	if err := r.Out.Send(ctx, relay.EventsQueue(ep.Platform), msg); err != nil {
		return true, fmt.Errorf("queue catch-up of %s: %w", ep.OrgID, err)
	}
	return true, nil
}

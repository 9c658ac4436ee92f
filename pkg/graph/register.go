package graph

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

const (
	// Outlook message subscriptions live at most 4,230 minutes (Graph
	// subscription lifetime table); asking a little less leaves room for
	// clock skew, since Graph refuses an expiry beyond the maximum.
	subscriptionLifetime = 4200 * time.Minute
	// clientState is at most 128 characters (subscription resource).
	maxClientState = 128
)

type subscription struct {
	ID                       string    `json:"id,omitempty"`
	ChangeType               string    `json:"changeType,omitempty"`
	NotificationURL          string    `json:"notificationUrl,omitempty"`
	LifecycleNotificationURL string    `json:"lifecycleNotificationUrl,omitempty"`
	Resource                 string    `json:"resource,omitempty"`
	ExpirationDateTime       time.Time `json:"expirationDateTime"`
	ClientState              string    `json:"clientState,omitempty"`
}

// InboxResource is the subscription resource for new mail in the mailbox.
func (c *Client) InboxResource() string {
	return "/users/" + c.creds.Mailbox + "/mailFolders('inbox')/messages"
}

// RegisterWebhook subscribes spec.URL to new inbox mail. Graph validates
// both URLs before answering, so the webhook function must already answer
// the validation handshake (see ValidationToken). The subscription must be
// renewed with RenewWebhook before Webhook.ExpiresAt.
func (c *Client) RegisterWebhook(ctx context.Context, spec platform.WebhookSpec) (platform.Webhook, error) {
	op := "register webhook"
	if err := c.checkNotificationURL(op, spec.URL); err != nil {
		return platform.Webhook{}, err
	}
	if spec.DeactivationURL != "" {
		if err := c.checkNotificationURL(op, spec.DeactivationURL); err != nil {
			return platform.Webhook{}, err
		}
	}
	if spec.Secret == "" || len(spec.Secret) > maxClientState {
		return platform.Webhook{}, newError(platform.ReasonInvalid, 0, op+": the webhook secret must be 1 to 128 characters (Graph clientState)", nil)
	}
	resource := spec.Resource
	if resource == "" {
		resource = c.InboxResource()
	}
	in := subscription{
		ChangeType:               "created",
		NotificationURL:          spec.URL,
		LifecycleNotificationURL: spec.DeactivationURL,
		Resource:                 resource,
		ExpirationDateTime:       time.Now().UTC().Add(subscriptionLifetime).Truncate(time.Second),
		ClientState:              spec.Secret,
	}
	var out subscription
	if err := c.callJSON(ctx, op, http.MethodPost, "/subscriptions", in, &out); err != nil {
		return platform.Webhook{}, err
	}
	return platform.Webhook{ID: out.ID, ExpiresAt: out.ExpirationDateTime}, nil
}

func (c *Client) checkNotificationURL(op, raw string) error {
	u, err := url.Parse(raw)
	if err == nil {
		err = egress.CheckURL(u, c.private)
	}
	if err != nil {
		return newError(platform.ReasonInvalid, 0, op+": the notification URL must be a public https URL", err)
	}
	return nil
}

// RenewWebhook extends a subscription by the maximum lifetime again.
func (c *Client) RenewWebhook(ctx context.Context, id string) (platform.Webhook, error) {
	in := map[string]time.Time{"expirationDateTime": time.Now().UTC().Add(subscriptionLifetime).Truncate(time.Second)}
	var out subscription
	if err := c.callJSON(ctx, "renew webhook "+id, http.MethodPatch, "/subscriptions/"+url.PathEscape(id), in, &out); err != nil {
		return platform.Webhook{}, err
	}
	return platform.Webhook{ID: out.ID, ExpiresAt: out.ExpirationDateTime}, nil
}

// RemoveWebhook deletes a subscription; one already gone (expired or
// removed by Graph) counts as removed.
func (c *Client) RemoveWebhook(ctx context.Context, id string) error {
	err := c.callJSON(ctx, "remove webhook "+id, http.MethodDelete, "/subscriptions/"+url.PathEscape(id), nil, nil)
	var pe *platform.Error
	if errors.As(err, &pe) && pe.Status == http.StatusNotFound {
		return nil
	}
	return err
}

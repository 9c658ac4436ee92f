package zendesk

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// WebhookEvents are the ticket event subscriptions Tandem registers
// (developer.zendesk.com/api-reference/webhooks/event-types/ticket-events).
var WebhookEvents = []string{
	"zen:event-type:ticket.created",
	"zen:event-type:ticket.comment_added",
	"zen:event-type:ticket.status_changed",
	"zen:event-type:ticket.custom_status_changed",
	"zen:event-type:ticket.priority_changed",
	"zen:event-type:ticket.ticket_type_changed",
	"zen:event-type:ticket.subject_changed",
	"zen:event-type:ticket.custom_field_changed",
}

// RegisterWebhook creates an event-subscription webhook for ticket events
// (POST /api/v2/webhooks) and reads the signing secret Zendesk generated
// for it (GET /api/v2/webhooks/{id}/signing_secret): Zendesk chooses the
// secret, so spec.Secret is not used.
func (c *Client) RegisterWebhook(ctx context.Context, spec platform.WebhookSpec) (platform.Webhook, error) {
	u, err := url.Parse(spec.URL)
	if err != nil || egress.CheckURL(u, c.http.AllowsPrivate()) != nil {
		return platform.Webhook{}, fmt.Errorf("register webhook: %w", invalid("the webhook address must be a public https URL"))
	}
	name := spec.Name
	if name == "" {
		name = "Tandem ticket sync"
	}
	body := map[string]any{"webhook": map[string]any{
		"name": name, "endpoint": spec.URL, "http_method": "POST", "request_format": "json", "status": "active",
		"subscriptions": WebhookEvents,
	}}
	var created struct {
		Webhook struct {
			ID string `json:"id"`
		} `json:"webhook"`
	}
	if err := c.call(egress.NotIdempotent(ctx), http.MethodPost, "/api/v2/webhooks", nil, body, &created, "create a webhook"); err != nil {
		return platform.Webhook{}, fmt.Errorf("register webhook: %w", err)
	}
	id := strings.TrimSpace(created.Webhook.ID)
	if id == "" {
		return platform.Webhook{}, fmt.Errorf("register webhook: %w", unreadable("create a webhook", nil))
	}
	var secret struct {
		SigningSecret struct {
			Algorithm string `json:"algorithm"`
			Secret    string `json:"secret"`
		} `json:"signing_secret"`
	}
	if err := c.call(ctx, http.MethodGet, "/api/v2/webhooks/"+url.PathEscape(id)+"/signing_secret", nil, nil, &secret, "read the webhook's signing secret"); err != nil || secret.SigningSecret.Secret == "" {
		_ = c.RemoveWebhook(context.WithoutCancel(ctx), id)
		if err == nil {
			err = unreadable("read the webhook's signing secret", nil)
		}
		return platform.Webhook{}, fmt.Errorf("register webhook: %w", err)
	}
	return platform.Webhook{ID: id, Secret: secret.SigningSecret.Secret}, nil
}

// RemoveWebhook deletes a webhook created by RegisterWebhook.
func (c *Client) RemoveWebhook(ctx context.Context, id string) error {
	id = strings.TrimSpace(id)
	if id == "" {
		return fmt.Errorf("remove webhook: %w", invalid("no webhook id"))
	}
	if err := c.call(ctx, http.MethodDelete, "/api/v2/webhooks/"+url.PathEscape(id), nil, nil, nil, "delete webhook "+id); err != nil {
		return fmt.Errorf("remove webhook %s: %w", id, err)
	}
	return nil
}

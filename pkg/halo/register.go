package halo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// WebhookUsername is the Basic user name Tandem registers and tells
// administrators to type. Verification checks only the password (the
// endpoint secret), so a differently typed user name does not break a
// working setup.
const WebhookUsername = "tandem"

// Events Tandem subscribes to, by the names Halo's notification events use.
var webhookEvents = []string{"New Ticket Logged", "Ticket Updated", "Action Added"}

// Halo webhook enum values. The swagger types these fields as int32 without
// naming the values; these numbers come from third-party documentation of
// the API and are not vendor-confirmed. Events are UnameNotification objects
// that Halo keys by eventno, which is not published either, so events are
// sent by name and WebhookInstructions covers an instance that ignores them.
const (
	authBasic         = 1
	methodPOST        = 0
	payloadFullObject = 1
)

// RegisterWebhook creates a Halo webhook that posts the full ticket object
// with Basic authentication (password = spec.Secret). Halo's webhook API is
// sparsely documented, so WebhookInstructions describes the same set-up for
// an administrator to do by hand when this call is refused.
func (c *Client) RegisterWebhook(ctx context.Context, spec platform.WebhookSpec) (platform.Webhook, error) {
	u, err := url.Parse(spec.URL)
	if err != nil || egress.CheckURL(u, c.http.AllowsPrivate()) != nil {
		return platform.Webhook{}, fmt.Errorf("register webhook: %w", invalid("the webhook address must be a public https URL"))
	}
	if spec.Secret == "" {
		return platform.Webhook{}, fmt.Errorf("register webhook: %w", invalid("a webhook secret is required for Basic authentication"))
	}
	name := spec.Name
	if name == "" {
		name = "Tandem ticket sync"
	}
	events := make([]map[string]string, 0, len(webhookEvents))
	for _, e := range webhookEvents {
		events = append(events, map[string]string{"name": e})
	}
	body := map[string]any{
		"name":                name,
		"active":              true,
		"url":                 spec.URL,
		"method":              methodPOST,
		"content_type":        "application/json",
		"authentication_type": authBasic,
		"basic_username":      WebhookUsername,
		"basic_password":      spec.Secret,
		"payload_type":        payloadFullObject,
		"events":              events,
	}
	var raw json.RawMessage
	if err := c.call(ctx, http.MethodPost, "/Webhook", nil, []any{body}, &raw, "create a webhook"); err != nil {
		return platform.Webhook{}, fmt.Errorf("register webhook: %w", err)
	}
	var created struct {
		ID haloID `json:"id"`
	}
	if err := decodeOne(raw, &created); err != nil || created.ID == "" {
		return platform.Webhook{}, fmt.Errorf("register webhook: %w", unreadable("create a webhook", err))
	}
	return platform.Webhook{ID: string(created.ID)}, nil
}

// RemoveWebhook deletes a webhook created by RegisterWebhook.
func (c *Client) RemoveWebhook(ctx context.Context, id string) error {
	id = strings.TrimSpace(id)
	if id == "" {
		return fmt.Errorf("remove webhook: %w", invalid("no webhook id"))
	}
	if err := c.call(ctx, http.MethodDelete, "/Webhook/"+url.PathEscape(id), nil, nil, nil, "delete webhook "+id); err != nil {
		return fmt.Errorf("remove webhook %s: %w", id, err)
	}
	return nil
}

// WebhookInstructions tells a Halo administrator how to create the webhook
// by hand. It contains the secret, so show it only to that administrator.
func WebhookInstructions(payloadURL, secret string) string {
	return strings.Join([]string{
		"In Halo, go to Configuration > Integrations > Webhooks and click New.",
		"1. Name: Tandem ticket sync. Type: Standard webhook.",
		"2. Payload URL: " + payloadURL,
		"3. Method: POST. Content type: application/json.",
		"4. Authentication: Basic. Username: " + WebhookUsername + ". Password: " + secret,
		"5. Payload type: Full object with linked objects.",
		"6. Events: add \"New Ticket Logged\", \"Ticket Updated\" and \"Action Added\" (no conditions, or the teams you sync).",
		"7. Save, then use the Test button: the Deliveries tab should show HTTP 200.",
	}, "\n")
}

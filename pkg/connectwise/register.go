package connectwise

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// callback is ConnectWise's callback entry (System > Callbacks). url,
// objectId, type and level are required; description is at most 100
// characters (the CallbackEntry schema of the ConnectWise PSA OpenAPI, as
// generated in ai-connor/connectwise build/model_callback_entry.go).
type callback struct {
	ID                   int64  `json:"id,omitempty"`
	URL                  string `json:"url"`
	ObjectID             int64  `json:"objectId"`
	Type                 string `json:"type"`
	Level                string `json:"level"`
	Description          string `json:"description,omitempty"`
	PayloadVersion       string `json:"payloadVersion,omitempty"`
	InactiveFlag         bool   `json:"inactiveFlag"`
	IsSoapCallbackFlag   bool   `json:"isSoapCallbackFlag"`
	IsSelfSuppressedFlag bool   `json:"isSelfSuppressedFlag"`
}

// PayloadVersion is the callback payload version Tandem parses, the one
// production connectors register (amp-labs/connectors
// providers/connectwise/internal/subscriber; ../shared/platforms.md §2.3).
const PayloadVersion = "3.0.0"

// RecordIDParam ends every registered callback URL. ConnectWise appends the
// record id, as raw text, to the URL it was given when it delivers, so the
// URL must end in a parameter waiting for it: …/{endpointId}?recordId=
// becomes …/{endpointId}?recordId=4711, where a bare …/{endpointId} would
// become …/{endpointId}4711 and miss the endpoint ("Webhook must end with
// recordId without the value. The ConnectWise will append the record
// identifier as a raw string when sending the event": amp-labs/connectors
// providers/connectwise/internal/subscriber/create.go; djconnectwise
// registers URLs ending in ?id= for the same reason).
const RecordIDParam = "recordId"

// CallbackURL is the URL to register for deliveries to endpoint: endpoint
// with an empty recordId parameter last, for ConnectWise to complete.
func CallbackURL(endpoint string) string {
	sep := "?"
	if strings.Contains(endpoint, "?") {
		sep = "&"
	}
	return endpoint + sep + RecordIDParam + "="
}

// RegisterWebhook asks ConnectWise to call spec.URL for every ticket change
// ("owner" level covers all tickets; objectId 1 is what ConnectWise stores
// for it), at CallbackURL(spec.URL) so the record id ConnectWise appends
// lands in a query parameter. isSelfSuppressedFlag keeps the integration's
// own writes quiet, so ExcludeActorID needs no separate call. Note changes
// arrive as ticket updates: ConnectWise has no note callback type.
func (c *Client) RegisterWebhook(ctx context.Context, spec platform.WebhookSpec) (platform.Webhook, error) {
	u, err := url.Parse(spec.URL)
	if err != nil || egress.CheckURL(u, c.opts.AllowPrivate) != nil {
		return platform.Webhook{}, fmt.Errorf("register callback: %w", c.fail(platform.ReasonInvalid, 0,
			"The callback URL must be a public https address.", nil))
	}
	desc := spec.Name
	if desc == "" {
		desc = "Tandem ticket sync"
	}
	if r := []rune(desc); len(r) > 100 {
		desc = string(r[:100])
	}
	in := callback{URL: CallbackURL(spec.URL), ObjectID: 1, Type: "ticket", Level: "owner", Description: desc,
		PayloadVersion: PayloadVersion, IsSelfSuppressedFlag: true}
	var out callback
	if _, err := c.call(ctx, http.MethodPost, "/system/callbacks", nil, in, &out); err != nil {
		return platform.Webhook{}, fmt.Errorf("register callback: %w", err)
	}
	return platform.Webhook{ID: strconv.FormatInt(out.ID, 10)}, nil
}

// RemoveWebhook deletes a callback; one that is already gone counts as
// removed so cleanup can be retried safely.
func (c *Client) RemoveWebhook(ctx context.Context, id string) error {
	n, err := parseID("callback", id)
	if err != nil {
		return fmt.Errorf("remove callback %s: %w", id, err)
	}
	_, err = c.call(ctx, http.MethodDelete, "/system/callbacks/"+strconv.FormatInt(n, 10), nil, nil, nil)
	if err != nil && platform.ReasonOf(err) != platform.ReasonNotFound {
		return fmt.Errorf("remove callback %s: %w", id, err)
	}
	return nil
}

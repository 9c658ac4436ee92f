package autotask

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// maxSecretKey is the SecretKey length limit of the webhook entities.
const maxSecretKey = 64

// Fields whose change should fire a callout, by normalised label or name
// (lower case, letters only). Field ids differ per instance, so they are
// looked up in the fieldID picklist at registration.
var (
	ticketCalloutFields = map[string]bool{
		"title": true, "description": true, "status": true, "priority": true, "queue": true, "queueid": true,
		"tickettype": true, "ticketcategory": true, "duedate": true, "duedatetime": true,
	}
	// Every synced field rides in every ticket payload, changed or not, so
	// an update's payload is the whole ticket and the sync function takes
	// it as its read instead of reading the ticket (one API call saved per
	// change); the number rides along for the partner's description.
	ticketDisplayFields = map[string]bool{
		"title": true, "description": true, "status": true, "priority": true, "queue": true, "queueid": true,
		"tickettype": true, "ticketcategory": true, "duedate": true, "duedatetime": true, "ticketnumber": true,
	}
	noteCalloutFields = map[string]bool{"title": true, "description": true, "publish": true, "notetype": true}
	// The ticket a note belongs to rides along in every note payload.
	noteDisplayFields = map[string]bool{"ticket": true, "ticketid": true}
)

// RegisterWebhook creates a TicketWebhook and a TicketNoteWebhook for the
// same URLs and secret, subscribes them to the fields Tandem syncs, excludes
// the integration's own resource so its writes fire nothing, and checks that
// Autotask reports both ready. The returned id names both webhooks.
func (c *Client) RegisterWebhook(ctx context.Context, spec platform.WebhookSpec) (platform.Webhook, error) {
	if err := c.checkSpec(spec); err != nil {
		return platform.Webhook{}, err
	}
	var exclude int64
	if spec.ExcludeActorID != "" {
		n, err := c.parseID("resource", spec.ExcludeActorID)
		if err != nil {
			return platform.Webhook{}, err
		}
		exclude = n
	}
	name := spec.Name
	if name == "" {
		name = "Tandem"
	}
	ticketHook, err := c.createWebhook(ctx, "TicketWebhooks", clip(name, 50), spec, exclude, ticketCalloutFields, ticketDisplayFields)
	if err != nil {
		return platform.Webhook{}, fmt.Errorf("register ticket webhook: %w", err)
	}
	noteHook, err := c.createWebhook(ctx, "TicketNoteWebhooks", clip(name, 44)+" notes", spec, exclude, noteCalloutFields, noteDisplayFields)
	if err != nil {
		c.deleteWebhook(ctx, "TicketWebhooks", ticketHook)
		return platform.Webhook{}, fmt.Errorf("register note webhook: %w", err)
	}
	return platform.Webhook{ID: strconv.FormatInt(ticketHook, 10) + ":" + strconv.FormatInt(noteHook, 10)}, nil
}

// RemoveWebhook deletes both webhooks; one already gone is not an error, so
// removal can be retried.
func (c *Client) RemoveWebhook(ctx context.Context, id string) error {
	t, n, ok := strings.Cut(id, ":")
	if !ok {
		return c.newError(platform.ReasonInvalid, 0, fmt.Sprintf("invalid webhook id %q: expected <ticket webhook>:<note webhook>", truncate(id, 40)), nil)
	}
	tid, err := c.parseID("webhook", t)
	if err != nil {
		return err
	}
	nid, err := c.parseID("webhook", n)
	if err != nil {
		return err
	}
	for _, h := range []struct {
		entity string
		id     int64
	}{{"TicketWebhooks", tid}, {"TicketNoteWebhooks", nid}} {
		err := c.call(ctx, http.MethodDelete, h.entity+"/"+strconv.FormatInt(h.id, 10), nil, nil)
		if err != nil && platform.ReasonOf(err) != platform.ReasonNotFound {
			return fmt.Errorf("remove webhook %d: %w", h.id, err)
		}
	}
	return nil
}

func (c *Client) checkSpec(spec platform.WebhookSpec) error {
	for _, u := range []struct{ what, v string }{{"webhook URL", spec.URL}, {"deactivation URL", spec.DeactivationURL}} {
		if u.v == "" {
			return c.newError(platform.ReasonInvalid, 0, "Autotask requires a "+u.what, nil)
		}
		if len(u.v) > 500 {
			return c.newError(platform.ReasonInvalid, 0, "the "+u.what+" is longer than Autotask's 500 characters", nil)
		}
		parsed, err := url.Parse(u.v)
		if err == nil {
			err = egress.CheckURL(parsed, c.http.AllowsPrivate())
		}
		if err != nil {
			return c.newError(platform.ReasonInvalid, 0, "the "+u.what+" must be a public https URL", err)
		}
	}
	if spec.Secret == "" || len(spec.Secret) > maxSecretKey {
		return c.newError(platform.ReasonInvalid, 0, fmt.Sprintf("the webhook secret must be 1 to %d characters", maxSecretKey), nil)
	}
	return nil
}

// createWebhook creates one webhook with its fields and exclusion, deleting
// it again if any step fails.
func (c *Client) createWebhook(ctx context.Context, entity, name string, spec platform.WebhookSpec, exclude int64, callout, display map[string]bool) (int64, error) {
	fieldEntity := strings.TrimSuffix(entity, "s") + "Fields" // TicketWebhooks → TicketWebhookFields
	ids, err := c.webhookFieldIDs(ctx, fieldEntity, callout, display)
	if err != nil {
		return 0, err
	}
	var res struct {
		ItemID int64 `json:"itemId"`
	}
	err = c.call(ctx, http.MethodPost, entity, map[string]any{
		"name":                              name,
		"webhookUrl":                        spec.URL,
		"deactivationUrl":                   spec.DeactivationURL,
		"secretKey":                         spec.Secret,
		"isActive":                          true,
		"isSubscribedToCreateEvents":        true,
		"isSubscribedToUpdateEvents":        entity == "TicketWebhooks",
		"isSubscribedToDeleteEvents":        entity == "TicketWebhooks",
		"sendThresholdExceededNotification": true,
	}, &res)
	if err != nil {
		return 0, err
	}
	hook := res.ItemID
	base := entity + "/" + strconv.FormatInt(hook, 10)
	if err := c.configureWebhook(ctx, base, hook, ids, exclude); err != nil {
		c.deleteWebhook(ctx, entity, hook)
		return 0, err
	}
	return hook, nil
}

type webhookFieldRef struct {
	id       int64
	callout  bool
	display  bool
	fieldTag string
}

func (c *Client) configureWebhook(ctx context.Context, base string, hook int64, fields []webhookFieldRef, exclude int64) error {
	for _, f := range fields {
		body := map[string]any{"fieldID": f.id, "isSubscribedField": f.callout, "isDisplayAlwaysField": f.display, "webhookID": hook}
		if err := c.call(ctx, http.MethodPost, base+"/Fields", body, nil); err != nil {
			return fmt.Errorf("subscribe to %s: %w", f.fieldTag, err)
		}
	}
	if exclude != 0 {
		if err := c.call(ctx, http.MethodPost, base+"/ExcludedResources", map[string]any{"resourceID": exclude}, nil); err != nil {
			return fmt.Errorf("exclude resource %d: %w", exclude, err)
		}
	}
	var got struct {
		Item *struct {
			IsActive bool `json:"isActive"`
			IsReady  bool `json:"isReady"`
		} `json:"item"`
	}
	if err := c.call(ctx, http.MethodGet, base, nil, &got); err != nil {
		return fmt.Errorf("read back: %w", err)
	}
	if got.Item == nil || !got.Item.IsActive || !got.Item.IsReady {
		return c.newError(platform.ReasonServer, http.StatusOK, "Autotask did not report the webhook active and ready", nil)
	}
	return nil
}

// webhookFieldIDs reads the fieldID picklist and picks the wanted fields.
// If none of the labels is recognised (a localised instance), every
// field is subscribed rather than none: extra callouts cost requests, missed
// ones cost data.
func (c *Client) webhookFieldIDs(ctx context.Context, fieldEntity string, callout, display map[string]bool) ([]webhookFieldRef, error) {
	fields, err := c.fields(ctx, fieldEntity+"/entityInformation/fields")
	if err != nil {
		return nil, err
	}
	f, ok := findField(fields, "fieldID")
	if !ok || len(f.PicklistValues) == 0 {
		return nil, c.newError(platform.ReasonServer, http.StatusOK, "Autotask did not list the fields a webhook can subscribe to", nil)
	}
	var out, all []webhookFieldRef
	for _, v := range f.PicklistValues {
		n, err := strconv.ParseInt(v.Value, 10, 64)
		if err != nil || !v.IsActive {
			continue
		}
		tag := letters(v.Label)
		ref := webhookFieldRef{id: n, callout: callout[tag], display: display[tag], fieldTag: v.Label}
		all = append(all, webhookFieldRef{id: n, callout: true, fieldTag: v.Label})
		if ref.callout || ref.display {
			out = append(out, ref)
		}
	}
	if !hasCallout(out) {
		return all, nil
	}
	return out, nil
}

func hasCallout(refs []webhookFieldRef) bool {
	for _, r := range refs {
		if r.callout {
			return true
		}
	}
	return false
}

func letters(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// deleteWebhook is cleanup after a failed registration; its own failure is
// left for the caller's error to explain.
func (c *Client) deleteWebhook(ctx context.Context, entity string, id int64) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_ = c.call(ctx, http.MethodDelete, entity+"/"+strconv.FormatInt(id, 10), nil, nil)
}

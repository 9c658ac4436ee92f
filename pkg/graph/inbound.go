package graph

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/tandemsync/tandem/pkg/platform"
)

var (
	// ErrBadSignature means a delivery did not prove it came from our
	// subscription: clientState missing or different, or the body unreadable.
	ErrBadSignature = errors.New("graph: notification not authenticated")
	// ErrUnknownEvent means a notification's changeType or lifecycleEvent is
	// one Tandem does not handle. It matches platform.ErrIrrelevant.
	ErrUnknownEvent = platform.Irrelevant("graph: unknown notification type")
)

// notification is Graph's changeNotification resource. Field names match
// case-insensitively, which absorbs the casing differences seen in
// deliveries (resource paths use "Users/.../Messages/...").
type notification struct {
	ID                             string        `json:"id"`
	SubscriptionID                 string        `json:"subscriptionId"`
	ClientState                    string        `json:"clientState"`
	ChangeType                     string        `json:"changeType"`
	LifecycleEvent                 string        `json:"lifecycleEvent"`
	Resource                       string        `json:"resource"`
	ResourceData                   *resourceData `json:"resourceData"`
	SubscriptionExpirationDateTime string        `json:"subscriptionExpirationDateTime"`
	TenantID                       string        `json:"tenantId"`
}

type resourceData struct {
	ODataType string `json:"@odata.type"`
	ODataID   string `json:"@odata.id"`
	ODataETag string `json:"@odata.etag"`
	ID        string `json:"id"`
}

type notificationCollection struct {
	Value []notification `json:"value"`
}

// ValidationToken recognises Graph's subscription validation request
// (POST notificationUrl?validationToken=...). The caller must answer within
// 10 seconds with 200, Content-Type text/plain and the token as the body;
// the token returned here is already URL-decoded.
func ValidationToken(req platform.WebhookRequest) (string, bool) {
	tok := req.Query.Get("validationToken")
	return tok, tok != ""
}

// VerifyWebhook checks that every notification in the delivery carries
// secret as its clientState. Graph does not sign change notifications
// without resource data, so clientState is the only proof of origin; a
// tampered body is caught only where it breaks the JSON or the clientState.
func VerifyWebhook(req platform.WebhookRequest, secret string) error {
	if secret == "" {
		return fmt.Errorf("%w: no webhook secret configured", ErrBadSignature)
	}
	var c notificationCollection
	if err := json.Unmarshal(req.Body, &c); err != nil {
		return fmt.Errorf("%w: unreadable body", ErrBadSignature)
	}
	if len(c.Value) == 0 {
		return fmt.Errorf("%w: no notifications in body", ErrBadSignature)
	}
	// Hashing first makes the comparison constant-time in the length too.
	want := sha256.Sum256([]byte(secret))
	for i, n := range c.Value {
		if n.ClientState == "" {
			return fmt.Errorf("%w: notification %d has no clientState", ErrBadSignature, i)
		}
		got := sha256.Sum256([]byte(n.ClientState))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			return fmt.Errorf("%w: notification %d has the wrong clientState", ErrBadSignature, i)
		}
	}
	return nil
}

var lifecycleEvents = map[string]platform.EventType{
	"reauthorizationrequired": platform.EventSubscriptionRenew,
	"subscriptionremoved":     platform.EventSubscriptionRemoved,
	"missed":                  platform.EventSubscriptionMissed,
}

// A message notification says which message changed; mail.received is the
// one Tandem subscribes to, the others come from broader subscriptions.
var changeTypes = map[string]platform.EventType{
	"created": platform.EventMailReceived,
	"updated": platform.EventTicketUpdated,
	"deleted": platform.EventTicketDeleted,
}

// ParseWebhook turns a verified delivery into one event per notification.
// TicketID is the message id, which for mail.received may be a reply: the
// sync function resolves it to its conversation's first message. ActorID is
// empty because notifications do not say who acted. If some notifications
// have an unknown type, the others are still returned, with an error
// wrapping ErrUnknownEvent.
func ParseWebhook(body []byte) ([]platform.Event, error) {
	var c notificationCollection
	if err := json.Unmarshal(body, &c); err != nil {
		return nil, fmt.Errorf("parse graph notifications: %w", err)
	}
	if len(c.Value) == 0 {
		return nil, errors.New("parse graph notifications: no notifications in body")
	}
	events := make([]platform.Event, 0, len(c.Value))
	var errs []error
	for i, n := range c.Value {
		ev, err := toEvent(n)
		if err != nil {
			errs = append(errs, fmt.Errorf("notification %d: %w", i, err))
			continue
		}
		events = append(events, ev)
	}
	return events, errors.Join(errs...)
}

func toEvent(n notification) (platform.Event, error) {
	if n.SubscriptionID == "" {
		return platform.Event{}, errors.New("no subscriptionId")
	}
	ev := platform.Event{
		Platform: platform.Graph,
		Fields:   map[string]string{"subscriptionId": n.SubscriptionID},
	}
	if n.TenantID != "" {
		ev.Fields["tenantId"] = n.TenantID
	}
	if n.SubscriptionExpirationDateTime != "" {
		ev.Fields["subscriptionExpirationDateTime"] = n.SubscriptionExpirationDateTime
	}
	var kind, etag string
	if n.LifecycleEvent != "" {
		t, ok := lifecycleEvents[strings.ToLower(n.LifecycleEvent)]
		if !ok {
			return platform.Event{}, fmt.Errorf("%w: lifecycleEvent %q", ErrUnknownEvent, n.LifecycleEvent)
		}
		ev.Type, kind = t, "lifecycle:"+strings.ToLower(n.LifecycleEvent)
		ev.Fields["lifecycleEvent"] = n.LifecycleEvent
	} else {
		t, ok := changeTypes[strings.ToLower(strings.TrimSpace(n.ChangeType))]
		if !ok {
			return platform.Event{}, fmt.Errorf("%w: changeType %q", ErrUnknownEvent, n.ChangeType)
		}
		ev.Type, kind = t, "change:"+strings.ToLower(strings.TrimSpace(n.ChangeType))
		ev.TicketID = messageIDOf(n)
		if ev.TicketID == "" {
			return platform.Event{}, errors.New("no message id in resource or resourceData")
		}
		ev.Fields["changeType"] = n.ChangeType
		if n.ResourceData != nil {
			etag = n.ResourceData.ODataETag
		}
	}
	// Graph redelivers the same notification unchanged, so a digest of what
	// identifies it is a stable dedup key; the etag separates two updates
	// of one message, the expiry two lifecycle warnings of one subscription.
	sum := sha256.Sum256([]byte(strings.Join([]string{n.SubscriptionID, kind, ev.TicketID, etag, n.SubscriptionExpirationDateTime}, "\x00")))
	ev.DeliveryID = "graph-" + hex.EncodeToString(sum[:16])
	return ev, nil
}

// messageIDOf prefers resourceData.id and falls back to the last segment of
// the resource path, in either Messages/{id} or Messages('{id}') form.
func messageIDOf(n notification) string {
	if n.ResourceData != nil && n.ResourceData.ID != "" {
		return n.ResourceData.ID
	}
	r := n.Resource
	i := strings.LastIndex(strings.ToLower(r), "messages")
	if i < 0 {
		return ""
	}
	id := strings.TrimPrefix(r[i+len("messages"):], "/")
	if strings.HasPrefix(id, "('") && strings.HasSuffix(id, "')") {
		id = id[2 : len(id)-2]
	}
	if strings.ContainsAny(id, "/()'") {
		return ""
	}
	return id
}

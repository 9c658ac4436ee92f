package zendesk

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
)

// Webhook signature headers (developer.zendesk.com/documentation/webhooks/verifying).
const (
	HeaderSignature = "X-Zendesk-Webhook-Signature"
	HeaderTimestamp = "X-Zendesk-Webhook-Signature-Timestamp"
)

// MaxSkew is how far a delivery's signature timestamp may be from now.
// Zendesk prescribes no replay window; five minutes allows for clock skew
// and a slow first attempt while keeping a captured delivery from being
// replayed later.
const MaxSkew = 5 * time.Minute

var (
	// ErrBadSignature: the delivery is not signed with the endpoint's secret.
	ErrBadSignature = errors.New("zendesk webhook: bad signature")
	// ErrStale: the signature timestamp is outside MaxSkew.
	ErrStale = errors.New("zendesk webhook: stale timestamp")
	// ErrUnknownEvent: the delivery names an event Tandem does not handle.
	// It matches platform.ErrIrrelevant.
	ErrUnknownEvent = platform.Irrelevant("zendesk webhook: event not synced")
)

// Sign returns the signature Zendesk sends for body at timestamp:
// base64(HMAC-SHA256(secret, timestamp + body)), the secret used as given.
func Sign(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// VerifyWebhook checks the delivery's signature against secret and refuses
// a timestamp more than MaxSkew from now.
func VerifyWebhook(req platform.WebhookRequest, secret string) error {
	return verifyAt(req, secret, time.Now())
}

func verifyAt(req platform.WebhookRequest, secret string, now time.Time) error {
	if secret == "" {
		return fmt.Errorf("%w: no secret configured for this endpoint", ErrBadSignature)
	}
	sig, ts := header(req, HeaderSignature), header(req, HeaderTimestamp)
	if sig == "" || ts == "" {
		return fmt.Errorf("%w: missing %s or %s", ErrBadSignature, HeaderSignature, HeaderTimestamp)
	}
	got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(sig))
	if err != nil {
		return fmt.Errorf("%w: signature is not base64", ErrBadSignature)
	}
	want, _ := base64.StdEncoding.DecodeString(Sign(secret, ts, req.Body))
	if !hmac.Equal(got, want) {
		return ErrBadSignature
	}
	// Checked after the signature, so the timestamp is the one Zendesk
	// signed.
	at, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(ts))
	if err != nil {
		return fmt.Errorf("%w: timestamp %q is not RFC 3339", ErrStale, ts)
	}
	if d := now.Sub(at); d > MaxSkew || d < -MaxSkew {
		return fmt.Errorf("%w: signed %s ago", ErrStale, d.Round(time.Second))
	}
	return nil
}

// header finds a header whatever its case: API Gateway lower-cases them.
func header(req platform.WebhookRequest, name string) string {
	if v := req.Header.Get(name); v != "" {
		return v
	}
	for k, vs := range req.Header {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

// event is one ticket-event delivery. Its representation differs from the
// REST API's: ids are strings, enums upper case (OPEN, HIGH, PROBLEM) and
// API writes have via.channel web_service.
type event struct {
	Type    string `json:"type"`
	ID      string `json:"id"`
	Time    string `json:"time"`
	Subject string `json:"subject"`
	Detail  struct {
		ActorID  zid    `json:"actor_id"`
		ID       zid    `json:"id"`
		Status   string `json:"status"`
		Priority string `json:"priority"`
		Type     string `json:"type"`
		Subject  string `json:"subject"`
		Via      struct {
			Channel string `json:"channel"`
		} `json:"via"`
	} `json:"detail"`
	Event struct {
		Comment *struct {
			ID       zid  `json:"id"`
			IsPublic bool `json:"is_public"`
		} `json:"comment"`
	} `json:"event"`
}

const eventPrefix = "zen:event-type:ticket."

// eventTypes maps the ticket event names (after the prefix) to neutral
// types; the rest are not synced.
var eventTypes = map[string]platform.EventType{
	"created":               platform.EventTicketCreated,
	"comment_added":         platform.EventNoteCreated,
	"status_changed":        platform.EventTicketUpdated,
	"custom_status_changed": platform.EventTicketUpdated,
	"priority_changed":      platform.EventTicketUpdated,
	"ticket_type_changed":   platform.EventTicketUpdated,
	"subject_changed":       platform.EventTicketUpdated,
	"custom_field_changed":  platform.EventTicketUpdated,
	"soft_deleted":          platform.EventTicketDeleted,
	"permanently_deleted":   platform.EventTicketDeleted,
}

// ParseWebhook turns a verified delivery into its event. The ticket id
// comes from detail.id (or the subject zen:ticket:{id}); enums are
// lower-cased to the REST values and web_service is reported as the REST
// channel api.
func ParseWebhook(body []byte) ([]platform.Event, error) {
	var e event
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&e); err != nil {
		return nil, fmt.Errorf("zendesk webhook: body is not an event: %w", err)
	}
	name, ok := strings.CutPrefix(e.Type, eventPrefix)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownEvent, e.Type)
	}
	typ, ok := eventTypes[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownEvent, e.Type)
	}
	ticketID := string(e.Detail.ID)
	if !e.Detail.ID.positive() {
		sub, _ := strings.CutPrefix(e.Subject, "zen:ticket:")
		if _, err := recordID("ticket", sub); err != nil {
			return nil, fmt.Errorf("zendesk webhook: %q names no ticket", e.Type)
		}
		ticketID = sub
	}
	if strings.TrimSpace(e.ID) == "" {
		return nil, fmt.Errorf("zendesk webhook: %q delivery has no event id", e.Type)
	}
	ev := platform.Event{
		Platform: Kind, Type: typ, TicketID: ticketID, ActorID: string(e.Detail.ActorID),
		DeliveryID: "zendesk-" + e.ID, OccurredAt: parseTime(e.Time),
		Fields: map[string]string{"event": name},
	}
	if typ == platform.EventNoteCreated {
		if e.Event.Comment == nil || !e.Event.Comment.ID.positive() {
			return nil, fmt.Errorf("zendesk webhook: comment_added without a comment id")
		}
		ev.NoteID = string(e.Event.Comment.ID)
		ev.Fields["public"] = fmt.Sprint(e.Event.Comment.IsPublic)
	}
	for k, v := range map[string]string{
		"status": strings.ToLower(e.Detail.Status), "priority": strings.ToLower(e.Detail.Priority),
		"type": strings.ToLower(e.Detail.Type), "channel": channel(e.Detail.Via.Channel),
	} {
		if v != "" {
			ev.Fields[k] = v
		}
	}
	return []platform.Event{ev}, nil
}

// channel reports the event payload's channel by its REST name.
func channel(c string) string {
	c = strings.ToLower(c)
	if c == "web_service" {
		return "api"
	}
	return c
}

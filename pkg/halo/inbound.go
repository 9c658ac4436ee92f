package halo

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
)

var (
	// ErrBadSignature: the delivery did not carry the endpoint's secret.
	ErrBadSignature = errors.New("halo webhook: authentication failed")
	// ErrUnknownEvent: the delivery names an event Tandem does not handle.
	// It matches platform.ErrIrrelevant.
	ErrUnknownEvent = platform.Irrelevant("halo webhook: unknown event")
)

// VerifyWebhook checks the delivery's Basic authentication against secret.
// Halo signs nothing: standard webhooks authenticate with Basic (or none),
// so the password is the endpoint secret and the user name is not checked.
// Basic does not cover the body; TLS protects it in transit. The sync
// functions take a full-object payload's ticket and action as their read
// (instead of re-reading them) only for the organisation whose secret
// authenticated the delivery, and only on that organisation's own ticket.
func VerifyWebhook(req platform.WebhookRequest, secret string) error {
	if secret == "" {
		return fmt.Errorf("%w: no secret configured for this endpoint", ErrBadSignature)
	}
	auth := header(req, "Authorization")
	if auth == "" {
		return fmt.Errorf("%w: no Authorization header", ErrBadSignature)
	}
	scheme, cred, ok := strings.Cut(strings.TrimSpace(auth), " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return fmt.Errorf("%w: Authorization is not Basic", ErrBadSignature)
	}
	cred = strings.TrimSpace(cred)
	raw, err := base64.StdEncoding.DecodeString(cred)
	if err != nil {
		if raw, err = base64.RawStdEncoding.DecodeString(cred); err != nil {
			return fmt.Errorf("%w: malformed Basic credentials", ErrBadSignature)
		}
	}
	_, password, ok := bytes.Cut(raw, []byte{':'})
	if !ok {
		return fmt.Errorf("%w: malformed Basic credentials", ErrBadSignature)
	}
	// Hashing first makes the comparison constant-time in the length too.
	got, want := sha256.Sum256(password), sha256.Sum256([]byte(secret))
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		return fmt.Errorf("%w: wrong password", ErrBadSignature)
	}
	return nil
}

// header finds a header whatever its case: API Gateway hands headers over
// lower-cased, which http.Header.Get would not match.
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

// delivery is one Halo webhook payload; the same keys arrive in every
// payload type, the ticket and action objects with the full-object type.
type delivery struct {
	ID             haloID          `json:"id"`
	WebhookID      haloID          `json:"webhook_id"`
	NotificationID haloID          `json:"notification_id"`
	EscMsgID       haloID          `json:"escmsg_id"`
	Event          string          `json:"event"`
	Message        string          `json:"message"`
	ObjectID       haloID          `json:"object_id"`
	AgentID        haloID          `json:"agent_id"` // meaning undocumented: never the actor
	Timestamp      json.RawMessage `json:"timestamp"`
	Ticket         *faults         `json:"ticket"`
	Action         *action         `json:"action"`
	// Keys of the ticket object: a full object has every field Tandem
	// syncs, a smaller payload type does not.
	TicketKeys map[string]json.RawMessage `json:"-"`
}

// fullTicketKeys are the ticket keys of the "full object" payload type
// (Faults, as GET /Tickets/{id} answers) that Tandem's read takes; a
// delivery whose ticket has them all is taken as the read.
var fullTicketKeys = []string{"id", "summary", "details", "status_id", "priority_id", "tickettype_id", "team_id", "category_1", "customfields"}

// eventTypes maps Halo event names, lower-cased with single spaces, to
// neutral types. Halo's own casing varies ("ticket status changed" has been
// seen on a live tenant next to "New Ticket Logged").
var eventTypes = map[string]platform.EventType{
	"new ticket logged":       platform.EventTicketCreated,
	"ticket logged":           platform.EventTicketCreated,
	"new ticket":              platform.EventTicketCreated,
	"ticket created":          platform.EventTicketCreated,
	"ticket updated":          platform.EventTicketUpdated,
	"ticket status changed":   platform.EventTicketUpdated,
	"status changed":          platform.EventTicketUpdated,
	"ticket reassigned":       platform.EventTicketUpdated,
	"ticket priority changed": platform.EventTicketUpdated,
	"ticket closed":           platform.EventTicketUpdated,
	"ticket resolved":         platform.EventTicketUpdated,
	"ticket re-opened":        platform.EventTicketUpdated,
	"ticket reopened":         platform.EventTicketUpdated,
	"ticket deleted":          platform.EventTicketDeleted,
	"action added":            platform.EventNoteCreated,
	"new action":              platform.EventNoteCreated,
	"new action added":        platform.EventNoteCreated,
	"action added to ticket":  platform.EventNoteCreated,
}

// ParseWebhook turns a delivery body into events. A batched delivery (a JSON
// array) gives one event per element; elements naming an event Tandem does
// not handle are left out and reported with an error wrapping
// ErrUnknownEvent next to the others' events, while any malformed element
// fails the whole delivery.
func ParseWebhook(body []byte) ([]platform.Event, error) {
	body = bytes.TrimSpace(body)
	var items []json.RawMessage
	switch {
	case len(body) == 0:
		return nil, errors.New("halo webhook: empty body")
	case body[0] == '[':
		if err := json.Unmarshal(body, &items); err != nil {
			return nil, fmt.Errorf("halo webhook: body is not JSON: %w", err)
		}
		if len(items) == 0 {
			return nil, errors.New("halo webhook: empty batch")
		}
	default:
		items = []json.RawMessage{body}
	}
	events := make([]platform.Event, 0, len(items))
	var unknown []error
	for i, raw := range items {
		ev, err := parseDelivery(raw)
		switch {
		case err != nil && len(items) == 1:
			return nil, err
		case errors.Is(err, ErrUnknownEvent):
			unknown = append(unknown, fmt.Errorf("delivery %d of %d: %w", i+1, len(items), err))
		case err != nil:
			return nil, fmt.Errorf("delivery %d of %d: %w", i+1, len(items), err)
		default:
			events = append(events, ev)
		}
	}
	return events, errors.Join(unknown...)
}

func parseDelivery(raw json.RawMessage) (platform.Event, error) {
	var d delivery
	if err := json.Unmarshal(raw, &d); err != nil {
		return platform.Event{}, fmt.Errorf("halo webhook: body is not a delivery: %w", err)
	}
	if d.Ticket != nil {
		var keys struct {
			Ticket map[string]json.RawMessage `json:"ticket"`
		}
		_ = json.Unmarshal(raw, &keys) // it decoded as a delivery just above
		d.TicketKeys = keys.Ticket
	}
	name := strings.Join(strings.Fields(strings.ToLower(d.Event)), " ")
	typ, ok := eventTypes[name]
	if !ok {
		return platform.Event{}, fmt.Errorf("%w: %q", ErrUnknownEvent, d.Event)
	}
	ev := platform.Event{Platform: platform.Halo, Type: typ, DeliveryID: deliveryID(d, raw)}
	ev.TicketID = firstPositive(d.ObjectID, ticketIDOf(d))
	if ev.TicketID == "" {
		return platform.Event{}, fmt.Errorf("halo webhook: %q delivery names no ticket", d.Event)
	}
	// Only the action says who acted (its who_agentid). The envelope's
	// agent_id is not documented and may be the ticket's assigned agent: a
	// customer's change on a ticket assigned to the integration's agent
	// must not look like Tandem's own echo. Without an action the actor
	// stays unknown and the sync's snapshot diff decides, for one read.
	if d.Action != nil {
		ev.ActorID = optional(d.Action.WhoAgentID)
		if typ == platform.EventNoteCreated {
			ev.NoteID = optional(d.Action.ID)
			if ev.NoteID != "" {
				ev.Note = platform.Carried(d.Action.note(ev.TicketID))
			}
		}
	}
	if d.Ticket != nil && string(d.Ticket.ID) == ev.TicketID && hasAll(d.TicketKeys, fullTicketKeys) {
		ev.Ticket = platform.Carried(d.Ticket.ticket())
	}
	if n, err := strconv.ParseInt(string(d.EscMsgID), 10, 64); err == nil && n > 0 {
		ev.Sequence = n
	}
	ev.OccurredAt = timestamp(d.Timestamp)
	ev.Fields = map[string]string{"event": d.Event}
	if d.Ticket != nil {
		for k, v := range map[string]string{"summary": d.Ticket.Summary, "status_id": string(d.Ticket.StatusID), "priority_id": string(d.Ticket.PriorityID)} {
			if v != "" {
				ev.Fields[k] = v
			}
		}
	}
	return ev, nil
}

func hasAll(m map[string]json.RawMessage, keys []string) bool {
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			return false
		}
	}
	return true
}

func ticketIDOf(d delivery) haloID {
	if d.Ticket != nil && d.Ticket.ID.positive() {
		return d.Ticket.ID
	}
	if d.Action != nil {
		return d.Action.TicketID
	}
	return ""
}

func firstPositive(ids ...haloID) string {
	for _, id := range ids {
		if id.positive() {
			return string(id)
		}
	}
	return ""
}

// deliveryID is Halo's delivery GUID, which a retry of the same delivery
// repeats. Without one, a hash of the delivery's bytes is just as stable for
// a byte-identical retry.
func deliveryID(d delivery, raw []byte) string {
	if d.ID != "" {
		return "halo-" + string(d.ID)
	}
	sum := sha256.Sum256(raw)
	return "halo-sha256-" + hex.EncodeToString(sum[:16])
}

// timestamp reads RFC 3339, Halo's offset-less UTC form, or Unix seconds.
func timestamp(raw json.RawMessage) time.Time {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		t, _ := parseTime(s)
		return t
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		if secs, err := n.Int64(); err == nil && secs > 0 {
			return time.Unix(secs, 0).UTC()
		}
	}
	return time.Time{}
}

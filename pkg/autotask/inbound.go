package autotask

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/tandemsync/tandem/pkg/platform"
)

// ErrBadSignature is wrapped by every VerifyWebhook failure.
var ErrBadSignature = errors.New("autotask webhook signature not valid")

// SignatureHeader carries "sha1=" + base64(HMAC-SHA1(SecretKey, body)).
const SignatureHeader = "X-Hook-Signature"

// VerifyWebhook checks X-Hook-Signature against the webhook's secret key. It
// accepts the HMAC of the body as received and of the body re-escaped the way
// Autotask serialises before signing (public integrations report live
// deliveries signed that way whenever a string holds &, <, >, ', +, a quote
// or non-ASCII text). Both comparisons are constant-time.
func VerifyWebhook(req platform.WebhookRequest, secret string) error {
	if secret == "" {
		return fmt.Errorf("%w: no secret configured for this endpoint", ErrBadSignature)
	}
	header := strings.TrimSpace(req.Header.Get(SignatureHeader))
	if header == "" {
		return fmt.Errorf("%w: missing %s header", ErrBadSignature, SignatureHeader)
	}
	if len(header) >= 5 && strings.EqualFold(header[:5], "sha1=") {
		header = header[5:]
	}
	want, err := base64.StdEncoding.DecodeString(header)
	if err != nil || len(want) != sha1.Size {
		return fmt.Errorf("%w: %s is not a base64 SHA-1 HMAC", ErrBadSignature, SignatureHeader)
	}
	if hmac.Equal(sign(secret, req.Body), want) {
		return nil
	}
	if escaped, changed := autotaskEscape(req.Body); changed && hmac.Equal(sign(secret, escaped), want) {
		return nil
	}
	return fmt.Errorf("%w: the body does not match the signature", ErrBadSignature)
}

func sign(secret string, body []byte) []byte {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write(body)
	return m.Sum(nil)
}

// autotaskEscape rewrites the characters inside JSON strings that Autotask
// escapes before signing: & < > ' ` + and an escaped quote as \u00XX (upper
// case hex), non-ASCII as UTF-16 \uXXXX units. Other escapes stay as they
// are. It reports whether anything changed, so the common plain-ASCII body
// costs one scan and no second HMAC.
func autotaskEscape(body []byte) ([]byte, bool) {
	if !needsEscape(body) {
		return body, false
	}
	out := make([]byte, 0, len(body)+len(body)/4)
	inString, escaped := false, false
	for i := 0; i < len(body); {
		b := body[i]
		switch {
		case escaped:
			// The byte after a backslash: \" becomes \u0022, the rest stays.
			if b == '"' {
				out = append(out[:len(out)-1], `\u0022`...)
			} else {
				out = append(out, b)
			}
			escaped = false
			i++
		case b == '\\' && inString:
			out = append(out, b)
			escaped = true
			i++
		case b == '"':
			inString = !inString
			out = append(out, b)
			i++
		case !inString:
			out = append(out, b)
			i++
		case b < utf8.RuneSelf:
			switch b {
			case '&', '<', '>', '\'', '`', '+':
				out = appendU(out, rune(b))
			default:
				out = append(out, b)
			}
			i++
		default:
			r, size := utf8.DecodeRune(body[i:])
			if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
				out = appendU(appendU(out, r1), r2)
			} else {
				out = appendU(out, r)
			}
			i += size
		}
	}
	return out, true
}

func needsEscape(body []byte) bool {
	for _, b := range body {
		switch {
		case b >= utf8.RuneSelf, b == '&', b == '<', b == '>', b == '\'', b == '`', b == '+':
			return true
		}
	}
	return bytes.Contains(body, []byte(`\"`))
}

const hexDigits = "0123456789ABCDEF"

func appendU(out []byte, r rune) []byte {
	return append(out, '\\', 'u', hexDigits[r>>12&0xF], hexDigits[r>>8&0xF], hexDigits[r>>4&0xF], hexDigits[r&0xF])
}

// ErrUnknownEvent is wrapped when a delivery names an entity or action Tandem
// does not handle; it is reported, never guessed at. It matches
// platform.ErrIrrelevant: the receiver answers 2xx and queues nothing.
var ErrUnknownEvent = platform.Irrelevant("autotask webhook event not supported")

// ErrMalformedWebhook is wrapped when a delivery is not a usable payload.
var ErrMalformedWebhook = errors.New("autotask webhook payload malformed")

// payload is one delivery. encoding/json matches keys without regard to
// case, which is what Autotask's inconsistent casing needs: its own material
// writes PersonID, some integrations see PersonId. Every member is raw so a
// number sent as a string (or the reverse) is still read.
type payload struct {
	Action         json.RawMessage
	Guid           json.RawMessage
	EntityType     json.RawMessage
	ID             json.RawMessage `json:"Id"`
	Fields         json.RawMessage
	EventTime      json.RawMessage
	SequenceNumber json.RawMessage
	PersonID       json.RawMessage
}

// ParseWebhook turns one delivery into events.
func ParseWebhook(body []byte) ([]platform.Event, error) {
	var p payload
	if err := json.Unmarshal(body, &p); err != nil || bytes.TrimSpace(body)[0] != '{' {
		return nil, fmt.Errorf("%w: not a JSON object", ErrMalformedWebhook)
	}
	action := strings.ToLower(text(p.Action))
	entity := strings.ToLower(strings.TrimSuffix(strings.TrimSuffix(text(p.EntityType), "s"), "S"))
	id := text(p.ID)
	fields, err := payloadFields(p.Fields)
	if err != nil {
		return nil, err
	}

	ev := platform.Event{Platform: platform.Autotask, ActorID: text(p.PersonID), Fields: fields}
	if seq := text(p.SequenceNumber); seq != "" {
		n, err := strconv.ParseInt(seq, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: SequenceNumber %q is not a number", ErrMalformedWebhook, truncate(seq, 20))
		}
		ev.Sequence = n
	}
	if t, ok := parseTime(text(p.EventTime)); ok {
		ev.OccurredAt = t
	}

	switch {
	case action == "deactivated":
		ev.Type = platform.EventWebhookDeactivated
	case entity == "ticket" && action == "create":
		ev.Type, ev.TicketID = platform.EventTicketCreated, id
	case entity == "ticket" && action == "update":
		ev.Type, ev.TicketID = platform.EventTicketUpdated, id
	case entity == "ticket" && action == "delete":
		ev.Type, ev.TicketID = platform.EventTicketDeleted, id
	case entity == "ticketnote" && action == "create":
		ev.Type, ev.NoteID, ev.TicketID = platform.EventNoteCreated, id, lookup(fields, "ticketid", "ticket")
	default:
		return nil, fmt.Errorf("%w: %s %s", ErrUnknownEvent, truncate(text(p.EntityType), 40), truncate(text(p.Action), 40))
	}
	if ev.Type != platform.EventWebhookDeactivated && !isID(id) {
		return nil, fmt.Errorf("%w: Id %q is not an Autotask id", ErrMalformedWebhook, truncate(id, 20))
	}
	switch ev.Type {
	case platform.EventTicketCreated, platform.EventTicketUpdated:
		if t, ok := payloadTicket(id, fields); ok {
			// User-defined fields never ride in a ticket payload here.
			ev.Ticket, ev.NoCustom = platform.Carried(t), true
		}
	case platform.EventNoteCreated:
		if n, ok := payloadNote(id, fields); ok {
			n.AuthorID, n.CreatedAt = ev.ActorID, ev.OccurredAt
			ev.Note = platform.Carried(n)
		}
	}
	ev.DeliveryID = deliveryID(p, body)
	return []platform.Event{ev}, nil
}

// deliveryID is the same for every attempt of one delivery (Autotask resends
// the same payload) and differs between deliveries: the webhook GUID, the
// entity and the sequence number identify it. Without a sequence number or
// event time the whole body stands in.
func deliveryID(p payload, body []byte) string {
	h := sha256.New()
	for _, v := range []json.RawMessage{p.Guid, p.EntityType, p.ID, p.Action, p.SequenceNumber, p.EventTime} {
		h.Write([]byte(strings.ToLower(text(v))))
		h.Write([]byte{0})
	}
	if text(p.SequenceNumber) == "" && text(p.EventTime) == "" {
		h.Write(body)
	}
	return "autotask-" + hex.EncodeToString(h.Sum(nil)[:20])
}

// text renders a scalar JSON value as text: strings unquoted, numbers and
// booleans as written, null and absent as "", objects as compact JSON.
func text(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
		return ""
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) == nil {
		return buf.String()
	}
	return ""
}

func payloadFields(raw json.RawMessage) (map[string]string, error) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%w: Fields is not an object", ErrMalformedWebhook)
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = text(v)
	}
	return out, nil
}

// payloadTicket is the ticket a delivery carries when it has every field
// Tandem syncs: a create's subscribed fields, or an update's fields that
// the webhook displays always (RegisterWebhook asks for that). Without one
// of them it is only a notice, and the ticket is read.
func payloadTicket(id string, fields map[string]string) (platform.Ticket, bool) {
	v, ok := all(fields, "title", "description", "status", "priority", "queueID", "ticketType", "ticketCategory", "dueDateTime")
	if !ok {
		return platform.Ticket{}, false
	}
	w := ticketWire{Title: v[0], Description: v[1], Status: json.Number(v[2]), Priority: json.Number(v[3]), QueueID: json.Number(v[4]),
		TicketType: json.Number(v[5]), TicketCategory: json.Number(v[6]), DueDateTime: v[7], TicketNumber: lookup(fields, "ticketNumber")}
	w.ID, _ = strconv.ParseInt(id, 10, 64)
	return w.toPlatform(), true
}

// payloadNote is the note a note delivery carries, when it has all of it.
func payloadNote(id string, fields map[string]string) (platform.Note, bool) {
	v, ok := all(fields, "title", "description", "noteType", "publish", "ticketID")
	if !ok {
		return platform.Note{}, false
	}
	w := noteWire{Title: v[0], Description: v[1], NoteType: json.Number(v[2]), Publish: json.Number(v[3])}
	w.ID, _ = strconv.ParseInt(id, 10, 64)
	w.TicketID, _ = strconv.ParseInt(v[4], 10, 64)
	return w.toPlatform(), true
}

// all finds every named field (case-insensitively); ok is false when one
// is missing. A field present with a null value is present and empty.
func all(fields map[string]string, names ...string) ([]string, bool) {
	out := make([]string, len(names))
	for i, n := range names {
		found := false
		for k, v := range fields {
			if strings.EqualFold(k, n) {
				out[i], found = v, true
				break
			}
		}
		if !found {
			return nil, false
		}
	}
	return out, true
}

// lookup finds a field by any of the names, case-insensitively.
func lookup(fields map[string]string, names ...string) string {
	for _, n := range names {
		for k, v := range fields {
			if strings.EqualFold(k, n) {
				return v
			}
		}
	}
	return ""
}

func isID(s string) bool {
	n, err := strconv.ParseInt(s, 10, 64)
	return err == nil && n > 0
}

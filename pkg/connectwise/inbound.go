package connectwise

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/ttlcache"
)

// SignatureHeader carries base64(HMAC-SHA256(SHA-256(signing key), body)).
const SignatureHeader = "X-Content-Signature"

var (
	// ErrBadSignature: the delivery is not signed with the callback's key.
	ErrBadSignature = errors.New("connectwise: bad callback signature")
	// ErrUnknownEvent: a delivery Tandem does not handle (another record
	// type or an unknown action); it is reported, never guessed at. It
	// matches platform.ErrIrrelevant: the receiver answers 2xx and queues
	// nothing, so ConnectWise does not count it as a failure.
	ErrUnknownEvent = platform.Irrelevant("connectwise: unknown callback event")
)

// delivery is the callback body. ConnectWise is loose about it: ID is a number
// or a string, Entity is a JSON-encoded string, an object or null.
type delivery struct {
	MessageID string          `json:"MessageId"`
	MemberID  string          `json:"MemberId"` // not trusted as the actor: see ParseWebhook
	Action    string          `json:"Action"`
	Type      string          `json:"Type"`
	ID        json.RawMessage `json:"ID"`
	Entity    json.RawMessage `json:"Entity"`
}

// entity is what Tandem reads from a ticket Entity.
type entity struct {
	ID         json.RawMessage `json:"id"`
	Summary    *string         `json:"summary"`
	Board      *ref            `json:"board"`
	Status     *ref            `json:"status"`
	Priority   *ref            `json:"priority"`
	Type       *ref            `json:"type"`
	SubType    *ref            `json:"subType"`
	ClosedFlag *bool           `json:"closedFlag"`
	Info       *info           `json:"_info"`
	// CustomFields is kept raw: only whether the record carried them
	// matters here.
	CustomFields json.RawMessage `json:"customFields"`
}

var actions = map[string]platform.EventType{
	"added":   platform.EventTicketCreated,
	"updated": platform.EventTicketUpdated,
	"deleted": platform.EventTicketDeleted,
}

// ParseWebhook turns one verified callback body into events (ConnectWise
// sends one record per delivery). Note changes come as ticket updates.
func ParseWebhook(body []byte) ([]platform.Event, error) {
	var d delivery
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, fmt.Errorf("parse connectwise callback: %w", err)
	}
	typ, ok := actions[strings.ToLower(strings.TrimSpace(d.Action))]
	if !ok {
		return nil, fmt.Errorf("parse connectwise callback: action %q: %w", truncate(d.Action), ErrUnknownEvent)
	}
	if !strings.EqualFold(strings.TrimSpace(d.Type), "ticket") {
		return nil, fmt.Errorf("parse connectwise callback: record type %q: %w", truncate(d.Type), ErrUnknownEvent)
	}
	ent, record := decodeEntity(d.Entity)
	ev := platform.Event{
		Platform:   platform.ConnectWise,
		Type:       typ,
		TicketID:   rawID(d.ID),
		DeliveryID: strings.TrimSpace(d.MessageID),
	}
	if ev.TicketID == "" && ent != nil {
		ev.TicketID = rawID(ent.ID)
	}
	if ev.TicketID == "" {
		return nil, fmt.Errorf("parse connectwise callback: no ticket id")
	}
	if ev.DeliveryID == "" {
		// Without a MessageId the body itself is the identity of the delivery:
		// a redelivery repeats it byte for byte.
		sum := sha256.Sum256(body)
		ev.DeliveryID = "sha256:" + hex.EncodeToString(sum[:])
	}
	if ent != nil {
		if ent.Info != nil {
			// The actor is the member on the record itself (_info.updatedBy,
			// the record metadata every ConnectWise entity carries). The
			// envelope's MemberId is not documented as the member who made
			// the change, so it is never trusted for echo suppression; a
			// delivery without an entity leaves the actor to the sync's
			// snapshot diff.
			ev.ActorID = strings.TrimSpace(ent.Info.UpdatedBy)
			ev.OccurredAt, _ = parseTime(ent.Info.LastUpdated)
		}
		ev.Fields = entityFields(ent)
		ev.Ticket, ev.Sequence, ev.NoCustom = deliveredTicket(record, ent, ev.TicketID)
	}
	return []platform.Event{ev}, nil
}

// deliveredTicket is a ticket Entity taken as the ticket's read. ConnectWise
// sends the record the way its GET returns it (the sandbox's contact
// callback in testdata carries the contact's GET shape), so a whole ticket
// qualifies: its own id, summary, board, status, priority and
// _info.lastUpdated. That time orders the deliveries of one ticket, to the
// second: a delivery in the same second as the last one taken is re-read
// (relay's sourceState.ticketFor). Without customFields in the record, its
// custom fields are unknown (noCustom).
func deliveredTicket(record []byte, e *entity, id string) (t *platform.Ticket, seq int64, noCustom bool) {
	if rawID(e.ID) != id || e.Summary == nil || e.Board == nil || e.Status == nil || e.Priority == nil || e.Info == nil {
		return nil, 0, false
	}
	at, ok := parseTime(e.Info.LastUpdated)
	if !ok || at.Unix() <= 0 {
		return nil, 0, false
	}
	var rec ticket
	if json.Unmarshal(record, &rec) != nil {
		return nil, 0, false
	}
	if t = platform.Carried(fromTicket(rec)); t == nil {
		return nil, 0, false
	}
	return t, at.Unix(), len(e.CustomFields) == 0
}

// decodeEntity tolerates every shape seen: a JSON-encoded string, an object,
// null, or something unreadable (ignored: the sync re-reads the ticket). It
// returns the record's JSON too.
func decodeEntity(raw json.RawMessage) (*entity, []byte) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, nil
		}
		raw = []byte(s)
	}
	var e entity
	if json.Unmarshal(raw, &e) != nil {
		return nil, nil
	}
	return &e, raw
}

func entityFields(e *entity) map[string]string {
	f := map[string]string{}
	if e.Summary != nil {
		f["summary"] = *e.Summary
	}
	for name, r := range map[string]*ref{"queue": e.Board, "status": e.Status, "priority": e.Priority, "type": e.Type, "category": e.SubType} {
		if id := r.idString(); id != "" {
			f[name] = id
		}
	}
	if e.ClosedFlag != nil {
		f["closed"] = strconv.FormatBool(*e.ClosedFlag)
	}
	if len(f) == 0 {
		return nil
	}
	return f
}

// rawID reads an id sent as a number or a string.
func rawID(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return ""
	}
	var s string
	if raw[0] == '"' {
		if json.Unmarshal(raw, &s) != nil {
			return ""
		}
	} else {
		var n json.Number
		if json.Unmarshal(raw, &n) != nil {
			return ""
		}
		s = n.String()
	}
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err != nil || n <= 0 {
		return ""
	}
	return s
}

func truncate(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// VerifyWebhook checks the x-content-signature of a delivery against an
// already-fetched signing key (see Verifier for fetching it).
func VerifyWebhook(req platform.WebhookRequest, signingKey string) error {
	if signingKey == "" {
		return fmt.Errorf("verify connectwise callback: no signing key: %w", ErrBadSignature)
	}
	sig := headerValue(req.Header, SignatureHeader)
	if sig == "" {
		return fmt.Errorf("verify connectwise callback: missing %s header: %w", SignatureHeader, ErrBadSignature)
	}
	got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(sig))
	if err != nil {
		return fmt.Errorf("verify connectwise callback: signature is not base64: %w", ErrBadSignature)
	}
	if !hmac.Equal(got, sign(req.Body, signingKey)) {
		return fmt.Errorf("verify connectwise callback: signature mismatch: %w", ErrBadSignature)
	}
	return nil
}

// sign computes the raw signature ConnectWise sends: the HMAC key is the
// SHA-256 digest of the signing key, not the key itself.
func sign(body []byte, signingKey string) []byte {
	k := sha256.Sum256([]byte(signingKey))
	m := hmac.New(sha256.New, k[:])
	m.Write(body)
	return m.Sum(nil)
}

// headerValue looks a header up case-insensitively, because deliveries
// relayed through API Gateway arrive with lower-cased, non-canonical keys.
func headerValue(h http.Header, name string) string {
	if v := h.Get(name); v != "" {
		return v
	}
	for k, vs := range h {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

// keyTTL bounds how long a fetched signing key is trusted without asking
// again; a mismatch refetches at once, so rotation never waits for it.
const keyTTL = time.Hour

// Verifier checks deliveries for one ConnectWise site. The signing key lives
// behind the delivery's Metadata.key_url; Verifier fetches it only from a
// ConnectWise host (a *.myconnectwise.net cloud host or the configured site's
// own host) so a forged delivery cannot make Tandem fetch arbitrary URLs.
type Verifier struct {
	http     *egress.Client
	site     *url.URL
	clientID string
	keys     *ttlcache.Cache[string, string] // signing key by key URL
}

// NewVerifier builds a Verifier for the site in creds; opts supplies the
// egress client and local mode exactly as for New.
func NewVerifier(creds Credentials, opts Options) *Verifier {
	if opts.HTTP == nil {
		opts.HTTP = egress.New(egress.Options{AllowPrivate: opts.AllowPrivate, MaxConcurrent: MaxConcurrent})
	}
	site, _ := url.Parse(creds.Site)
	return &Verifier{http: opts.HTTP, site: site, clientID: creds.ClientID, keys: ttlcache.New[string, string](keyTTL, 64, nil)}
}

// Verify checks the signature of req, fetching and caching the signing key.
// Every refusal wraps ErrBadSignature; a key that cannot be fetched is a
// *platform.Error (temporary when ConnectWise is unreachable) so the webhook
// function can ask for redelivery instead of dropping the event.
func (v *Verifier) Verify(ctx context.Context, req platform.WebhookRequest) error {
	if headerValue(req.Header, SignatureHeader) == "" {
		return fmt.Errorf("verify connectwise callback: missing %s header: %w", SignatureHeader, ErrBadSignature)
	}
	var d struct {
		Metadata struct {
			KeyURL string `json:"key_url"`
		} `json:"Metadata"`
	}
	if err := json.Unmarshal(req.Body, &d); err != nil || d.Metadata.KeyURL == "" {
		return fmt.Errorf("verify connectwise callback: no Metadata.key_url: %w", ErrBadSignature)
	}
	keyURL, err := v.trustedKeyURL(d.Metadata.KeyURL)
	if err != nil {
		return err
	}
	key, fresh, err := v.key(ctx, keyURL, false)
	if err != nil {
		return err
	}
	err = VerifyWebhook(req, key)
	if err == nil || fresh {
		return err
	}
	// The cached key may have been rotated: fetch once more before refusing.
	if key, _, err = v.key(ctx, keyURL, true); err != nil {
		return err
	}
	return VerifyWebhook(req, key)
}

func (v *Verifier) trustedKeyURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil {
		return "", fmt.Errorf("verify connectwise callback: unreadable key_url: %w", ErrBadSignature)
	}
	host := strings.ToLower(u.Hostname())
	cloud := u.Scheme == "https" && u.Port() == "" && strings.HasSuffix(host, cloudDomain)
	ownSite := v.site != nil && strings.EqualFold(u.Host, v.site.Host) && u.Scheme == v.site.Scheme
	if !cloud && !ownSite {
		return "", fmt.Errorf("verify connectwise callback: key_url host %q is not a ConnectWise host: %w", truncate(host), ErrBadSignature)
	}
	return u.String(), nil
}

// key returns the signing key for keyURL and whether it was just fetched.
func (v *Verifier) key(ctx context.Context, keyURL string, refresh bool) (string, bool, error) {
	if k, ok := v.keys.Get(keyURL); ok && !refresh {
		return k, false, nil
	}
	key, err := v.fetch(ctx, keyURL)
	if err != nil {
		if !platform.IsTemporary(err) {
			// A ConnectWise host that will not hand out the key means the
			// key_url (and so the delivery) is not genuine.
			return "", false, fmt.Errorf("verify connectwise callback: fetch signing key: %w: %w", err, ErrBadSignature)
		}
		return "", false, fmt.Errorf("verify connectwise callback: fetch signing key: %w", err)
	}
	v.keys.Put(keyURL, key)
	return key, true, nil
}

func (v *Verifier) fetch(ctx context.Context, keyURL string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, keyURL, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("clientId", v.clientID)
	resp, err := v.http.Do(req)
	if err != nil {
		reason := platform.ReasonUnreachable
		if errors.Is(err, egress.ErrForbiddenDestination) {
			reason = platform.ReasonInvalid
		}
		return "", &platform.Error{Platform: platform.ConnectWise, Reason: reason,
			Message: "The callback signing key could not be fetched from ConnectWise.", Err: scrubErr{err}}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		e := &platform.Error{Platform: platform.ConnectWise, Reason: platform.ReasonForStatus(resp.StatusCode), Status: resp.StatusCode,
			Message: "ConnectWise refused to hand out the callback signing key."}
		if d, ok := egress.RetryAfter(resp.Header, time.Now()); ok {
			e.RetryAfter = d
		}
		return "", e
	}
	var out struct {
		SigningKey string `json:"signing_key"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.SigningKey == "" {
		return "", &platform.Error{Platform: platform.ConnectWise, Reason: platform.ReasonServer, Status: resp.StatusCode,
			Message: "ConnectWise answered the signing key request without a signing_key."}
	}
	return out.SigningKey, nil
}

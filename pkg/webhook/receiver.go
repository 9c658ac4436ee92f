package webhook

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/queue"
	"github.com/tandemsync/tandem/pkg/relay"
	"github.com/tandemsync/tandem/pkg/settings"
	"github.com/tandemsync/tandem/pkg/ttlcache"
)

// MaxBodyBytes bounds a delivery. Platforms send small JSON documents; a
// larger body is refused before any parsing.
const MaxBodyBytes = 256 << 10

// Readers gives the delivery reader of each wired platform.
type Readers interface {
	Inbound(kind platform.Kind) (platform.Inbound, bool)
}

// CredentialSource gives an organisation's stored platform credentials, for
// the platforms whose deliveries are signed with a key of their own.
type CredentialSource interface {
	Credentials(ctx context.Context, org string) (platform.Credentials, error)
}

// Sender queues events.
type Sender interface {
	Send(ctx context.Context, queue string, msgs ...queue.Message) error
}

// Receiver handles POST /webhooks/{platform}/{endpointId}.
type Receiver struct {
	Store       Store
	Secrets     SecretStore
	Out         Sender
	Readers     Readers
	Credentials CredentialSource
	Log         *slog.Logger
	// SecretTTL caches secrets per warm instance: a delivery should not pay
	// a Secrets Manager call, and a rotated secret takes effect within it.
	// 0 means five minutes. Set it before the first delivery.
	SecretTTL time.Duration

	cacheOnce sync.Once
	secrets   *ttlcache.Cache[string, string] // by endpoint id
}

// maxCachedSecrets bounds the secret cache of one process.
const maxCachedSecrets = 4096

// Response is what the receiver answers.
type Response struct {
	Status      int
	ContentType string
	Body        string
}

func plain(status int, body string) Response {
	return Response{Status: status, ContentType: "text/plain; charset=utf-8", Body: body}
}

func jsonResp(status int, v any) Response {
	b, _ := json.Marshal(v)
	return Response{Status: status, ContentType: "application/json", Body: string(b)}
}

func problem(status int, code, msg string) Response {
	return jsonResp(status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

// Receive handles one delivery. Platforms count every answer other than
// 2xx as a failed delivery and disable an endpoint that keeps failing, so
// only a genuinely bad delivery gets 4xx:
//
//   - unknown endpoint (or platform): 404;
//   - a Graph validation handshake: 200 with the token as text/plain;
//   - a body over MaxBodyBytes: 400;
//   - a verification dependency that failed for now (endpoint store,
//     secret store, stored credentials, ConnectWise's signing key): 503, so
//     the platform delivers again;
//   - not verifiable: 401;
//   - verified but malformed: 400;
//   - verified but nothing Tandem needs (a ConnectWise contact callback,
//     an event type Tandem does not handle): 200, nothing queued;
//   - verified, and only echoes of Tandem's own writes (dropEchoes): 200,
//     nothing queued;
//   - queued: 202; the queue unavailable: 503.
func (r *Receiver) Receive(ctx context.Context, kindName, endpointID string, req platform.WebhookRequest) Response {
	log := r.logger().With("platform", kindName, "endpoint_id", endpointID)
	kind := platform.Kind(kindName)
	in, ok := r.Readers.Inbound(kind)
	if !ok {
		return problem(404, "not_found", "no such webhook endpoint")
	}
	ep, err := r.Store.GetEndpoint(ctx, endpointID)
	if errors.Is(err, ErrUnknownEndpoint) || (err == nil && ep.Platform != kind) {
		log.WarnContext(ctx, "webhook for unknown endpoint")
		return problem(404, "not_found", "no such webhook endpoint")
	}
	if err != nil {
		log.ErrorContext(ctx, "webhook endpoint lookup failed", "error", err)
		return unavailable()
	}
	log = log.With("org_id", ep.OrgID)
	if token, ok := in.Handshake(req); ok {
		log.InfoContext(ctx, "webhook validation handshake answered")
		return plain(200, token)
	}
	if len(req.Body) > MaxBodyBytes {
		log.WarnContext(ctx, "webhook refused", "reason", "body too large", "bytes", len(req.Body))
		return problem(400, "body_too_large", fmt.Sprintf("deliveries are limited to %d KiB", MaxBodyBytes>>10))
	}
	secret, err := r.secret(ctx, ep)
	if err != nil {
		log.ErrorContext(ctx, "webhook secret unavailable", "error", err)
		return unavailable()
	}
	var accountErr error
	account := func(ctx context.Context) (platform.Credentials, error) {
		c, err := r.Credentials.Credentials(ctx, ep.OrgID)
		accountErr = err
		return c, err
	}
	if err := in.Verify(ctx, req, secret, account); err != nil {
		if temporary(err, accountErr) {
			log.ErrorContext(ctx, "webhook not verified for now", "error", err)
			return unavailable()
		}
		log.WarnContext(ctx, "webhook refused", "reason", "verification failed", "error", err)
		return problem(401, "bad_signature", "the delivery could not be verified")
	}
	events, err := in.Parse(req.Body)
	switch {
	case err != nil && !platform.OnlyIrrelevant(err):
		log.WarnContext(ctx, "webhook refused", "reason", "unparsable", "error", err)
		return problem(400, "invalid_payload", "the delivery could not be parsed")
	case err != nil:
		log.InfoContext(ctx, "webhook not needed", "reason", err.Error(), "events", len(events))
	}
	events, echoes := dropEchoes(ep, events)
	if len(events) == 0 && echoes > 0 {
		// Tandem's own writes coming back: acknowledged, and not queued,
		// which saves the queue's messages and a sync invocation each.
		log.InfoContext(ctx, "webhook echo dropped", "echoes", echoes)
		return jsonResp(200, map[string]int{"queued": 0, "echoes": echoes})
	}
	if len(events) == 0 {
		// Verified, and nothing Tandem syncs: acknowledged, so the platform
		// does not count it as a failure.
		return jsonResp(200, map[string]int{"queued": 0})
	}
	msgs := make([]queue.Message, 0, len(events))
	for _, ev := range events {
		body, err := json.Marshal(relay.Envelope{Org: ep.OrgID, Event: &ev})
		if err != nil {
			return problem(500, "internal", "try again")
		}
		// One group per ticket keeps a ticket's changes in order while
		// different tickets sync in parallel.
		group := queue.GroupID(ep.OrgID, ev.TicketID)
		if ev.TicketID == "" {
			group = queue.GroupID(ep.OrgID, string(ev.Type))
		}
		msgs = append(msgs, queue.Message{Group: group, DedupID: dedupID(ep.ID, ev.DeliveryID, ev), Body: body})
	}
	if len(msgs) > 0 {
		if err := r.Out.Send(ctx, relay.EventsQueue(kind), msgs...); err != nil {
			log.ErrorContext(ctx, "webhook events not queued", "error", err)
			// 5xx asks the platform to deliver again.
			return unavailable()
		}
	}
	if echoes > 0 {
		log.InfoContext(ctx, "webhook queued", "events", len(msgs), "echoes", echoes)
		return jsonResp(202, map[string]int{"queued": len(msgs), "echoes": echoes})
	}
	log.InfoContext(ctx, "webhook queued", "events", len(msgs))
	return jsonResp(202, map[string]int{"queued": len(msgs)})
}

// dropEchoes takes out of events the echoes of Tandem's own writes that
// nothing needs, and counts them. An event is one when its actor is the
// user ep records Tandem acting as, and no stopped-webhook watch on the
// side waits for a delivery to clear it (Endpoint.Watched). Only the kinds
// of event the sync function itself drops as echoes qualify
// (relay.Engine.HandleEvent): a reconciliation or a subscription's
// lifecycle event is always queued.
func dropEchoes(ep Endpoint, events []platform.Event) ([]platform.Event, int) {
	if ep.ActorID == "" || len(ep.Watched) > 0 {
		return events, 0
	}
	kept := events[:0:0]
	for _, ev := range events {
		switch ev.Type {
		case platform.EventTicketCreated, platform.EventTicketUpdated, platform.EventNoteCreated, platform.EventMailReceived:
			if ev.ActorID == ep.ActorID && ev.TicketID != "" {
				continue
			}
		}
		kept = append(kept, ev)
	}
	return kept, len(events) - len(kept)
}

func unavailable() Response { return problem(503, "unavailable", "try again") }

// temporary tells a verification that failed for now (the platform or a
// store Tandem depends on is unavailable) from a delivery that cannot be
// verified: the first asks the platform to deliver again. accountErr is
// what reading the organisation's credentials returned, if it was read.
func temporary(err, accountErr error) bool {
	if accountErr != nil {
		// Credentials that are gone leave nothing to verify with; any other
		// failure to read them is the store's, not the delivery's.
		return !errors.Is(accountErr, settings.ErrNotConfigured)
	}
	return platform.IsTemporary(err) || errors.Is(err, context.DeadlineExceeded)
}

// dedupID is stable for a delivery, so a platform's retry of the same
// delivery is dropped by the FIFO queue's deduplication window.
func dedupID(endpointID, deliveryID string, ev platform.Event) string {
	h := sha256.Sum256([]byte(endpointID + "\x00" + deliveryID + "\x00" + string(ev.Type) + "\x00" + ev.TicketID + "\x00" + ev.NoteID))
	return hex.EncodeToString(h[:])
}

func (r *Receiver) logger() *slog.Logger {
	if r.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Log
}

func (r *Receiver) secret(ctx context.Context, ep Endpoint) (string, error) {
	r.cacheOnce.Do(func() {
		r.secrets = ttlcache.New[string, string](cmp.Or(r.SecretTTL, 5*time.Minute), maxCachedSecrets, nil)
	})
	if v, ok := r.secrets.Get(ep.ID); ok {
		return v, nil
	}
	raw, err := r.Secrets.GetSecret(ctx, ep.SecretName)
	if err != nil {
		return "", err
	}
	r.secrets.Put(ep.ID, string(raw))
	return string(raw), nil
}

package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/queue"
	"github.com/tandemsync/tandem/pkg/relay"
)

// SyncStore starts and reads a connection's initial sync.
type SyncStore interface {
	StartSync(ctx context.Context, connID string, p relay.SyncProgress) error
	Sync(ctx context.Context, connID string) (relay.SyncProgress, error)
}

// Kinds tells which platform an organisation runs.
type Kinds interface {
	Kind(ctx context.Context, org string) (platform.Kind, error)
}

// InitialSyncRoutes registers the initial sync of a connection from a start
// date:
//
//	POST /v1/connections/{id}/sync {"since": "…"}
//	GET  /v1/connections/{id}/sync
//
// The source's tickets that changed since the date and match the
// escalation rule are escalated; a partner ticket that already carries the
// ticket's marker is matched instead of duplicated. Either organisation may
// start it; it runs in the source platform's sync function.
func InitialSyncRoutes(rt *Router, conns *connection.Service, store SyncStore, kinds Kinds, out Sender, clk clock.Clock) {
	rt.Handle(http.MethodPost, "/v1/connections/{id}/sync", func(ctx context.Context, r *Request) (Result, error) {
		c, err := conns.Get(ctx, r.Caller, r.Params["id"])
		if err != nil {
			return Result{}, err
		}
		var body struct {
			Since time.Time `json:"since"`
		}
		if err := r.Decode(&body); err != nil {
			return Result{}, err
		}
		now := clk.Now()
		if body.Since.IsZero() || body.Since.After(now) {
			return Result{}, &Error{Status: http.StatusBadRequest, Code: "invalid_request", Message: "since must be a date-time in the past, e.g. 2026-01-01T00:00:00Z"}
		}
		if c.Status != connection.Active {
			return Result{}, &Error{Status: http.StatusConflict, Code: "not_active", Message: "only an active connection can sync: this one is still pending or has ended"}
		}
		source := c.CreatorOrg
		if c.CreatorRole != connection.Source {
			source = c.AcceptorOrg
		}
		kind, err := kinds.Kind(ctx, source)
		if err != nil {
			return Result{}, err
		}
		req := relay.Sweep{ConnectionID: c.ID, Since: &body.Since, At: now}
		p := relay.SyncProgress{Run: now.UTC().Format(time.RFC3339Nano), Since: body.Since.UTC(), StartedAt: now}
		if err := store.StartSync(ctx, c.ID, p); err != nil {
			return Result{}, err
		}
		b, err := json.Marshal(relay.Envelope{Org: source, Sweep: &req})
		if err != nil {
			return Result{}, fmt.Errorf("encode initial sync: %w", err)
		}
		// The sweeps' group: one sweep of a side at a time.
		msg := queue.Message{Group: queue.GroupID(source, "sweep", c.ID), DedupID: queue.DedupID("initial", c.ID, p.Run), Body: b}
		if err := out.Send(ctx, relay.EventsQueue(kind), msg); err != nil {
			return Result{}, fmt.Errorf("queue initial sync of %s: %w", c.ID, err)
		}
		return Result{Status: http.StatusAccepted, Body: p}, nil
	})
	rt.Handle(http.MethodGet, "/v1/connections/{id}/sync", func(ctx context.Context, r *Request) (Result, error) {
		c, err := conns.Get(ctx, r.Caller, r.Params["id"])
		if err != nil {
			return Result{}, err
		}
		p, err := store.Sync(ctx, c.ID)
		if errors.Is(err, relay.ErrNoSync) {
			return Result{}, &Error{Status: http.StatusNotFound, Code: "no_sync", Message: "no initial sync has started on this connection: the automatic one starts with the source's first sweep once its escalation rule is saved, or POST /v1/connections/{id}/sync with a start date"}
		}
		if err != nil {
			return Result{}, err
		}
		return Result{Status: http.StatusOK, Body: p}, nil
	})
}

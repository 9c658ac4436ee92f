package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/queue"
	"github.com/tandemsync/tandem/pkg/relay"
)

// FailureStore reads a connection's failure records and links.
type FailureStore interface {
	Failures(ctx context.Context, connID string) ([]relay.Failure, error)
	Failure(ctx context.Context, connID, id string) (relay.Failure, error)
	LinkByTicket(ctx context.Context, connID, org, ticketID string) (relay.Link, error)
}

// Sender queues messages for the sync functions.
type Sender interface {
	Send(ctx context.Context, queue string, msgs ...queue.Message) error
}

// failureView is a failure as the API shows it: without the command's
// content (a file can travel in it).
type failureView struct {
	ID      string    `json:"id"`
	Ticket  string    `json:"ticket"`
	Org     string    `json:"org"`
	FromOrg string    `json:"fromOrg"`
	What    string    `json:"what"`
	Reason  string    `json:"reason"`
	At      time.Time `json:"at"`
	Held    int       `json:"held"`
	// CanResolve: the caller's platform refused, so the caller may retry
	// or skip.
	CanResolve bool `json:"canResolve"`
}

// FailureRoutes registers the failure records of a connection, their retry
// and skip, and the replay of a ticket:
//
//	GET  /v1/connections/{id}/failures
//	POST /v1/connections/{id}/failures/{fid}/retry
//	POST /v1/connections/{id}/failures/{fid}/skip
//	POST /v1/connections/{id}/replay {"ticket": "…"}
//
// Both organisations see every failure of their connection (each concerns
// one side's write of the other side's change); only the organisation
// whose platform refused may retry or skip. The work is queued for the
// receiving side's sync function, in the ticket's message group.
func FailureRoutes(rt *Router, conns *connection.Service, store FailureStore, out Sender, clk clock.Clock) {
	rt.Handle(http.MethodGet, "/v1/connections/{id}/failures", func(ctx context.Context, r *Request) (Result, error) {
		c, err := conns.Get(ctx, r.Caller, r.Params["id"])
		if err != nil {
			return Result{}, err
		}
		all, err := store.Failures(ctx, c.ID)
		if err != nil {
			return Result{}, err
		}
		views := make([]failureView, 0, len(all))
		for _, f := range all {
			views = append(views, failureView{ID: f.ID, Ticket: f.Ticket, Org: f.Org, FromOrg: f.FromOrg, What: f.What,
				Reason: f.Reason, At: f.At, Held: f.Held, CanResolve: f.Org == r.Caller.OrgID})
		}
		return Result{Status: http.StatusOK, Body: map[string]any{"failures": views}}, nil
	})
	resolve := func(skip bool) func(ctx context.Context, r *Request) (Result, error) {
		return func(ctx context.Context, r *Request) (Result, error) {
			c, err := conns.Get(ctx, r.Caller, r.Params["id"])
			if err != nil {
				return Result{}, err
			}
			f, err := store.Failure(ctx, c.ID, r.Params["fid"])
			if errors.Is(err, relay.ErrNoFailure) {
				return Result{}, &Error{Status: http.StatusNotFound, Code: "failure_not_found", Message: "no such failure on this connection: it may have been retried or skipped already"}
			}
			if err != nil {
				return Result{}, err
			}
			if f.Org != r.Caller.OrgID {
				return Result{}, &Error{Status: http.StatusForbidden, Code: "not_your_failure",
					Message: "your partner's platform refused this write: only your partner can retry or skip it"}
			}
			body, err := json.Marshal(relay.Envelope{Org: f.Org, Release: &relay.Release{ConnectionID: c.ID, FailureID: f.ID, Skip: skip}})
			if err != nil {
				return Result{}, fmt.Errorf("encode release: %w", err)
			}
			msg := queue.Message{Group: queue.GroupID(c.ID, f.Ticket), DedupID: queue.DedupID("release", f.ID, strconv.FormatBool(skip), clk.Now().String()), Body: body}
			if err := out.Send(ctx, relay.CommandsQueue(f.Command.ToPlatform), msg); err != nil {
				return Result{}, fmt.Errorf("queue release of %s: %w", f.ID, err)
			}
			return Result{Status: http.StatusAccepted, Body: map[string]any{"status": "queued", "held": f.Held}}, nil
		}
	}
	rt.Handle(http.MethodPost, "/v1/connections/{id}/failures/{fid}/retry", resolve(false))
	rt.Handle(http.MethodPost, "/v1/connections/{id}/failures/{fid}/skip", resolve(true))
	rt.Handle(http.MethodPost, "/v1/connections/{id}/replay", func(ctx context.Context, r *Request) (Result, error) {
		c, err := conns.Get(ctx, r.Caller, r.Params["id"])
		if err != nil {
			return Result{}, err
		}
		var body struct {
			Ticket string `json:"ticket"`
		}
		if err := r.Decode(&body); err != nil {
			return Result{}, err
		}
		link, err := findLink(ctx, store, c, strings.TrimSpace(body.Ticket))
		if err != nil {
			return Result{}, err
		}
		// Each side is re-read and diffed against what Tandem last synced
		// from it, through the ordinary engine.
		now := clk.Now()
		for _, s := range []relay.Side{link.Source, link.Target} {
			if s.TicketID == "" {
				continue
			}
			ev := platform.Event{Platform: s.Platform, Type: platform.EventTicketReconciled, TicketID: s.TicketID, OccurredAt: now,
				DeliveryID: "replay:" + c.ID + ":" + s.TicketID + ":" + strconv.FormatInt(now.UnixNano(), 10)}
			b, err := json.Marshal(relay.Envelope{Org: s.Org, Event: &ev})
			if err != nil {
				return Result{}, fmt.Errorf("encode replay: %w", err)
			}
			msg := queue.Message{Group: queue.GroupID(s.Org, s.TicketID), DedupID: queue.DedupID(ev.DeliveryID), Body: b}
			if err := out.Send(ctx, relay.EventsQueue(s.Platform), msg); err != nil {
				return Result{}, fmt.Errorf("queue replay of %s: %w", link.Key, err)
			}
		}
		return Result{Status: http.StatusAccepted, Body: map[string]any{"status": "queued", "ticket": link.Key}}, nil
	})
}

// findLink finds the link of a ticket named by either side's ticket id or
// by its link key.
func findLink(ctx context.Context, store FailureStore, c connection.Connection, ticket string) (relay.Link, error) {
	notFound := &Error{Status: http.StatusNotFound, Code: "ticket_not_found", Message: "no ticket of this connection has that id: give a ticket id of either side, or the sync log's ticket key"}
	if ticket == "" {
		return relay.Link{}, &Error{Status: http.StatusBadRequest, Code: "invalid_request", Message: "ticket is required"}
	}
	org, id := "", ticket
	if o, t, ok := strings.Cut(ticket, "#"); ok {
		org, id = o, t
	}
	for _, side := range []string{c.CreatorOrg, c.AcceptorOrg} {
		if org != "" && org != side {
			continue
		}
		l, err := store.LinkByTicket(ctx, c.ID, side, id)
		if errors.Is(err, relay.ErrNoLink) {
			continue
		}
		return l, err
	}
	return relay.Link{}, notFound
}

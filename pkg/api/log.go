package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/relay"
)

// Connections finds the connections whose logs a caller may read.
type Connections interface {
	Get(ctx context.Context, caller connection.Caller, id string) (connection.Connection, error)
	// AllFor lists every connection of the caller, ended ones included:
	// their log outlives them.
	AllFor(ctx context.Context, caller connection.Caller) ([]connection.Connection, error)
}

// CursorKeys gives the key that signs paging cursors, the same in every
// instance of a stage.
type CursorKeys interface {
	CursorKey(ctx context.Context) ([]byte, error)
}

// logEntry is a log entry as the caller sees it: which way it went from
// the caller's side.
type logEntry struct {
	relay.LogEntry
	Direction relay.Direction `json:"direction"`
}

// LogRoutes registers the sync log of one connection,
// GET /v1/connections/{id}/log, and of all the caller's connections,
// GET /v1/log. Both take ticket, outcome, direction (inbound: written to
// the caller's platform; outbound: to the partner's), from and to (RFC
// 3339, to exclusive), limit and cursor (the previous page's next).
func LogRoutes(rt *Router, conns Connections, log relay.LogReader, keys CursorKeys) {
	cursors := &cursorSigner{keys: keys}
	serve := func(ctx context.Context, r *Request, scope string, ids []string) (Result, error) {
		q, err := logQuery(r.Raw.QueryStringParameters, r.Caller.OrgID)
		if err != nil {
			return Result{}, err
		}
		params := r.Raw.QueryStringParameters
		bound := []string{r.Caller.OrgID, scope, params["ticket"], params["outcome"], params["direction"], params["from"], params["to"]}
		if c := params["cursor"]; c != "" {
			if q.Before, err = cursors.open(ctx, c, bound); err != nil {
				return Result{}, err
			}
		}
		page, err := relay.ReadLog(ctx, log, ids, q)
		if err != nil {
			return Result{}, err
		}
		entries := make([]logEntry, len(page.Entries))
		for i, e := range page.Entries {
			entries[i] = logEntry{LogEntry: e, Direction: relay.DirectionFor(e, r.Caller.OrgID)}
		}
		body := map[string]any{"entries": entries}
		if page.Next != "" {
			if body["next"], err = cursors.seal(ctx, page.Next, bound); err != nil {
				return Result{}, err
			}
		}
		return Result{Status: http.StatusOK, Body: body}, nil
	}
	rt.Handle(http.MethodGet, "/v1/connections/{id}/log", func(ctx context.Context, r *Request) (Result, error) {
		c, err := conns.Get(ctx, r.Caller, r.Params["id"])
		if err != nil {
			return Result{}, err
		}
		return serve(ctx, r, "connection:"+c.ID, []string{c.ID})
	})
	rt.Handle(http.MethodGet, "/v1/log", func(ctx context.Context, r *Request) (Result, error) {
		all, err := conns.AllFor(ctx, r.Caller)
		if err != nil {
			return Result{}, err
		}
		ids := make([]string, len(all))
		for i, c := range all {
			ids[i] = c.ID
		}
		return serve(ctx, r, "all", ids)
	})
}

func badQuery(code, msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: code, Message: msg}
}

// logQuery reads the filters of a log listing; viewer is the caller's
// organisation, which the direction is relative to.
func logQuery(params map[string]string, viewer string) (relay.LogQuery, error) {
	q := relay.LogQuery{Ticket: params["ticket"], Viewer: viewer, Limit: 100}
	if v := params["limit"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return q, badQuery("invalid_limit", "limit must be a number from 1 to 1000")
		}
		q.Limit = n
	}
	switch o := relay.Outcome(params["outcome"]); o {
	case "", relay.Applied, relay.Skipped, relay.Failed:
		q.Outcome = o
	default:
		return q, badQuery("invalid_filter", "outcome must be applied, skipped or failed")
	}
	switch d := relay.Direction(params["direction"]); d {
	case "", relay.Inbound, relay.Outbound:
		q.Direction = d
	default:
		return q, badQuery("invalid_filter", "direction must be inbound (written to your platform) or outbound (written to your partner's)")
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		if v := params[p.name]; v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return q, badQuery("invalid_filter", p.name+" must be an RFC 3339 time, such as 2026-11-25T09:00:00Z")
			}
			*p.dst = t
		}
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		return q, badQuery("invalid_filter", "from must be before to")
	}
	if len(q.Ticket) > 256 {
		return q, badQuery("invalid_filter", "ticket is longer than 256 characters")
	}
	return q, nil
}

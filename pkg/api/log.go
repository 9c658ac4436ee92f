package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/relay"
)

// SyncLog reads a connection's sync log.
type SyncLog interface {
	Log(ctx context.Context, connID, ticket string, limit int) ([]relay.LogEntry, error)
}

// LogRoutes registers GET /v1/connections/{id}/log[?ticket=…&limit=…].
func LogRoutes(rt *Router, conns *connection.Service, log SyncLog) {
	rt.Handle(http.MethodGet, "/v1/connections/{id}/log", func(ctx context.Context, r *Request) (Result, error) {
		c, err := conns.Get(ctx, r.Caller, r.Params["id"])
		if err != nil {
			return Result{}, err
		}
		q := r.Raw.QueryStringParameters
		limit := 100
		if v := q["limit"]; v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 1000 {
				return Result{}, &Error{Status: http.StatusBadRequest, Code: "invalid_limit", Message: "limit must be a number from 1 to 1000"}
			}
			limit = n
		}
		entries, err := log.Log(ctx, c.ID, q["ticket"], limit)
		if err != nil {
			return Result{}, err
		}
		if entries == nil {
			entries = []relay.LogEntry{}
		}
		return Result{Status: http.StatusOK, Body: map[string]any{"entries": entries}}, nil
	})
}

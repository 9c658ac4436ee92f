package api

import (
	"context"
	"net/http"

	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/preview"
)

// Previewer shows what a source ticket would become on the caller's side.
type Previewer interface {
	Preview(ctx context.Context, caller connection.Caller, connID, ticketID string) (preview.Result, error)
}

// PreviewRoutes registers POST /v1/connections/{id}/preview
// {"ticketId": "<source ticket id>"}: the ticket the caller's platform would
// be asked to create, built by the caller's configuration (its description
// parts, mappings and defaults). Nothing is written.
func PreviewRoutes(rt *Router, p Previewer) {
	rt.Handle(http.MethodPost, "/v1/connections/{id}/preview", func(ctx context.Context, r *Request) (Result, error) {
		var body struct {
			TicketID string `json:"ticketId"`
		}
		if err := r.Decode(&body); err != nil {
			return Result{}, err
		}
		res, err := p.Preview(ctx, r.Caller, r.Params["id"], body.TicketID)
		if err != nil {
			return Result{}, err
		}
		return Result{Status: http.StatusOK, Body: res}, nil
	})
}

package api

import (
	"context"
	"net/http"

	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/relay"
)

// AttentionStore reads a connection's attention list and clears items the
// configuration has since fixed.
type AttentionStore interface {
	Attention(ctx context.Context, connID string) ([]relay.Attention, error)
	ClearAttention(ctx context.Context, connID, id string) error
}

// attentionView is an item as the API shows it.
type attentionView struct {
	relay.Attention
	// Yours: the fix is in the caller's configuration or platform.
	Yours bool `json:"yours"`
}

// AttentionRoutes registers the attention list of a connection:
//
//	GET /v1/connections/{id}/attention
//
// Both organisations read the whole list. An unmapped value is checked
// against its side's current configuration on every read, and cleared when
// a mapping now covers it: saving the configuration needs no hook, and an
// item is never shown after its fix.
func AttentionRoutes(rt *Router, conns *connection.Service, store AttentionStore, configs relay.Configs) {
	rt.Handle(http.MethodGet, "/v1/connections/{id}/attention", func(ctx context.Context, r *Request) (Result, error) {
		c, err := conns.Get(ctx, r.Caller, r.Params["id"])
		if err != nil {
			return Result{}, err
		}
		items, err := store.Attention(ctx, c.ID)
		if err != nil {
			return Result{}, err
		}
		rules := map[string]*integration.Rules{}
		views := make([]attentionView, 0, len(items))
		for _, a := range items {
			if a.Kind == relay.AttentionUnmapped {
				if rules[a.Org] == nil {
					cfg, err := configs.GetConfig(ctx, c.ID, a.Org)
					if err != nil {
						return Result{}, err
					}
					rules[a.Org] = integration.Compile(cfg)
				}
				if !relay.Unmapped(a, rules[a.Org]) {
					if err := store.ClearAttention(ctx, c.ID, a.ID); err != nil {
						return Result{}, err
					}
					continue
				}
			}
			views = append(views, attentionView{Attention: a, Yours: a.Org == r.Caller.OrgID})
		}
		return Result{Status: http.StatusOK, Body: map[string]any{"attention": views}}, nil
	})
}

package api

import (
	"context"
	"net/http"

	"github.com/tandemsync/tandem/pkg/webhook"
)

// WebhookRoutes registers POST /v1/settings/platform/webhooks.
func WebhookRoutes(rt *Router, in *webhook.Installer) {
	rt.Handle(http.MethodPost, "/v1/settings/platform/webhooks", func(ctx context.Context, r *Request) (Result, error) {
		out, err := in.Install(ctx, r.Caller.OrgID)
		if err != nil {
			return Result{}, err
		}
		return Result{Status: http.StatusCreated, Body: out}, nil
	})
}

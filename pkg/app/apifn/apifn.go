// Package apifn is the wiring of the functions behind API Gateway: the
// HTTP API's settings, connections and config functions, and the webhook
// receiver. They serve every platform (allplatforms.Providers). The local
// runner serves all of it from one process (Router).
package apifn

import (
	"context"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tandemsync/tandem/pkg/api"
	"github.com/tandemsync/tandem/pkg/app"
	"github.com/tandemsync/tandem/pkg/app/allplatforms"
	"github.com/tandemsync/tandem/pkg/dynamostore"
)

// Deps are an API function's dependencies: the shared ones, every platform
// wired.
type Deps struct{ *app.Deps }

// Init builds an API function's dependencies from the environment, once,
// at cold start (app.Init).
func Init(function string) Deps { return Deps{allplatforms.Init(function)} }

func (d Deps) router() *api.Router {
	return api.NewRouter(api.Auth{DevBearer: d.DevBearer}, d.Log)
}

// Router returns a router with every API route; the Lambda functions serve
// their slice of it and the local runner serves all of it.
func (d Deps) Router() *api.Router {
	rt := d.router()
	d.settingsRoutes(rt)
	api.ConnectionRoutes(rt, d.Connections)
	api.ConfigRoutes(rt, d.NewConfiguration())
	api.PreviewRoutes(rt, d.NewPreview())
	api.LogRoutes(rt, d.Connections, d.Store, d.Store)
	api.FailureRoutes(rt, d.Connections, d.Store, d.Queue, d.Clock)
	api.AttentionRoutes(rt, d.Connections, d.Store, d.Store)
	api.InitialSyncRoutes(rt, d.Connections, d.Store, d.OrgPlatforms(), d.Queue, d.Clock)
	return rt
}

func (d Deps) settingsRoutes(rt *api.Router) {
	api.SettingsRoutes(rt, d.Settings)
	api.WebhookRoutes(rt, d.Installer())
	api.OAuthRoutes(rt, d.OAuthFlow())
	api.UsageRoutes(rt, usage{d.OrgPlatforms(), d.Store}, d.Clock)
}

// usage reads an organisation's platform and its hourly calls for the
// usage page.
type usage struct {
	*app.OrgPlatforms
	*dynamostore.Store
}

// SettingsHandler serves functions/settings.
func (d Deps) SettingsHandler() api.Handler {
	rt := d.router()
	d.settingsRoutes(rt)
	return d.Metered(rt.Handler())
}

// ConnectionsHandler serves functions/connections, sync log, failures,
// replays and the attention list included.
func (d Deps) ConnectionsHandler() api.Handler {
	rt := d.router()
	api.ConnectionRoutes(rt, d.Connections)
	api.LogRoutes(rt, d.Connections, d.Store, d.Store)
	api.FailureRoutes(rt, d.Connections, d.Store, d.Queue, d.Clock)
	api.AttentionRoutes(rt, d.Connections, d.Store, d.Store)
	api.InitialSyncRoutes(rt, d.Connections, d.Store, d.OrgPlatforms(), d.Queue, d.Clock)
	return d.Metered(rt.Handler())
}

// WebhookHandler serves functions/webhook: POST /webhooks/{platform}/{endpointId}.
func (d Deps) WebhookHandler() api.Handler { return api.WebhookHandler(d.Receiver()) }

// Metered writes the platform calls h's requests made to the shared
// counter (budget.Meter.FlushDue) before the function is frozen.
func (d Deps) Metered(h api.Handler) api.Handler {
	return func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		resp, err := h(ctx, req)
		d.FlushCalls(ctx)
		return resp, err
	}
}

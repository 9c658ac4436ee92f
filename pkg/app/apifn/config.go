package apifn

import (
	"context"

	"github.com/tandemsync/tandem/pkg/api"
	"github.com/tandemsync/tandem/pkg/configuration"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/preview"
)

// ConfigHandler serves functions/config. Its service, and so its picklist
// cache, lives as long as the warm Lambda instance.
func (d Deps) ConfigHandler() api.Handler {
	rt := d.router()
	api.ConfigRoutes(rt, d.NewConfiguration())
	api.PreviewRoutes(rt, d.NewPreview())
	return d.Metered(rt.Handler())
}

// NewPreview builds the preview service: reads of the source's platform and
// the stored configurations, no writes.
func (d Deps) NewPreview() *preview.Service {
	return &preview.Service{
		Conns: d.Connections, Configs: d.Store, Accounts: d.Settings, Links: d.Store, Log: d.Log,
		Readers: func(ctx context.Context, kind platform.Kind, creds platform.Credentials) (preview.Reader, error) {
			return d.Providers().ClientFor(ctx, kind, creds)
		},
	}
}

// NewConfiguration builds a configuration service, with its own picklist
// cache; call it once per handler or router.
func (d Deps) NewConfiguration() *configuration.Service {
	svc := configuration.NewService(d.Store, d.Connections, d.Settings, configuration.ClientsFrom(d.Providers()), d.Clock, d.Log)
	svc.Picklists = d.Providers().Picklists
	return svc
}

package app

import (
	"github.com/tandemsync/tandem/pkg/api"
	"github.com/tandemsync/tandem/pkg/configuration"
)

// ConfigHandler serves functions/config. Its service, and so its picklist
// cache, lives as long as the warm Lambda instance.
func (d *Deps) ConfigHandler() api.Handler {
	rt := api.NewRouter(d.Auth, d.Log)
	api.ConfigRoutes(rt, d.NewConfiguration())
	return rt.Handler()
}

// NewConfiguration builds a configuration service, with its own picklist
// cache; call it once per handler or router.
func (d *Deps) NewConfiguration() *configuration.Service {
	svc := configuration.NewService(d.Store, d.Connections, d.Settings, configuration.ClientsFrom(d.providers), d.Clock, d.Log)
	svc.Picklists = d.providers.Picklists
	return svc
}

package app

import (
	"github.com/tandemsync/tandem/pkg/api"
	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/configuration"
	"github.com/tandemsync/tandem/pkg/platforms"
)

// ConfigHandler serves functions/config. Its service, and so its picklist
// cache, lives as long as the warm Lambda instance.
func (d *Deps) ConfigHandler() api.Handler {
	rt := api.NewRouter(d.Auth, d.Log)
	api.ConfigRoutes(rt, d.NewConfiguration())
	return rt.Handler()
}

// NewConfiguration builds the configuration service from Deps. Deps keeps
// neither the platform registry nor the clock, so it makes its own: the
// registry is stateless, and private platform URLs are allowed exactly where
// the dev bearer is, in the local runner.
func (d *Deps) NewConfiguration() *configuration.Service {
	reg := platforms.New(platforms.Options{AllowPrivate: d.Auth.DevBearer})
	return configuration.NewService(d.Store, d.Connections, d.Settings, configuration.ClientsFrom(reg), clock.System{}, d.Log)
}

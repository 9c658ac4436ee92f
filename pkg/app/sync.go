package app

import (
	"github.com/tandemsync/tandem/pkg/relay"
	"github.com/tandemsync/tandem/pkg/webhook"
)

// Engine builds the sync engine.
func (d *Deps) Engine() *relay.Engine {
	return relay.NewEngine(relay.Engine{
		Store:     d.Store,
		Conns:     d.syncCache,
		Configs:   d.syncCache,
		Platforms: d.platforms,
		Out:       d.Queue,
		Files:     d.Files,
		Clock:     d.Clock,
		Log:       d.Log,
		// Graph's lifecycle notifications reach the sync function: it
		// renews, recreates and catches up through the installer.
		Subscriptions: d.Installer(),
		Failures:      d.Store,
		Progress:      d.Store,
		Attention:     d.Store,
		// Watches mark the webhook endpoints, so the webhook function
		// queues echoes while a stopped-webhook report waits for them.
		Watches: webhook.EchoWatches{Watches: d.Store, Endpoints: d.Store, Log: d.Log},
		// The queues' redrive count (infra: maxReceiveCount 5): the fifth
		// failed try becomes a failure record instead of a dead letter.
		MaxReceives: 5,
	})
}

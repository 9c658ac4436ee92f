// Command sync-halo is the Lambda function that owns every call to halo: it consumes the halo-events and halo-commands FIFO queues.
package main

import (
	"github.com/tandemsync/tandem/pkg/app"
	"github.com/tandemsync/tandem/pkg/platform"
)

func main() { app.Main("sync-halo", func(d *app.Deps) any { return d.SyncHandler(platform.Halo) }) }

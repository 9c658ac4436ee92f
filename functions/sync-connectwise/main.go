// Command sync-connectwise is the Lambda function that owns every call to connectwise: it consumes the connectwise-events and connectwise-commands FIFO queues.
package main

import (
	"github.com/tandemsync/tandem/pkg/app"
	"github.com/tandemsync/tandem/pkg/platform"
)

func main() {
	app.Main("sync-connectwise", func(d *app.Deps) any { return d.SyncHandler(platform.ConnectWise) })
}

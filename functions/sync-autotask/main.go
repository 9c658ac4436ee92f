// Command sync-autotask is the Lambda function that owns every call to autotask: it consumes the autotask-events and autotask-commands FIFO queues.
package main

import (
	"github.com/tandemsync/tandem/pkg/app"
	"github.com/tandemsync/tandem/pkg/platform"
)

func main() {
	app.Main("sync-autotask", func(d *app.Deps) any { return d.SyncHandler(platform.Autotask) })
}

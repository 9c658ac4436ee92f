// Command sync-graph is the Lambda function that owns every call to graph: it consumes the graph-events and graph-commands FIFO queues.
package main

import (
	"github.com/tandemsync/tandem/pkg/app"
	"github.com/tandemsync/tandem/pkg/platform"
)

func main() { app.Main("sync-graph", func(d *app.Deps) any { return d.SyncHandler(platform.Graph) }) }

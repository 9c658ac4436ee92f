// Command sync-graph is the Lambda function that owns every call to graph:
// it consumes the graph-events and graph-commands FIFO queues.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tandemsync/tandem/pkg/app"
	"github.com/tandemsync/tandem/pkg/platform"
)

func main() {
	deps, err := app.FromEnv(context.Background())
	if err != nil {
		slog.Error("sync-graph: cannot start", "error", err)
		os.Exit(1)
	}
	lambda.Start(deps.SyncHandler(platform.Graph))
}

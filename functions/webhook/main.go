// Command webhook is the Lambda function behind POST /webhooks/{platform}/{endpointId}:
// it verifies a partner platform's delivery and queues its events.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tandemsync/tandem/pkg/app"
)

func main() {
	deps, err := app.FromEnv(context.Background())
	if err != nil {
		slog.Error("webhook: cannot start", "error", err)
		os.Exit(1)
	}
	lambda.Start(deps.WebhookHandler())
}

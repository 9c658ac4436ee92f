// Command config is the Lambda function behind /v1/connections/{id}/config
// and /v1/connections/{id}/options/{kind}.
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
		slog.Error("config: cannot start", "error", err)
		os.Exit(1)
	}
	lambda.Start(deps.ConfigHandler())
}

// Command sweep is the scheduled Lambda function of the reconciliation sweep: every few minutes it queues a sweep for each connection side that is due, which that side's sync function runs.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tandemsync/tandem/pkg/app"
)

func main() { lambda.StartHandlerFunc(app.Init("sweep").SweepHandler()) }

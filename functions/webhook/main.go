// Command webhook is the Lambda function behind POST /webhooks/{platform}/{endpointId}: it verifies a partner platform's delivery and queues its events.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tandemsync/tandem/pkg/app/apifn"
)

func main() { lambda.StartHandlerFunc(apifn.Init("webhook").WebhookHandler()) }

// Command renew-subscriptions is the Lambda function an EventBridge schedule runs every 6 hours: it renews the platforms' expiring webhook subscriptions (Microsoft Graph) well before they lapse.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tandemsync/tandem/pkg/app/allplatforms"
)

func main() { lambda.StartHandlerFunc(allplatforms.Init("renew-subscriptions").RenewHandler()) }

// Command webhook is the Lambda function behind POST /webhooks/{platform}/{endpointId}: it verifies a partner platform's delivery and queues its events.
package main

import (
	"github.com/tandemsync/tandem/pkg/app"
)

func main() { app.Main("webhook", func(d *app.Deps) any { return d.WebhookHandler() }) }

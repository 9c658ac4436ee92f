// Command sync-zendesk is the Lambda function that owns every call to zendesk: it consumes the zendesk-events and zendesk-commands FIFO queues.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tandemsync/tandem/pkg/app/syncfn"
	"github.com/tandemsync/tandem/pkg/zendesk"
)

func main() { lambda.StartHandlerFunc(syncfn.Init("sync-zendesk", zendesk.Provider).Handler()) }

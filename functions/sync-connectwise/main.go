// Command sync-connectwise is the Lambda function that owns every call to connectwise: it consumes the connectwise-events and connectwise-commands FIFO queues.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tandemsync/tandem/pkg/app/syncfn"
	"github.com/tandemsync/tandem/pkg/connectwise"
)

func main() { lambda.StartHandlerFunc(syncfn.Init("sync-connectwise", connectwise.Provider).Handler()) }

// Command sync-autotask is the Lambda function that owns every call to autotask: it consumes the autotask-events and autotask-commands FIFO queues.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tandemsync/tandem/pkg/app/syncfn"
	"github.com/tandemsync/tandem/pkg/autotask"
)

func main() { lambda.StartHandlerFunc(syncfn.Init("sync-autotask", autotask.Provider).Handler()) }

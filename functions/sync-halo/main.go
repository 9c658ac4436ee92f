// Command sync-halo is the Lambda function that owns every call to halo: it consumes the halo-events and halo-commands FIFO queues.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tandemsync/tandem/pkg/app/syncfn"
	"github.com/tandemsync/tandem/pkg/halo"
)

func main() { lambda.StartHandlerFunc(syncfn.Init("sync-halo", halo.Provider).Handler()) }

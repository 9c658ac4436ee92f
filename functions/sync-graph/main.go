// Command sync-graph is the Lambda function that owns every call to graph: it consumes the graph-events and graph-commands FIFO queues.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tandemsync/tandem/pkg/app/syncfn"
	"github.com/tandemsync/tandem/pkg/graph"
)

func main() { lambda.StartHandlerFunc(syncfn.Init("sync-graph", graph.Provider).Handler()) }

// Command connections is the Lambda function behind /v1/connections*: the connection life cycle and the sync log.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tandemsync/tandem/pkg/app/apifn"
)

func main() { lambda.StartHandlerFunc(apifn.Init("connections").ConnectionsHandler()) }

// Command config is the Lambda function behind /v1/connections/{id}/config and /v1/connections/{id}/options/{kind}.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tandemsync/tandem/pkg/app/apifn"
)

func main() { lambda.StartHandlerFunc(apifn.Init("config").ConfigHandler()) }

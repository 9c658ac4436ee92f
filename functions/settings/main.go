// Command settings is the Lambda function behind /v1/settings/*: platform credentials, connection tests and webhook installation.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tandemsync/tandem/pkg/app/apifn"
)

func main() { lambda.StartHandlerFunc(apifn.Init("settings").SettingsHandler()) }

// Command sdkfloor is the hello-world function with the AWS clients every
// Tandem function builds at start-up (DynamoDB, SQS and Secrets Manager,
// configured from the environment by pkg/awsenv) and nothing else: the
// start-up no wiring of Tandem's can go below with aws-sdk-go-v2, which
// tandem-bench times beside the functions.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/tandemsync/tandem/pkg/awsenv"
)

func main() {
	cfg, err := awsenv.Config(os.Getenv)
	if err != nil {
		panic(err)
	}
	clients := []any{dynamodb.NewFromConfig(cfg), sqs.NewFromConfig(cfg), secretsmanager.NewFromConfig(cfg)}
	lambda.Start(func() (int, error) { return len(clients), nil })
}

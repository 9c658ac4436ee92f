package dynamostore

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Retries gives a DynamoDB client the retry policy aws-sdk-go-v2 made
// DynamoDB's default in service/dynamodb v1.74.0: 4 attempts and a 25 ms
// base backoff (1 s for throttling), on the core module's Retry Behavior
// 2.1. go.mod pins service/dynamodb v1.68.0, the last release before
// schema-based serialisation (whose generated schemas cost every function
// 3-7 ms of start-up, BENCHMARKS.md "Init and binary size, third pass"),
// and v1.68.0 applies that policy only under AWS_NEW_RETRIES_2026=true.
// Pass it to dynamodb.NewFromConfig.
func Retries(o *dynamodb.Options) {
	o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
		so.MaxAttempts = retryAttempts
		so.BaseDelay = retryBaseDelay
	})
}

const (
	retryAttempts  = 4
	retryBaseDelay = 25 * time.Millisecond
)

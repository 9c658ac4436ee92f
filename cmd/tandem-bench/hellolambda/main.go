// Command hellolambda is the smallest aws-lambda-go function: the baseline
// tandem-bench times every function's start-up against.
package main

import "github.com/aws/aws-lambda-go/lambda"

func main() { lambda.Start(func() (string, error) { return "hello", nil }) }

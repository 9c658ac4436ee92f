package localrun

import (
	"net/http/httptest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	minidyn "github.com/truora/minidyn/server"
)

// EmbeddedDynamoDB starts the in-process DynamoDB-compatible endpoint
// (minidyn) and returns an SDK client for it — the same adapter code path as
// against DynamoDB, over HTTP — and the function that stops it. opts apply
// after the embedded store's own settings.
func EmbeddedDynamoDB(opts ...func(*dynamodb.Options)) (*dynamodb.Client, func()) {
	srv := httptest.NewServer(minidyn.NewServer())
	cfg := aws.Config{
		Region:       "local",
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(srv.URL),
	}
	// minidyn sends no CRC32 header; real DynamoDB does.
	opts = append([]func(*dynamodb.Options){func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true }}, opts...)
	return dynamodb.NewFromConfig(cfg, opts...), srv.Close
}

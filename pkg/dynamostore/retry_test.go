package dynamostore_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tandemsync/tandem/pkg/dynamostore"
)

// Retries restores what the SDK's newer DynamoDB client does by default (4
// attempts, 25 ms base): the pinned release does it only when
// AWS_NEW_RETRIES_2026 is set, and does 3 attempts otherwise.
func TestRetriesMatchTheSDKsDynamoDBPolicy(t *testing.T) {
	cases := []struct {
		name     string
		env      string
		opts     []func(*dynamodb.Options)
		attempts int64
	}{
		{"with Retries", "", []func(*dynamodb.Options){dynamostore.Retries}, 4},
		{"the SDK's own, behind its flag", "true", nil, 4},
		// Fails once go.mod no longer pins a release before v1.74.0: then
		// Retries and this test go (see go.mod).
		{"the pinned release's default", "", nil, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("AWS_NEW_RETRIES_2026", c.env)
			var requests atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				w.Header().Set("Content-Type", "application/x-amz-json-1.0")
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"try again"}`))
			}))
			defer srv.Close()
			cfg := aws.Config{
				Region:       "us-east-1",
				Credentials:  credentials.NewStaticCredentialsProvider("k", "s", ""),
				BaseEndpoint: aws.String(srv.URL),
			}
			db := dynamodb.NewFromConfig(cfg, c.opts...)
			_, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{
				TableName: aws.String("t"),
				Key:       map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "a"}},
			})
			var ise *types.InternalServerError
			if !errors.As(err, &ise) {
				t.Fatalf("err = %v, want the InternalServerError after the last attempt", err)
			}
			if got := requests.Load(); got != c.attempts {
				t.Errorf("%d attempts, want %d", got, c.attempts)
			}
		})
	}
}

// The first retry waits at most the 25 ms base (the SDK's general default
// is 50 ms), the third at most 100 ms.
func TestRetriesBackOffFromTwentyFiveMilliseconds(t *testing.T) {
	var o dynamodb.Options
	dynamostore.Retries(&o)
	err := &types.InternalServerError{Message: aws.String("try again")}
	for range 64 {
		for attempt, limit := range map[int]time.Duration{1: 25 * time.Millisecond, 3: 100 * time.Millisecond} {
			d, derr := o.Retryer.RetryDelay(attempt, err)
			if derr != nil {
				t.Fatal(derr)
			}
			if d > limit {
				t.Fatalf("attempt %d waits %v, over %v", attempt, d, limit)
			}
		}
	}
}

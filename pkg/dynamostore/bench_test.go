package dynamostore_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	minidyn "github.com/truora/minidyn/server"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/dynamostore"
)

// embeddedService is the connection service on the local runner's embedded
// store, over HTTP through the real SDK adapter.
func embeddedService(b *testing.B) *connection.Service {
	srv := httptest.NewServer(minidyn.NewServer())
	b.Cleanup(srv.Close)
	db := dynamodb.NewFromConfig(aws.Config{
		Region: "local", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	}, func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true })
	s := dynamostore.New(db, "bench")
	if err := s.CreateTable(context.Background()); err != nil {
		b.Fatal(err)
	}
	return connection.NewService(s, clock.System{}, nil)
}

func BenchmarkCreateConnection(b *testing.B) {
	svc := embeddedService(b)
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := svc.Create(ctx, connection.Caller{OrgID: fmt.Sprintf("org-%d", i%100)}, connection.Source, "Bench"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAcceptConnection(b *testing.B) {
	svc := embeddedService(b)
	ctx := context.Background()
	codes := make([]string, 0, 4096)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if len(codes) == 0 {
			b.StopTimer()
			for j := 0; j < cap(codes); j++ {
				c, err := svc.Create(ctx, connection.Caller{OrgID: "acme"}, connection.Source, "Bench")
				if err != nil {
					b.Fatal(err)
				}
				codes = append(codes, c.VerificationCode)
			}
			b.StartTimer()
		}
		code := codes[len(codes)-1]
		codes = codes[:len(codes)-1]
		if _, err := svc.Accept(ctx, connection.Caller{OrgID: fmt.Sprintf("msp-%d", i)}, code); err != nil {
			b.Fatal(err)
		}
	}
}

package dynamostore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/connection"
)

// embeddedService is the connection service on the local runner's embedded
// store, over HTTP through the real SDK adapter.
func embeddedService(b *testing.B) *connection.Service {
	return connection.NewService(newMinidynStore(b), clock.System{}, nil)
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
	codes := make([]string, 0, 16) // refilled, outside the timer, 16 at a time
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

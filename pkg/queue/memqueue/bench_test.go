package memqueue_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/queue"
	"github.com/tandemsync/tandem/pkg/queue/memqueue"
)

// BenchmarkMemqueueThroughput sends b.N messages over 100 groups and has
// them delivered in batches of 10 and acknowledged, draining after every
// 1000 so the queue stays at a realistic depth.
func BenchmarkMemqueueThroughput(b *testing.B) {
	const groups, chunk = 100, 1000
	br := newBroker(clock.System{})
	ack := func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
		return events.SQSEventResponse{}, nil
	}
	if err := br.Subscribe("bench-events", ack, memqueue.QueueConfig{}); err != nil {
		b.Fatal(err)
	}
	msgs := make([]queue.Message, 0, chunk)
	ctx := context.Background()
	b.ReportAllocs()
	start := time.Now()
	for sent := 0; sent < b.N; {
		msgs = msgs[:0]
		for ; len(msgs) < chunk && sent < b.N; sent++ {
			msgs = append(msgs, queue.Message{Group: fmt.Sprintf("org-1:t%d", sent%groups), DedupID: fmt.Sprint(sent), Body: []byte(`{"ticket":1}`)})
		}
		if err := br.Send(ctx, "bench-events", msgs...); err != nil {
			b.Fatal(err)
		}
		if err := br.Drain(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
	if m := br.Metrics("bench-events"); m.Deleted != b.N {
		b.Fatalf("deleted %d of %d", m.Deleted, b.N)
	}
}

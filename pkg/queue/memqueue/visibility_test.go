package memqueue_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/queue/memqueue"
)

// A consumer that extends a message's visibility before failing it sees
// the message again only once that time has passed, and its group, later
// messages included, waits as long; the receive counts once.
func TestChangeVisibilityHoldsTheGroupForThatLong(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewManual(t0)
	b := newBroker(clk)
	var changeErr error
	r := &recorder{answer: func(call int, ev events.SQSEvent) (events.SQSEventResponse, error) {
		if call > 0 {
			return events.SQSEventResponse{}, nil
		}
		rec := ev.Records[0]
		changeErr = b.ChangeVisibility(ctx, rec.EventSourceARN, rec.ReceiptHandle, time.Hour)
		return events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{{ItemIdentifier: rec.MessageId}}}, nil
	}}
	if err := b.Subscribe("halo-commands", r.handle, memqueue.QueueConfig{VisibilityTimeout: time.Minute, BatchSize: 1}); err != nil {
		t.Fatal(err)
	}
	if err := b.Send(ctx, "halo-commands", msg("g", "first"), msg("g", "second")); err != nil {
		t.Fatal(err)
	}
	tick := func() int {
		n, err := b.Tick(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	tick()
	if changeErr != nil {
		t.Fatalf("change visibility: %v", changeErr)
	}
	clk.Advance(59 * time.Minute) // far past the queue's one-minute timeout
	if n := tick(); n != 0 {
		t.Fatalf("%d batches delivered before the hour passed", n)
	}
	clk.Advance(time.Minute)
	tick()
	tick()
	if got := []string{r.bodies(1)[0], r.bodies(2)[0]}; !strings.HasPrefix(got[0], "first") || !strings.HasPrefix(got[1], "second") {
		t.Fatalf("after the hour: %v, want first then second", got)
	}
	if err := b.ChangeVisibility(ctx, "arn:aws:sqs:local:000000000000:halo-commands", "no-such-receipt", time.Hour); err == nil {
		t.Fatal("a receipt handle not in flight was accepted")
	}
}

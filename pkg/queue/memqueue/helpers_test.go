package memqueue_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/queue"
	"github.com/tandemsync/tandem/pkg/queue/memqueue"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newBroker(clk clock.Clock) *memqueue.Broker {
	return memqueue.New(memqueue.Options{Clock: clk, Log: quiet()})
}

func msg(group, body string) queue.Message {
	return queue.Message{Group: group, DedupID: queue.DedupID(group, body), Body: []byte(body)}
}

// recorder is a consumer that remembers every batch it saw and answers
// through a per-call function.
type recorder struct {
	mu      sync.Mutex
	batches [][]events.SQSMessage
	answer  func(call int, ev events.SQSEvent) (events.SQSEventResponse, error)
}

func (r *recorder) handle(_ context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	r.mu.Lock()
	call := len(r.batches)
	r.batches = append(r.batches, ev.Records)
	r.mu.Unlock()
	if r.answer == nil {
		return events.SQSEventResponse{}, nil
	}
	return r.answer(call, ev)
}

// bodies lists the bodies of batch i, with their receive counts.
func (r *recorder) bodies(i int) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, m := range r.batches[i] {
		out = append(out, m.Body+"#"+m.Attributes["ApproximateReceiveCount"])
	}
	return out
}

func (r *recorder) calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.batches)
}

func send(t *testing.T, b *memqueue.Broker, name string, msgs ...queue.Message) {
	t.Helper()
	if err := b.Send(context.Background(), name, msgs...); err != nil {
		t.Fatalf("send: %v", err)
	}
}

func tick(t *testing.T, b *memqueue.Broker, want int) {
	t.Helper()
	n, err := b.Tick(context.Background())
	if err != nil || n != want {
		t.Fatalf("Tick = %d, %v; want %d batches", n, err, want)
	}
}

func failIDs(ev events.SQSEvent, bodies ...string) events.SQSEventResponse {
	var resp events.SQSEventResponse
	for _, r := range ev.Records {
		for _, b := range bodies {
			if r.Body == b {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
			}
		}
	}
	return resp
}

// Package memqueue is the in-process FIFO queue of the local runner and of
// end-to-end tests. It behaves like SQS FIFO behind a Lambda event source
// mapping with ReportBatchItemFailures, so handlers see the same batches and
// retries locally as on AWS:
//
//   - Messages of one group are delivered in send order, and a group is
//     blocked while any of its messages is in flight or waiting out its
//     visibility timeout after a failure. Different groups run in parallel.
//   - A DedupID seen on the same queue within the deduplication window
//     (5 minutes) is accepted and dropped, as SQS does.
//   - A consumer gets events.SQSEvent batches of up to BatchSize records and
//     answers with events.SQSEventResponse. Listed records return to the
//     queue after VisibilityTimeout; an error, a panic or a response naming
//     an unknown or empty item id fails the whole batch, as in Lambda.
//   - After MaxReceiveCount receives a failing message moves to the queue's
//     dead-letter queue (DLQ).
//
// FIFO partial failures: Lambda deletes every record the response does not
// list, so a handler that fails message 1 of a group but not message 2 makes
// Lambda drop the group's order. memqueue instead returns the failed message
// and every later message of its group in that batch, so the local run never
// reorders, and counts the messages it had to add in Metrics.Unreported and
// logs a warning, so the handler bug is visible before it reaches AWS.
// Handlers should use sqsbatch.Process, which reports them itself.
//
// Two ways to run: Run starts consumer goroutines (Concurrency per queue,
// like the mapping's maximum concurrency) for the local runner; Tick and
// Drain deliver synchronously for deterministic tests.
package memqueue

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/queue"
)

// Handler consumes a batch; it has the signature of a Lambda SQS handler so
// the sync functions plug in unchanged.
type Handler func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error)

// Options configure a Broker. Zero values take the defaults.
type Options struct {
	Clock       clock.Clock   // default clock.System
	DedupWindow time.Duration // default 5 minutes, SQS's fixed window
	// DrainLimit bounds the batches one Drain delivers, so handlers that
	// keep feeding each other (an echo loop) fail the test instead of
	// hanging it. Default 10000.
	DrainLimit int
	Log        *slog.Logger // handler failures; default slog.Default()
}

// QueueConfig mirrors the queue and event source mapping settings that shape
// delivery. Zero values take the defaults.
type QueueConfig struct {
	BatchSize         int           // default 10, the FIFO maximum
	Concurrency       int           // consumers in Run; default 2
	MaxReceiveCount   int           // redrive policy; default 5
	VisibilityTimeout time.Duration // default 30s
}

func (c QueueConfig) withDefaults() QueueConfig {
	if c.BatchSize <= 0 {
		c.BatchSize = 10
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 2
	}
	if c.MaxReceiveCount <= 0 {
		c.MaxReceiveCount = 5
	}
	if c.VisibilityTimeout <= 0 {
		c.VisibilityTimeout = 30 * time.Second
	}
	return c
}

// Broker holds the queues. Safe for concurrent use.
type Broker struct {
	opts Options

	mu      sync.Mutex
	queues  map[string]*fifo
	changed chan struct{} // closed and replaced whenever a queue may have become deliverable
	running bool
	seq     uint64 // message ids
}

var _ queue.Sender = (*Broker)(nil)

// New returns an empty Broker.
func New(o Options) *Broker {
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.DedupWindow <= 0 {
		o.DedupWindow = 5 * time.Minute
	}
	if o.DrainLimit <= 0 {
		o.DrainLimit = 10000
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Broker{opts: o, queues: map[string]*fifo{}, changed: make(chan struct{})}
}

// Subscribe declares the queue name with its one consumer, as an event
// source mapping does. Sending to an undeclared queue is an error, which
// catches a misspelt queue name.
func (b *Broker) Subscribe(name string, h Handler, c QueueConfig) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.running {
		return fmt.Errorf("subscribe %s: broker is running", name)
	}
	if _, ok := b.queues[name]; ok {
		return fmt.Errorf("subscribe %s: queue already has a consumer", name)
	}
	b.queues[name] = newFIFO(name, h, c.withDefaults())
	return nil
}

// Send enqueues msgs in order, dropping any whose DedupID the queue saw
// within the window. An invalid message fails the call before any is queued.
func (b *Broker) Send(ctx context.Context, name string, msgs ...queue.Message) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("send to queue %s: %w", name, err)
	}
	for i, m := range msgs {
		if err := m.Validate(); err != nil {
			return fmt.Errorf("send to queue %s: message %d: %w", name, i, err)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	q, ok := b.queues[name]
	if !ok {
		return fmt.Errorf("send to queue %s: no such queue (Subscribe declares it)", name)
	}
	now := b.opts.Clock.Now()
	for _, m := range msgs {
		if q.isDuplicate(m.DedupID, now, b.opts.DedupWindow) {
			continue
		}
		b.seq++
		q.push(&entry{msg: m, id: fmt.Sprintf("00000000-0000-4000-8000-%012x", b.seq), seq: b.seq, sentAt: now})
	}
	b.notify()
	return nil
}

// ChangeVisibility sets how long the message received with receiptHandle
// from the queue of sourceARN stays invisible if the consumer fails it,
// as SQS ChangeMessageVisibility does for a message in flight: its group
// waits that long instead of the visibility timeout.
func (b *Broker) ChangeVisibility(_ context.Context, sourceARN, receiptHandle string, d time.Duration) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	q, ok := b.queues[sourceARN[strings.LastIndexByte(sourceARN, ':')+1:]]
	if !ok {
		return fmt.Errorf("change visibility: no queue %s", sourceARN)
	}
	e, ok := q.inflight[receiptHandle]
	if !ok {
		return fmt.Errorf("change visibility on %s: receipt handle %q is not in flight", q.name, receiptHandle)
	}
	e.visibility = d
	return nil
}

// DLQ returns the messages dead-lettered from queue name, oldest first.
func (b *Broker) DLQ(name string) []queue.Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	if q, ok := b.queues[name]; ok {
		return append([]queue.Message(nil), q.dlq...)
	}
	return nil
}

// Metrics returns the counters of queue name.
func (b *Broker) Metrics(name string) Metrics {
	b.mu.Lock()
	defer b.mu.Unlock()
	if q, ok := b.queues[name]; ok {
		return q.metrics
	}
	return Metrics{}
}

// Metrics count messages of one queue.
type Metrics struct {
	Sent         int // accepted, not deduplicated
	Deduplicated int // dropped as duplicates
	Delivered    int // handed to the consumer, redeliveries included
	Redelivered  int // deliveries after the first
	Deleted      int // processed successfully
	DeadLettered int // moved to the DLQ
	// Unreported messages were left out of a response although an earlier
	// message of their group in the batch failed. memqueue retried them to
	// keep the group in order; Lambda would have deleted them.
	Unreported int
}

// notify wakes Run's idle consumers. Callers hold b.mu.
func (b *Broker) notify() {
	close(b.changed)
	b.changed = make(chan struct{})
}

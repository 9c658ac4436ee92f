// Package queue is the seam between Tandem's functions and its FIFO queues
// (`<platform>-events`, `<platform>-commands`): a producer-side interface and
// the SQS FIFO rules every adapter shares. It imports no AWS package so that
// domain code can depend on it without the SDK.
//
// Adapters: sqsqueue (production, SQS over the SDK) and memqueue (the local
// runner's in-process queue, which delivers Lambda-shaped batches).
package queue

import "context"

// Message is one FIFO message. Group orders it (one ticket's changes share a
// group, see GroupID); DedupID makes a resend within five minutes a no-op
// (see DedupID), so a producer can retry a whole Send without duplicates.
type Message struct {
	Group, DedupID string
	Body           []byte
}

// Sender puts messages on a queue named by its logical name, e.g.
// "halo-events"; the adapter maps that to a real queue.
//
// Messages of one group are enqueued in argument order. A failed Send may
// have enqueued some of the messages: retry the whole call, deduplication
// drops the ones that already got through.
type Sender interface {
	Send(ctx context.Context, queue string, msgs ...Message) error
}

package memqueue

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/aws/aws-lambda-go/events"
)

// arn is the EventSourceARN of queue name; the account and region are
// placeholders, the name is what a handler may look at.
func arn(name string) string { return "arn:aws:sqs:local:000000000000:" + name }

// receipt is the handle of e's current receive.
func receipt(e *entry) string { return e.id + "#" + strconv.Itoa(e.receives) }

func event(name string, batch []*entry) events.SQSEvent {
	ev := events.SQSEvent{Records: make([]events.SQSMessage, len(batch))}
	for i, e := range batch {
		sum := md5.Sum(e.msg.Body)
		ev.Records[i] = events.SQSMessage{
			MessageId:     e.id,
			ReceiptHandle: receipt(e),
			Body:          string(e.msg.Body),
			Md5OfBody:     hex.EncodeToString(sum[:]),
			Attributes: map[string]string{
				"ApproximateReceiveCount": strconv.Itoa(e.receives),
				"MessageGroupId":          e.msg.Group,
				"MessageDeduplicationId":  e.msg.DedupID,
				"SequenceNumber":          strconv.FormatUint(e.seq, 10),
				"SentTimestamp":           strconv.FormatInt(e.sentAt.UnixMilli(), 10),
			},
			EventSource:    "aws:sqs",
			EventSourceARN: arn(name),
			AWSRegion:      "local",
		}
	}
	return ev
}

// invoke runs the consumer on a batch and returns the failed message ids,
// or nil (with the reason) when Lambda would treat the whole batch as failed.
func invoke(ctx context.Context, q *fifo, batch []*entry) (failed map[string]bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			failed, err = nil, fmt.Errorf("handler panicked: %v", p)
		}
	}()
	resp, herr := q.handler(ctx, event(q.name, batch))
	if herr != nil {
		return nil, fmt.Errorf("handler returned an error: %w", herr)
	}
	inBatch := make(map[string]bool, len(batch))
	for _, e := range batch {
		inBatch[e.id] = true
	}
	failed = map[string]bool{}
	for _, f := range resp.BatchItemFailures {
		if !inBatch[f.ItemIdentifier] {
			return nil, fmt.Errorf("response names item %q, which is not in the batch", f.ItemIdentifier)
		}
		failed[f.ItemIdentifier] = true
	}
	return failed, nil
}

// process delivers one received batch and settles it.
func (b *Broker) process(ctx context.Context, q *fifo, batch []*entry) {
	failed, err := invoke(ctx, q, batch)
	if err != nil {
		b.opts.Log.Warn("memqueue: whole batch returns to the queue", "queue", q.name, "messages", len(batch), "err", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if n := q.complete(batch, failed, b.opts.Clock.Now()); n > 0 {
		b.opts.Log.Warn("memqueue: handler acknowledged messages after a failed one of the same group; Lambda would delete them and break the group's order (use sqsbatch.Process)",
			"queue", q.name, "messages", n)
	}
	b.notify()
}

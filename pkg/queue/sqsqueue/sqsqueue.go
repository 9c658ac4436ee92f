// Package sqsqueue is the production queue.Sender: SQS FIFO queues through
// aws-sdk-go-v2, one SendMessageBatch per chunk of messages.
package sqsqueue

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/tandemsync/tandem/pkg/queue"
)

// SQS's SendMessageBatch limits.
const (
	maxBatchEntries = 10
	maxBatchBytes   = queue.MaxBodyBytes
)

// batchAPI is the one SDK call Sender makes; tests substitute it to produce
// the partial failures moto cannot be made to return.
type batchAPI interface {
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

// visibilityAPI is the SDK call ChangeVisibility makes.
type visibilityAPI interface {
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
}

// Sender sends to SQS FIFO queues. Safe for concurrent use.
type Sender struct {
	api  batchAPI
	vis  visibilityAPI
	urls map[string]string
}

var _ queue.Sender = (*Sender)(nil)

// New returns a Sender resolving logical queue names through urls (logical
// name → queue URL, see URLsFromEnv).
func New(client *sqs.Client, urls map[string]string) *Sender {
	return &Sender{api: client, vis: client, urls: maps.Clone(urls)}
}

// Send validates every message first, so an oversized or malformed message
// fails the call before anything is sent, then sends them in batches of at
// most 10 messages and 256 KiB, in order. It stops at the first batch with a
// failure: sending later messages of a group past a failed one would reorder
// the group. The caller retries the whole Send; deduplication ids drop the
// messages that did get through.
func (s *Sender) Send(ctx context.Context, name string, msgs ...queue.Message) error {
	url, ok := s.urls[name]
	if !ok {
		return fmt.Errorf("send to queue %s: no URL configured (set %s)", name, EnvVar(name))
	}
	for i, m := range msgs {
		if err := m.Validate(); err != nil {
			return fmt.Errorf("send to queue %s: message %d: %w", name, i, err)
		}
	}
	for _, c := range chunks(msgs) {
		if err := s.sendBatch(ctx, name, url, msgs, c); err != nil {
			return err
		}
	}
	return nil
}

// ChangeVisibility keeps a message a consumer received (receiptHandle,
// from the queue of sourceARN, as the Lambda event names them) invisible
// for d from now: if the consumer then reports it failed, it comes back
// after d instead of the queue's visibility timeout, and its FIFO group
// waits as long. One receive then covers a long wait, where waiting out
// the visibility timeout again and again would use up the receives that
// lead to the dead-letter queue.
func (s *Sender) ChangeVisibility(ctx context.Context, sourceARN, receiptHandle string, d time.Duration) error {
	name := sourceARN[strings.LastIndexByte(sourceARN, ':')+1:]
	url, err := s.urlOf(sourceARN, name)
	if err != nil {
		return err
	}
	secs := int32(min(max(d, 0), maxVisibility).Round(time.Second) / time.Second)
	_, err = s.vis.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
		QueueUrl: aws.String(url), ReceiptHandle: aws.String(receiptHandle), VisibilityTimeout: secs,
	})
	if err != nil {
		return fmt.Errorf("change visibility on %s: %w", name, err)
	}
	return nil
}

// urlOf finds the URL of the queue an event came from: a configured one
// with its name, else the standard URL its ARN stands for (a sync function
// consumes its own events queue without sending to it, so the stack gives
// it no URL for it).
func (s *Sender) urlOf(arn, name string) (string, error) {
	for _, u := range s.urls {
		if strings.HasSuffix(u, "/"+name) {
			return u, nil
		}
	}
	// arn:aws:sqs:<region>:<account>:<name>
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[0] != "arn" || parts[1] != "aws" || parts[2] != "sqs" || parts[3] == "" || parts[4] == "" || name == "" {
		return "", fmt.Errorf("change visibility: no URL configured for queue %q", arn)
	}
	return "https://sqs." + parts[3] + ".amazonaws.com/" + parts[4] + "/" + name, nil
}

// maxVisibility is SQS's longest visibility timeout, 12 hours.
const maxVisibility = 12 * time.Hour

// chunk is a half-open range of the msgs slice sent as one batch.
type chunk struct{ from, to int }

func chunks(msgs []queue.Message) []chunk {
	var out []chunk
	from, size := 0, 0
	for i, m := range msgs {
		if i-from == maxBatchEntries || size+len(m.Body) > maxBatchBytes {
			out = append(out, chunk{from, i})
			from, size = i, 0
		}
		size += len(m.Body)
	}
	if from < len(msgs) {
		out = append(out, chunk{from, len(msgs)})
	}
	return out
}

func (s *Sender) sendBatch(ctx context.Context, name, url string, msgs []queue.Message, c chunk) error {
	entries := make([]types.SendMessageBatchRequestEntry, 0, c.to-c.from)
	for i := c.from; i < c.to; i++ {
		m := msgs[i]
		entries = append(entries, types.SendMessageBatchRequestEntry{
			// The entry id only has to be unique in the request; the index
			// lets a failure be traced back to the caller's message.
			Id:                     aws.String(strconv.Itoa(i)),
			MessageBody:            aws.String(string(m.Body)),
			MessageGroupId:         aws.String(m.Group),
			MessageDeduplicationId: aws.String(m.DedupID),
		})
	}
	out, err := s.api.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: entries})
	if err != nil {
		return fmt.Errorf("send to queue %s: messages %d..%d of %d (%d before them were sent): %w", name, c.from, c.to-1, len(msgs), c.from, err)
	}
	if len(out.Failed) == 0 {
		return nil
	}
	be := &BatchError{Queue: name, Sent: c.from + len(out.Successful), Total: len(msgs)}
	for _, f := range out.Failed {
		fe := FailedEntry{Code: aws.ToString(f.Code), Reason: aws.ToString(f.Message), SenderFault: f.SenderFault, Index: -1}
		if i, err := strconv.Atoi(aws.ToString(f.Id)); err == nil && i >= c.from && i < c.to {
			fe.Index, fe.Group, fe.DedupID = i, msgs[i].Group, msgs[i].DedupID
		}
		be.Failed = append(be.Failed, fe)
	}
	return be
}

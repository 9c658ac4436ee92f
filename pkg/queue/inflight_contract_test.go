package queue_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/tandemsync/tandem/pkg/mototest"
	"github.com/tandemsync/tandem/pkg/queue"
	"github.com/tandemsync/tandem/pkg/queue/memqueue"
	"github.com/tandemsync/tandem/pkg/queue/sqsqueue"
)

// inflight is a queue under the in-flight contract: next takes the next
// deliverable message and keeps it in flight until its done is called.
type inflight struct {
	sender queue.Sender
	queue  string
	next   func(t *testing.T) (body string, done func())
}

// While a message of a group is in flight, the group's later messages wait
// and other groups' messages are delivered; once it is done, the group's
// next message follows. This is what lets one ticket's changes stay in
// order while other tickets proceed, and memqueue (the engine's tests and
// the local runner) must behave here as an SQS FIFO queue does.
func TestInFlightGroupContract(t *testing.T) {
	for name, newQueue := range map[string]func(t *testing.T) inflight{
		"memqueue":      memInflight,
		"sqs-over-moto": sqsInflight,
	} {
		t.Run(name, func(t *testing.T) {
			q := newQueue(t)
			msg := func(group, key string) queue.Message {
				return queue.Message{Group: queue.GroupID("org-1", group), DedupID: queue.DedupID(group, key), Body: []byte(key)}
			}
			send := func(msgs ...queue.Message) {
				t.Helper()
				if err := q.sender.Send(context.Background(), q.queue, msgs...); err != nil {
					t.Fatal(err)
				}
			}
			// a2 is sent while a1 is in flight, ahead of b1: a queue that
			// let group A go again before a1 is done would deliver it next.
			send(msg("A", "a1"))
			first, doneA1 := q.next(t)
			send(msg("A", "a2"), msg("B", "b1"))
			second, doneB1 := q.next(t)
			if first != "a1" || second != "b1" {
				t.Fatalf("with a1 in flight the next delivery was %q after %q, want b1 after a1", second, first)
			}
			doneA1()
			third, doneA2 := q.next(t)
			if third != "a2" {
				t.Fatalf("after a1 was done the next delivery was %q, want a2", third)
			}
			doneB1()
			doneA2()
		})
	}
}

// memInflight runs the broker with two consumers of one-message batches; a
// delivery stays in flight while its handler waits for done.
func memInflight(t *testing.T) inflight {
	b := memqueue.New(memqueue.Options{})
	name := uniqueQueue()
	type delivery struct {
		body string
		done chan struct{}
	}
	got := make(chan delivery)
	err := b.Subscribe(name, func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		d := delivery{ev.Records[0].Body, make(chan struct{})}
		select {
		case got <- d:
		case <-ctx.Done():
			return events.SQSEventResponse{}, ctx.Err()
		}
		select {
		case <-d.done:
		case <-ctx.Done():
		}
		return events.SQSEventResponse{}, nil
	}, memqueue.QueueConfig{BatchSize: 1, Concurrency: 3})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	running := make(chan struct{})
	go func() { defer close(running); _ = b.Run(ctx) }()
	t.Cleanup(func() { stop(); <-running })
	return inflight{sender: b, queue: name, next: func(t *testing.T) (string, func()) {
		t.Helper()
		select {
		case d := <-got:
			var once sync.Once
			return d.body, func() { once.Do(func() { close(d.done) }) }
		case <-time.After(30 * time.Second):
			t.Fatal("no delivery within 30s")
			return "", nil
		}
	}}
}

// sqsInflight receives one message at a time from a FIFO queue on moto; a
// received message is in flight (its visibility timeout is long) until it
// is deleted.
func sqsInflight(t *testing.T) inflight {
	ctx := context.Background()
	client := sqs.NewFromConfig(mototest.Shared(t).Config(t))
	name := uniqueQueue()
	out, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{
		QueueName: aws.String(name + ".fifo"),
		Attributes: map[string]string{
			string(types.QueueAttributeNameFifoQueue):         "true",
			string(types.QueueAttributeNameVisibilityTimeout): "300",
		},
	})
	if err != nil {
		t.Fatalf("create queue: %v", err)
	}
	url := aws.ToString(out.QueueUrl)
	return inflight{sender: sqsqueue.New(client, map[string]string{name: url}), queue: name, next: func(t *testing.T) (string, func()) {
		t.Helper()
		got, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 1})
		if err != nil {
			t.Fatalf("receive: %v", err)
		}
		if len(got.Messages) != 1 {
			t.Fatalf("received %d messages, want 1", len(got.Messages))
		}
		m := got.Messages[0]
		return aws.ToString(m.Body), func() {
			if _, err := client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Errorf("delete: %v", err)
			}
		}
	}}
}

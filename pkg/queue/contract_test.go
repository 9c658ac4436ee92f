package queue_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
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

func TestMain(m *testing.M) { mototest.Main(m) }

// adapter is one queue.Sender under contract, with a way to take everything
// its queue holds, in delivery order.
type adapter struct {
	sender  queue.Sender
	queue   string
	receive func(t *testing.T) []queue.Message
}

var queueSeq atomic.Int64

// uniqueQueue keeps reruns against one moto_server (-count=N) away from the
// previous run's deduplication window.
func uniqueQueue() string {
	return fmt.Sprintf("contract-%d-%d-events", time.Now().UnixNano(), queueSeq.Add(1))
}

func TestSenderContract(t *testing.T) {
	for name, newAdapter := range map[string]func(t *testing.T) adapter{
		"memqueue":      memAdapter,
		"sqs-over-moto": sqsAdapter,
	} {
		t.Run(name, func(t *testing.T) {
			a := newAdapter(t)
			ctx := context.Background()
			send := func(msgs ...queue.Message) {
				t.Helper()
				if err := a.sender.Send(ctx, a.queue, msgs...); err != nil {
					t.Fatalf("send: %v", err)
				}
			}
			msg := func(group, key string) queue.Message {
				return queue.Message{Group: queue.GroupID("org-1", group), DedupID: queue.DedupID(group, key), Body: []byte(key)}
			}

			send(msg("A", "a1"), msg("B", "b1"), msg("A", "a2"), msg("A", "a3"))
			dup := msg("A", "a2")
			dup.Body = []byte("a2-resent")
			send(dup, msg("B", "b2"))
			var c []queue.Message
			for i := range 12 { // more than one SendMessageBatch
				c = append(c, msg("C", fmt.Sprintf("c%02d", i)))
			}
			send(c...)

			err := a.sender.Send(ctx, a.queue, msg("B", "never"), queue.Message{Group: "g", DedupID: "d", Body: bytes.Repeat([]byte("x"), queue.MaxBodyBytes+1)})
			if !errors.Is(err, queue.ErrTooLarge) {
				t.Errorf("oversized message: err = %v, want ErrTooLarge", err)
			}
			if err := a.sender.Send(ctx, "no-such-queue", msg("B", "lost")); err == nil {
				t.Error("send to an unknown queue succeeded")
			}

			got := map[string][]string{}
			for _, m := range a.receive(t) {
				body := string(m.Body)
				group := strings.TrimPrefix(m.Group, "org-1:")
				if m.DedupID != queue.DedupID(group, body) {
					t.Errorf("message %s: dedup id %q did not round-trip", body, m.DedupID)
				}
				got[group] = append(got[group], body)
			}
			want := map[string][]string{
				"A": {"a1", "a2", "a3"},
				"B": {"b1", "b2"},
				"C": {"c00", "c01", "c02", "c03", "c04", "c05", "c06", "c07", "c08", "c09", "c10", "c11"},
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("received per group\n got %v\nwant %v", got, want)
			}
		})
	}
}

func memAdapter(t *testing.T) adapter {
	b := memqueue.New(memqueue.Options{})
	name := uniqueQueue()
	var got []queue.Message
	err := b.Subscribe(name, func(_ context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		for _, r := range ev.Records {
			got = append(got, queue.Message{Group: r.Attributes["MessageGroupId"], DedupID: r.Attributes["MessageDeduplicationId"], Body: []byte(r.Body)})
		}
		return events.SQSEventResponse{}, nil
	}, memqueue.QueueConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return adapter{sender: b, queue: name, receive: func(t *testing.T) []queue.Message {
		if err := b.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		return got
	}}
}

func sqsAdapter(t *testing.T) adapter {
	ctx := context.Background()
	client := sqs.NewFromConfig(mototest.Shared(t).Config(t))
	name := uniqueQueue()
	out, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{
		QueueName: aws.String(name + ".fifo"),
		Attributes: map[string]string{
			string(types.QueueAttributeNameFifoQueue):                 "true",
			string(types.QueueAttributeNameContentBasedDeduplication): "false",
		},
	})
	if err != nil {
		t.Fatalf("create queue: %v", err)
	}
	url := aws.ToString(out.QueueUrl)
	return adapter{
		sender:  sqsqueue.New(client, map[string]string{name: url}),
		queue:   name,
		receive: func(t *testing.T) []queue.Message { return receiveAll(t, client, url) },
	}
}

// receiveAll reads and deletes messages until a receive comes back empty.
// Deleting each batch before the next receive unblocks its groups, so the
// loop sees every group in order.
func receiveAll(t *testing.T, client *sqs.Client, url string) []queue.Message {
	t.Helper()
	ctx := context.Background()
	var got []queue.Message
	for range 100 {
		out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:                    aws.String(url),
			MaxNumberOfMessages:         10,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		})
		if err != nil {
			t.Fatalf("receive: %v", err)
		}
		if len(out.Messages) == 0 {
			return got
		}
		for _, m := range out.Messages {
			got = append(got, queue.Message{
				Group:   m.Attributes[string(types.MessageSystemAttributeNameMessageGroupId)],
				DedupID: m.Attributes[string(types.MessageSystemAttributeNameMessageDeduplicationId)],
				Body:    []byte(aws.ToString(m.Body)),
			})
			if _, err := client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatalf("delete: %v", err)
			}
		}
	}
	t.Fatal("queue still not empty after 100 receives")
	return nil
}

// ChangeVisibility over moto: a received message made visible at once is
// received again; one kept invisible for an hour is not.
func TestSQSChangeVisibility(t *testing.T) {
	ctx := context.Background()
	client := sqs.NewFromConfig(mototest.Shared(t).Config(t))
	name := uniqueQueue()
	out, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{
		QueueName:  aws.String(name + ".fifo"),
		Attributes: map[string]string{string(types.QueueAttributeNameFifoQueue): "true"},
	})
	if err != nil {
		t.Fatalf("create queue: %v", err)
	}
	url := aws.ToString(out.QueueUrl)
	attrs, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	arn := attrs.Attributes[string(types.QueueAttributeNameQueueArn)]
	s := sqsqueue.New(client, map[string]string{name: url})
	if err := s.Send(ctx, name, queue.Message{Group: "g", DedupID: "d1", Body: []byte("held")}); err != nil {
		t.Fatal(err)
	}
	receive := func() []types.Message {
		t.Helper()
		got, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, VisibilityTimeout: 30})
		if err != nil {
			t.Fatal(err)
		}
		return got.Messages
	}
	first := receive()
	if len(first) != 1 {
		t.Fatalf("received %d messages, want 1", len(first))
	}
	if err := s.ChangeVisibility(ctx, arn, aws.ToString(first[0].ReceiptHandle), 0); err != nil {
		t.Fatal(err)
	}
	again := receive()
	if len(again) != 1 || aws.ToString(again[0].Body) != "held" {
		t.Fatalf("after visibility 0: %d messages, want the message again", len(again))
	}
	if err := s.ChangeVisibility(ctx, arn, aws.ToString(again[0].ReceiptHandle), time.Hour); err != nil {
		t.Fatal(err)
	}
	if n := len(receive()); n != 0 {
		t.Fatalf("%d messages received while the message is held for an hour", n)
	}
	if err := s.ChangeVisibility(ctx, "arn:aws:sqs:us-east-1:000000000000:unknown.fifo", "r", time.Minute); err == nil {
		t.Fatal("a queue without a URL was accepted")
	}
}

package sqsqueue

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/tandemsync/tandem/pkg/queue"
)

// fakeSQS records batches and fails the entries named in failIDs; moto
// cannot be made to refuse part of a batch.
type fakeSQS struct {
	batches [][]types.SendMessageBatchRequestEntry
	failIDs map[string]bool
	// visibility records ChangeMessageVisibility calls: url, receipt, seconds.
	visibility []string
}

func (f *fakeSQS) SendMessageBatch(_ context.Context, in *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	f.batches = append(f.batches, in.Entries)
	out := &sqs.SendMessageBatchOutput{}
	for _, e := range in.Entries {
		if f.failIDs[aws.ToString(e.Id)] {
			out.Failed = append(out.Failed, types.BatchResultErrorEntry{Id: e.Id, Code: aws.String("InternalError"), Message: aws.String("try again")})
		} else {
			out.Successful = append(out.Successful, types.SendMessageBatchResultEntry{Id: e.Id})
		}
	}
	return out, nil
}

func (f *fakeSQS) ChangeMessageVisibility(_ context.Context, in *sqs.ChangeMessageVisibilityInput, _ ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	f.visibility = append(f.visibility, fmt.Sprintf("%s %s %d", aws.ToString(in.QueueUrl), aws.ToString(in.ReceiptHandle), in.VisibilityTimeout))
	return &sqs.ChangeMessageVisibilityOutput{}, nil
}

func (f *fakeSQS) sizes() []int {
	var n []int
	for _, b := range f.batches {
		n = append(n, len(b))
	}
	return n
}

func msgs(n, size int) []queue.Message {
	var out []queue.Message
	for i := range n {
		out = append(out, queue.Message{Group: "org-1:t1", DedupID: fmt.Sprint("d", i), Body: bytes.Repeat([]byte("x"), size)})
	}
	return out
}

func newFake() (*fakeSQS, *Sender) {
	f := &fakeSQS{}
	return f, &Sender{api: f, vis: f, urls: map[string]string{"halo-events": "https://sqs.local/1/halo-events.fifo"}}
}

// A held message's queue is found by its configured URL, or by the
// standard URL of its ARN where the function has none (its own events
// queue); the wait is capped at SQS's 12 hours.
func TestChangeVisibilityFindsTheQueue(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		arn  string
		wait time.Duration
		want string
	}{
		{"arn:aws:sqs:local:1:halo-events.fifo", 90 * time.Second, "https://sqs.local/1/halo-events.fifo r 90"},
		{"arn:aws:sqs:eu-west-1:123456789012:tandem-prod-autotask-events.fifo", 50*time.Minute + 400*time.Millisecond, "https://sqs.eu-west-1.amazonaws.com/123456789012/tandem-prod-autotask-events.fifo r 3000"},
		{"arn:aws:sqs:eu-west-1:123456789012:q.fifo", 13 * time.Hour, "https://sqs.eu-west-1.amazonaws.com/123456789012/q.fifo r 43200"},
		{"arn:aws:sqs:eu-west-1:123456789012:q.fifo", -time.Minute, "https://sqs.eu-west-1.amazonaws.com/123456789012/q.fifo r 0"},
	}
	for _, tc := range tests {
		f, s := newFake()
		if err := s.ChangeVisibility(ctx, tc.arn, "r", tc.wait); err != nil {
			t.Fatalf("%s: %v", tc.arn, err)
		}
		if len(f.visibility) != 1 || f.visibility[0] != tc.want {
			t.Fatalf("%s: calls %v, want %q", tc.arn, f.visibility, tc.want)
		}
	}
	for _, bad := range []string{"", "halo-events", "arn:aws:sns:eu-west-1:1:q", "arn:aws:sqs::1:q"} {
		_, s := newFake()
		if err := s.ChangeVisibility(ctx, bad, "r", time.Minute); err == nil {
			t.Fatalf("ARN %q was accepted", bad)
		}
	}
}

func TestSendChunksByCountAndSize(t *testing.T) {
	for _, tc := range []struct {
		name       string
		msgs       []queue.Message
		wantChunks []int
	}{
		{"25 small", msgs(25, 10), []int{10, 10, 5}},
		{"3 of 100 KiB", msgs(3, 100<<10), []int{2, 1}},
		{"2 at the limit", msgs(2, queue.MaxBodyBytes), []int{1, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, s := newFake()
			if err := s.Send(context.Background(), "halo-events", tc.msgs...); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(f.sizes(), tc.wantChunks) {
				t.Errorf("batches of %v, want %v", f.sizes(), tc.wantChunks)
			}
			e := f.batches[len(f.batches)-1][0]
			if aws.ToString(e.MessageGroupId) != "org-1:t1" || !strings.HasPrefix(aws.ToString(e.MessageDeduplicationId), "d") {
				t.Errorf("entry lacks group or dedup id: %+v", e)
			}
		})
	}
}

// A partly refused batch names the refused messages, and later batches are
// not sent, so a group is never continued past a gap.
func TestSendReportsPartialBatchFailure(t *testing.T) {
	f, s := newFake()
	f.failIDs = map[string]bool{"3": true, "7": true}
	err := s.Send(context.Background(), "halo-events", msgs(15, 10)...)
	var be *BatchError
	if !errors.As(err, &be) {
		t.Fatalf("err = %v, want a *BatchError", err)
	}
	if be.Sent != 8 || be.Total != 15 || len(be.Failed) != 2 || be.Failed[0].Index != 3 || be.Failed[1].DedupID != "d7" {
		t.Errorf("BatchError %+v", be)
	}
	if !strings.Contains(err.Error(), "dedup id d3") || !strings.Contains(err.Error(), "InternalError") {
		t.Errorf("error %q does not name the failed messages", err)
	}
	if len(f.batches) != 1 {
		t.Errorf("%d batches sent, want 1: nothing after the failed batch", len(f.batches))
	}
}

func TestSendRefusesBeforeSending(t *testing.T) {
	f, s := newFake()
	big := append(msgs(3, 10), queue.Message{Group: "g", DedupID: "big", Body: bytes.Repeat([]byte("x"), queue.MaxBodyBytes+1)})
	if err := s.Send(context.Background(), "halo-events", big...); !errors.Is(err, queue.ErrTooLarge) || !strings.Contains(err.Error(), "message 3") {
		t.Errorf("oversized: %v, want ErrTooLarge naming message 3", err)
	}
	if err := s.Send(context.Background(), "graph-events", msgs(1, 10)...); err == nil || !strings.Contains(err.Error(), "TANDEM_QUEUE_GRAPH_EVENTS") {
		t.Errorf("unknown queue: %v, want the env var to set", err)
	}
	if len(f.batches) != 0 {
		t.Errorf("%d batches sent", len(f.batches))
	}
}

func TestURLsFromEnv(t *testing.T) {
	t.Setenv("TANDEM_QUEUE_HALO_EVENTS", "https://sqs/halo-events.fifo")
	t.Setenv("TANDEM_QUEUE_AUTOTASK_COMMANDS", "https://sqs/autotask-commands.fifo")
	t.Setenv("TANDEM_QUEUE_EMPTY", "")
	urls := URLsFromEnv()
	if urls["halo-events"] != "https://sqs/halo-events.fifo" || urls["autotask-commands"] != "https://sqs/autotask-commands.fifo" {
		t.Errorf("URLsFromEnv = %v", urls)
	}
	if _, ok := urls["empty"]; ok {
		t.Error("an empty variable became a queue")
	}
	for name, url := range urls {
		if os.Getenv(EnvVar(name)) != url {
			t.Errorf("EnvVar(%q) = %s, which does not hold %s", name, EnvVar(name), url)
		}
	}
}

package memqueue_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/queue"
	"github.com/tandemsync/tandem/pkg/queue/memqueue"
	"github.com/tandemsync/tandem/pkg/queue/sqsbatch"
)

// The dedup id is remembered for the window from its first send, even after
// the message was consumed, and forgotten when the window ends.
func TestDedupWindow(t *testing.T) {
	clk := clock.NewManual(t0)
	b := newBroker(clk)
	r := &recorder{}
	if err := b.Subscribe("cw-events", r.handle, memqueue.QueueConfig{}); err != nil {
		t.Fatal(err)
	}
	change := msg("org-1:ticket-7", "v3")
	send(t, b, "cw-events", change, change)
	if err := b.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	clk.Advance(5*time.Minute - time.Second)
	send(t, b, "cw-events", change)
	clk.Advance(time.Second)
	send(t, b, "cw-events", change)
	if err := b.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r.calls() != 2 {
		t.Fatalf("%d deliveries, want 2 (first send, and the one after the window)", r.calls())
	}
	if m := b.Metrics("cw-events"); m.Sent != 2 || m.Deduplicated != 2 {
		t.Errorf("metrics %+v, want Sent 2, Deduplicated 2", m)
	}
}

// Records carry what the sync functions read from a Lambda SQS event.
func TestEventShape(t *testing.T) {
	clk := clock.NewManual(t0)
	b := newBroker(clk)
	r := &recorder{}
	if err := b.Subscribe("halo-events", r.handle, memqueue.QueueConfig{}); err != nil {
		t.Fatal(err)
	}
	m := msg("org-1:ticket-7", `{"ticket":7}`)
	send(t, b, "halo-events", m)
	tick(t, b, 1)
	rec := r.batches[0][0]
	sum := md5.Sum(m.Body)
	for field, pair := range map[string][2]string{
		"Body":                    {rec.Body, `{"ticket":7}`},
		"Md5OfBody":               {rec.Md5OfBody, hex.EncodeToString(sum[:])},
		"EventSource":             {rec.EventSource, "aws:sqs"},
		"MessageGroupId":          {rec.Attributes["MessageGroupId"], m.Group},
		"MessageDeduplicationId":  {rec.Attributes["MessageDeduplicationId"], m.DedupID},
		"ApproximateReceiveCount": {rec.Attributes["ApproximateReceiveCount"], "1"},
		"SentTimestamp":           {rec.Attributes["SentTimestamp"], strconv.FormatInt(t0.UnixMilli(), 10)},
	} {
		if pair[0] != pair[1] {
			t.Errorf("%s = %q, want %q", field, pair[0], pair[1])
		}
	}
	if !strings.HasSuffix(rec.EventSourceARN, ":halo-events") || rec.MessageId == "" || rec.ReceiptHandle == "" {
		t.Errorf("record %+v lacks its ARN, id or receipt handle", rec)
	}
}

// With several consumers per queue, messages of a group are never in two
// batches at once and are processed exactly in send order, across
// redeliveries. Run with -race.
func TestRunKeepsGroupOrderUnderConcurrency(t *testing.T) {
	const groups, perGroup = 20, 30
	b := newBroker(clock.System{})
	var (
		mu       sync.Mutex
		inFlight = map[string]bool{}
		seen     = map[string][]int{}
		failed   = map[string]bool{}
		done     = make(chan struct{})
		total    int
	)
	h := func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		mu.Lock()
		batchGroups := map[string]bool{}
		for _, r := range ev.Records {
			g := r.Attributes["MessageGroupId"]
			if inFlight[g] && !batchGroups[g] {
				t.Errorf("group %s delivered to two consumers at once", g)
			}
			batchGroups[g], inFlight[g] = true, true
		}
		mu.Unlock()
		resp := sqsbatch.Process(ctx, ev, func(_ context.Context, r events.SQSMessage) error {
			mu.Lock()
			defer mu.Unlock()
			g, seq, _ := strings.Cut(r.Body, "/")
			n, _ := strconv.Atoi(seq)
			// Every 7th message fails once, to mix redeliveries in.
			if n%7 == 3 && !failed[r.Body] {
				failed[r.Body] = true
				return fmt.Errorf("transient")
			}
			seen[g] = append(seen[g], n)
			if total++; total == groups*perGroup {
				close(done)
			}
			return nil
		})
		mu.Lock()
		for g := range batchGroups {
			delete(inFlight, g)
		}
		mu.Unlock()
		return resp, nil
	}
	if err := b.Subscribe("autotask-commands", h, memqueue.QueueConfig{Concurrency: 4, BatchSize: 4, VisibilityTimeout: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	sendRound := func(i int) {
		var msgs []queue.Message
		for g := range groups {
			msgs = append(msgs, msg(fmt.Sprintf("g%02d", g), fmt.Sprintf("g%02d/%d", g, i)))
		}
		send(t, b, "autotask-commands", msgs...)
	}
	// Half is queued before the consumers start, so groups are deeper than
	// a batch; the rest arrives while they run.
	for i := range perGroup / 2 {
		sendRound(i)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error)
	go func() { stopped <- b.Run(ctx) }()
	for i := perGroup / 2; i < perGroup; i++ {
		sendRound(i)
	}
	<-done
	cancel()
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != groups {
		t.Fatalf("%d groups processed, want %d", len(seen), groups)
	}
	for g, ns := range seen {
		for i, n := range ns {
			if n != i {
				t.Fatalf("group %s processed %v, want 0..%d in order", g, ns, perGroup-1)
			}
		}
	}
	if m := b.Metrics("autotask-commands"); m.Deleted != groups*perGroup || m.Redelivered == 0 || m.Unreported != 0 {
		t.Errorf("metrics %+v", m)
	}
}

package memqueue_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/queue/memqueue"
	"github.com/tandemsync/tandem/pkg/queue/sqsbatch"
)

// A failed record comes back with the later records of its group, after the
// visibility timeout and ahead of anything sent to the group meanwhile;
// other groups' records are deleted.
func TestPartialFailureRedeliversFailedAndLaterOfGroup(t *testing.T) {
	for _, tc := range []struct {
		name           string
		handler        func(events.SQSEvent) events.SQSEventResponse
		wantUnreported int
	}{
		{
			name: "handler reports the rest of the group (sqsbatch)",
			handler: func(ev events.SQSEvent) events.SQSEventResponse {
				return sqsbatch.Process(context.Background(), ev, func(_ context.Context, m events.SQSMessage) error {
					if m.Body == "a2" {
						return errors.New("partner API 503")
					}
					return nil
				})
			},
		},
		{
			// Lambda would delete a3 here; memqueue keeps the group's order
			// and counts the handler's omission.
			name:           "handler reports only the failed record",
			handler:        func(ev events.SQSEvent) events.SQSEventResponse { return failIDs(ev, "a2") },
			wantUnreported: 1,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := clock.NewManual(t0)
			b := newBroker(clk)
			r := &recorder{answer: func(call int, ev events.SQSEvent) (events.SQSEventResponse, error) {
				if call == 0 {
					return tc.handler(ev), nil
				}
				return events.SQSEventResponse{}, nil
			}}
			if err := b.Subscribe("halo-events", r.handle, memqueue.QueueConfig{VisibilityTimeout: 30 * time.Second}); err != nil {
				t.Fatal(err)
			}
			send(t, b, "halo-events", msg("A", "a1"), msg("B", "b1"), msg("A", "a2"), msg("B", "b2"), msg("A", "a3"))

			tick(t, b, 1)
			if got := r.bodies(0); !slices.Equal(got, []string{"a1#1", "a2#1", "a3#1", "b1#1", "b2#1"}) {
				t.Fatalf("first batch %v: want each group's records together, in send order", got)
			}
			send(t, b, "halo-events", msg("A", "a4"), msg("B", "b3"))
			tick(t, b, 1) // b3 only: group A waits out the visibility timeout
			if got := r.bodies(1); !slices.Equal(got, []string{"b3#1"}) {
				t.Fatalf("second batch %v, want [b3#1]", got)
			}
			clk.Advance(30*time.Second - time.Millisecond)
			tick(t, b, 0)
			clk.Advance(time.Millisecond)
			tick(t, b, 1)
			if got := r.bodies(2); !slices.Equal(got, []string{"a2#2", "a3#2", "a4#1"}) {
				t.Fatalf("redelivery %v, want [a2#2 a3#2 a4#1]", got)
			}
			want := memqueue.Metrics{Sent: 7, Delivered: 9, Redelivered: 2, Deleted: 7, Unreported: tc.wantUnreported}
			if m := b.Metrics("halo-events"); m != want {
				t.Errorf("metrics %+v, want %+v", m, want)
			}
		})
	}
}

// Like Lambda, an error, a panic or a response naming a record that is not in
// the batch returns the whole batch.
func TestWholeBatchRedelivered(t *testing.T) {
	for name, fail := range map[string]func(ev events.SQSEvent) (events.SQSEventResponse, error){
		"error": func(events.SQSEvent) (events.SQSEventResponse, error) {
			return events.SQSEventResponse{}, errors.New("boom")
		},
		"panic": func(events.SQSEvent) (events.SQSEventResponse, error) { panic("nil map") },
		"unknown item id": func(events.SQSEvent) (events.SQSEventResponse, error) {
			return events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{{ItemIdentifier: "not-in-batch"}}}, nil
		},
		"empty item id": func(events.SQSEvent) (events.SQSEventResponse, error) {
			return events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{{}}}, nil
		},
	} {
		t.Run(name, func(t *testing.T) {
			b := newBroker(clock.NewManual(t0))
			r := &recorder{answer: func(call int, ev events.SQSEvent) (events.SQSEventResponse, error) {
				if call == 0 {
					return fail(ev)
				}
				return events.SQSEventResponse{}, nil
			}}
			if err := b.Subscribe("halo-commands", r.handle, memqueue.QueueConfig{}); err != nil {
				t.Fatal(err)
			}
			send(t, b, "halo-commands", msg("A", "a1"), msg("B", "b1"), msg("A", "a2"))
			if err := b.Drain(context.Background()); err != nil {
				t.Fatal(err)
			}
			if r.calls() != 2 {
				t.Fatalf("%d batches, want 2", r.calls())
			}
			if got := r.bodies(1); !slices.Equal(got, []string{"a1#2", "a2#2", "b1#2"}) {
				t.Fatalf("redelivery %v, want the whole batch again", got)
			}
			if m := b.Metrics("halo-commands"); m.Redelivered != 3 || m.Deleted != 3 || m.Unreported != 0 {
				t.Errorf("metrics %+v", m)
			}
		})
	}
}

// A record that keeps failing moves to the DLQ after MaxReceiveCount
// receives. As on SQS, the records of its group that were in the same batch
// were received as often and go with it; with BatchSize 1 they are not
// received until the poison record has gone.
func TestDeadLetterAfterMaxReceiveCount(t *testing.T) {
	for _, tc := range []struct {
		batchSize int
		wantDLQ   []string
		wantOK    []string
	}{
		{batchSize: 10, wantDLQ: []string{"poison", "after"}, wantOK: []string{"other"}},
		{batchSize: 1, wantDLQ: []string{"poison"}, wantOK: []string{"other", "after"}},
	} {
		t.Run(fmt.Sprintf("batch size %d", tc.batchSize), func(t *testing.T) {
			b := newBroker(clock.NewManual(t0))
			var ok []string
			h := func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
				return sqsbatch.Process(ctx, ev, func(_ context.Context, m events.SQSMessage) error {
					if m.Body == "poison" {
						return errors.New("unmappable status")
					}
					ok = append(ok, m.Body)
					return nil
				}), nil
			}
			if err := b.Subscribe("graph-events", h, memqueue.QueueConfig{BatchSize: tc.batchSize, MaxReceiveCount: 3}); err != nil {
				t.Fatal(err)
			}
			send(t, b, "graph-events", msg("P", "poison"), msg("Q", "other"), msg("P", "after"))
			if err := b.Drain(context.Background()); err != nil {
				t.Fatal(err)
			}
			var dlq []string
			for _, m := range b.DLQ("graph-events") {
				dlq = append(dlq, string(m.Body))
			}
			if !slices.Equal(dlq, tc.wantDLQ) || !slices.Equal(ok, tc.wantOK) {
				t.Fatalf("DLQ %v, processed %v; want %v, %v", dlq, ok, tc.wantDLQ, tc.wantOK)
			}
			if m := b.Metrics("graph-events"); m.DeadLettered != len(tc.wantDLQ) {
				t.Errorf("DeadLettered = %d, want %d", m.DeadLettered, len(tc.wantDLQ))
			}
		})
	}
}

// Drain ends even when handlers keep sending to each other.
func TestDrainIsBounded(t *testing.T) {
	b := memqueue.New(memqueue.Options{Clock: clock.NewManual(t0), Log: quiet(), DrainLimit: 50})
	n := 0
	pingPong := func(to string) memqueue.Handler {
		return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
			n++
			return events.SQSEventResponse{}, b.Send(ctx, to, msg("echo", fmt.Sprint(n)))
		}
	}
	for name, to := range map[string]string{"halo-events": "autotask-commands", "autotask-commands": "halo-events"} {
		if err := b.Subscribe(name, pingPong(to), memqueue.QueueConfig{}); err != nil {
			t.Fatal(err)
		}
	}
	send(t, b, "halo-events", msg("echo", "start"))
	if err := b.Drain(context.Background()); !errors.Is(err, memqueue.ErrDrainLimit) {
		t.Fatalf("Drain = %v, want ErrDrainLimit", err)
	}
}

func TestSendRefusesWhatSQSWould(t *testing.T) {
	b := newBroker(clock.NewManual(t0))
	if err := b.Subscribe("halo-events", (&recorder{}).handle, memqueue.QueueConfig{}); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"undeclared queue":   b.Send(context.Background(), "halo-event", msg("A", "a1")),
		"group with a space": b.Send(context.Background(), "halo-events", msg("org 1", "a1")),
		"empty body":         b.Send(context.Background(), "halo-events", msg("A", "")),
	} {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := b.Subscribe("halo-events", (&recorder{}).handle, memqueue.QueueConfig{}); err == nil || !strings.Contains(err.Error(), "already") {
		t.Errorf("second consumer: %v", err)
	}
	if m := b.Metrics("halo-events"); m.Sent != 0 {
		t.Errorf("refused sends were queued: %+v", m)
	}
}

package sqsbatch_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tandemsync/tandem/pkg/queue/sqsbatch"
)

func rec(id, group string) events.SQSMessage {
	m := events.SQSMessage{MessageId: id, Body: id}
	if group != "" {
		m.Attributes = map[string]string{"MessageGroupId": group}
	}
	return m
}

// After a failure the rest of that group is reported without being handled;
// other groups, and records of a standard queue, carry on.
func TestProcessStopsTheFailedGroupOnly(t *testing.T) {
	ev := events.SQSEvent{Records: []events.SQSMessage{
		rec("a1", "A"), rec("a2", "A"), rec("b1", "B"), rec("a3", "A"), rec("b2", "B"),
		rec("s1", ""), rec("s2", ""),
	}}
	var handled []string
	resp := sqsbatch.Process(context.Background(), ev, func(_ context.Context, m events.SQSMessage) error {
		handled = append(handled, m.MessageId)
		if m.MessageId == "a2" || m.MessageId == "s1" {
			return errors.New("fail")
		}
		return nil
	})
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	if want := []string{"a1", "a2", "b1", "b2", "s1", "s2"}; !slices.Equal(handled, want) {
		t.Errorf("handled %v, want %v", handled, want)
	}
	if want := []string{"a2", "a3", "s1"}; !slices.Equal(failed, want) {
		t.Errorf("reported %v, want %v", failed, want)
	}
}

// Once the invocation's context ends, the remaining records are reported
// rather than started.
func TestProcessReportsRecordsAfterCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	resp := sqsbatch.Process(ctx, events.SQSEvent{Records: []events.SQSMessage{rec("a1", "A"), rec("b1", "B")}},
		func(context.Context, events.SQSMessage) error { cancel(); return nil })
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "b1" {
		t.Errorf("reported %+v, want [b1]", resp.BatchItemFailures)
	}
}

func ids(resp events.SQSEventResponse) []string {
	var out []string
	for _, f := range resp.BatchItemFailures {
		out = append(out, f.ItemIdentifier)
	}
	return out
}

// A record that runs into the invocation's deadline is cancelled a margin
// before it, and the response — naming that record and every record not yet
// started — is returned while the invocation's own context is still alive,
// so Lambda receives it instead of timing out.
func TestProcessReturnsBeforeTheDeadline(t *testing.T) {
	const margin = 150 * time.Millisecond
	lambdaCtx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	lambdaDeadline, _ := lambdaCtx.Deadline()

	ev := events.SQSEvent{Records: []events.SQSMessage{rec("a1", "A"), rec("b1", "B"), rec("a2", "A"), rec("c1", "C"), rec("s1", "")}}
	var handled []string
	resp := sqsbatch.ProcessWithin(lambdaCtx, margin, ev, func(ctx context.Context, m events.SQSMessage) error {
		handled = append(handled, m.MessageId)
		if m.MessageId != "b1" {
			return nil
		}
		// A platform that never answers: the call returns when its
		// context ends, which must be before Lambda's deadline.
		if d, _ := ctx.Deadline(); !d.Equal(lambdaDeadline.Add(-margin)) {
			t.Errorf("record deadline %v, want Lambda's deadline minus the margin (%v)", d, lambdaDeadline.Add(-margin))
		}
		<-ctx.Done()
		return ctx.Err()
	})
	if err := lambdaCtx.Err(); err != nil {
		t.Fatalf("Process returned after the invocation's deadline (%v): Lambda would never see the response", err)
	}
	if want := []string{"a1", "b1"}; !slices.Equal(handled, want) {
		t.Errorf("handled %v, want %v: nothing starts after the cut-off", handled, want)
	}
	if want := []string{"b1", "a2", "c1", "s1"}; !slices.Equal(ids(resp), want) {
		t.Errorf("reported %v, want %v: the cut record and every record not started", ids(resp), want)
	}
}

// A handler that returns nil after the cut-off may have dropped its record
// because the context ended, so the record is retried; records are
// idempotent, so retrying one that did complete is harmless.
func TestProcessRetriesARecordThatEndsAfterTheCutOff(t *testing.T) {
	lambdaCtx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	resp := sqsbatch.ProcessWithin(lambdaCtx, 100*time.Millisecond, events.SQSEvent{Records: []events.SQSMessage{rec("a1", "A")}},
		func(ctx context.Context, _ events.SQSMessage) error { <-ctx.Done(); return nil })
	if want := []string{"a1"}; !slices.Equal(ids(resp), want) {
		t.Errorf("reported %v, want %v", ids(resp), want)
	}
}

// An invocation that starts with less time than the margin handles nothing
// and hands the whole batch back.
func TestProcessWithinTheMarginHandlesNothing(t *testing.T) {
	lambdaCtx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	called := false
	resp := sqsbatch.ProcessWithin(lambdaCtx, 2*time.Hour, events.SQSEvent{Records: []events.SQSMessage{rec("a1", "A"), rec("s1", "")}},
		func(context.Context, events.SQSMessage) error { called = true; return nil })
	if called {
		t.Error("a record was started inside the margin")
	}
	if want := []string{"a1", "s1"}; !slices.Equal(ids(resp), want) {
		t.Errorf("reported %v, want %v", ids(resp), want)
	}
}

// Process keeps DefaultMargin: a record runs under Lambda's deadline minus it.
func TestProcessKeepsTheDefaultMargin(t *testing.T) {
	lambdaCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	lambdaDeadline, _ := lambdaCtx.Deadline()
	var got time.Time
	resp := sqsbatch.Process(lambdaCtx, events.SQSEvent{Records: []events.SQSMessage{rec("a1", "A")}},
		func(ctx context.Context, _ events.SQSMessage) error { got, _ = ctx.Deadline(); return nil })
	if want := lambdaDeadline.Add(-sqsbatch.DefaultMargin); !got.Equal(want) {
		t.Errorf("record deadline %v, want %v", got, want)
	}
	if len(resp.BatchItemFailures) != 0 {
		t.Errorf("reported %v for a record that finished in time", ids(resp))
	}
}

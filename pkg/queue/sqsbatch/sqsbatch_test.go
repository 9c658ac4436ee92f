package sqsbatch_test

import (
	"context"
	"errors"
	"slices"
	"testing"

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

// Package sqsbatch processes a Lambda SQS event record by record and builds
// the partial-batch response, keeping FIFO message groups in order.
//
// Why a helper: with ReportBatchItemFailures, Lambda deletes every record of
// the batch that the response does not list. For a FIFO queue that means a
// handler which fails record 3 of group G but succeeds record 4 of G loses
// the order of G for good. AWS's guidance is to stop at the first failure and
// report it and everything after it. Process does that per message group
// (like Powertools' skip_group_on_error): once a record of a group fails,
// the group's later records in the batch are not processed and are reported
// as failed, while other groups carry on. The event source mapping
// redelivers them, in order, after the visibility timeout.
//
// The response only counts if Lambda receives it: a function that runs into
// its timeout returns nothing, and every record of the batch, finished or
// not, is received again and burns a receive towards the dead-letter queue.
// So Process keeps a margin before the invocation's deadline: it starts no
// record after deadline−margin, cancels the record in progress then, and
// returns the response with every record it did not finish.
package sqsbatch

import (
	"context"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// DefaultMargin is the time Process leaves between cutting the batch short
// and the invocation's deadline: enough for the record in progress to see its
// context end, unwind and log, and for the response to be returned. A
// function's timeout must be well above it (infra gives sync functions 120 s).
const DefaultMargin = 5 * time.Second

// Process calls handle for each record in order and returns the records to
// retry, keeping DefaultMargin before ctx's deadline (see ProcessWithin).
// Records without a MessageGroupId (a standard queue) are independent.
// Process only decides what is retried: handle records why a record failed
// (the sync log), since the response has no room for reasons.
// A panic in handle propagates: Lambda then retries the whole batch, which
// is safe because every record is idempotent by design.
func Process(ctx context.Context, ev events.SQSEvent, handle func(context.Context, events.SQSMessage) error) events.SQSEventResponse {
	return ProcessWithin(ctx, DefaultMargin, ev, handle)
}

// ProcessWithin is Process with an explicit margin. When ctx has a deadline
// (Lambda's), records run under a context that ends margin before it: no
// record starts after that, the record in progress sees its context end, and
// every record not finished by then — started or not, whatever handle
// returned — is reported for retry. Retrying a record that did complete is
// harmless (records are idempotent); deleting one that did not is not. If the
// deadline is already closer than margin, nothing is handled and the whole
// batch is reported. Without a deadline (the local runner) only ctx's own
// cancellation stops the batch.
func ProcessWithin(ctx context.Context, margin time.Duration, ev events.SQSEvent, handle func(context.Context, events.SQSMessage) error) events.SQSEventResponse {
	deadline, cut := ctx.Deadline()
	if cut {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-margin))
		defer cancel()
	}
	var resp events.SQSEventResponse
	failedGroups := map[string]bool{}
	for _, rec := range ev.Records {
		group := rec.Attributes["MessageGroupId"]
		if group != "" && failedGroups[group] {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
			continue
		}
		// With a deadline, a record that ends after the cut-off counts as
		// unfinished: its handler may have given up on the cancelled context.
		if ctx.Err() != nil || handle(ctx, rec) != nil || cut && ctx.Err() != nil {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
			if group != "" {
				failedGroups[group] = true
			}
		}
	}
	return resp
}

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
package sqsbatch

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
)

// Process calls handle for each record in order and returns the records to
// retry. Records without a MessageGroupId (a standard queue) are independent.
// Process only decides what is retried: handle records why a record failed
// (the sync log), since the response has no room for reasons. Records not
// yet started when ctx ends are reported too, so a timeout retries them.
// A panic in handle propagates: Lambda then retries the whole batch, which
// is safe because every record is idempotent by design.
func Process(ctx context.Context, ev events.SQSEvent, handle func(context.Context, events.SQSMessage) error) events.SQSEventResponse {
	var resp events.SQSEventResponse
	failedGroups := map[string]bool{}
	for _, rec := range ev.Records {
		group := rec.Attributes["MessageGroupId"]
		if group != "" && failedGroups[group] {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
			continue
		}
		if ctx.Err() != nil || handle(ctx, rec) != nil {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
			if group != "" {
				failedGroups[group] = true
			}
		}
	}
	return resp
}

// Package syncfn is the sync functions' wiring: one platform's events and
// commands queues, the sync engine and the reconciliation sweep for that
// platform, and the attachment store (S3). Only the sync functions import
// it, so the others link neither S3 nor the queue-batch handler, and a
// sync function links no other platform's package.
package syncfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tandemsync/tandem/pkg/app"
	"github.com/tandemsync/tandem/pkg/budget"
	"github.com/tandemsync/tandem/pkg/filestore"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/queue/sqsbatch"
	"github.com/tandemsync/tandem/pkg/relay"
)

// Deps are a sync function's dependencies: the shared ones, with the
// attachment store, and the platform whose queues it consumes.
type Deps struct {
	*app.Deps
	Kind platform.Kind
}

// Init builds sync-<p.Kind>'s dependencies from the environment, once, at
// cold start. It wires p alone: every message on p's queues calls p's
// platform (an event's organisation, a command's receiver and a sweep's
// side all run p), and the partner's platform is only read by kind from
// its stored settings. An organisation that switched platforms while its
// messages were queued gets an unknown-platform error, retried and then
// recorded as a failure, rather than a write to the wrong platform.
func Init(function string, p platform.Provider) Deps {
	d := app.Init(function, p)
	// Attachments too large for a queue message wait in the bucket.
	if bucket := os.Getenv("TANDEM_FILES_BUCKET"); bucket != "" {
		d.Files = filestore.NewFromConfig(d.AWS, bucket)
	}
	return Deps{d, p.Kind}
}

// SQSHandler is a sync function's handler. An alias, not a defined type, so
// lambda.StartHandlerFunc checks it at compile time.
type SQSHandler = func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error)

// visibility is implemented by queues that can keep a received message
// invisible for longer than their visibility timeout (SQS
// ChangeMessageVisibility).
type visibility interface {
	ChangeVisibility(ctx context.Context, sourceARN, receiptHandle string, d time.Duration) error
}

// holdSpread spreads the return of held messages over the first minutes of
// the new hour, so an organisation's held groups do not all call at once.
const holdSpread = 2 * time.Minute

// holdUntil keeps a message the budget held invisible until the hour it
// waits for, so a long hold costs one receive, not one per visibility
// timeout: those lead to the dead-letter queue after five. Where the queue
// cannot, or the call fails, the message comes back after the visibility
// timeout and is held again.
func (d Deps) holdUntil(ctx context.Context, m events.SQSMessage, until time.Time) {
	q, ok := d.Queue.(visibility)
	if !ok {
		return
	}
	wait := until.Sub(d.Clock.Now()) + rand.N(holdSpread)
	if err := q.ChangeVisibility(ctx, m.EventSourceARN, m.ReceiptHandle, wait); err != nil {
		d.Log.WarnContext(ctx, "held message returns after the visibility timeout", "message_id", m.MessageId, "error", err)
	}
}

// Handler serves functions/sync-<d.Kind>: events from that platform and
// commands for it. Each record is one envelope; failures are reported per
// record, and a record that can never succeed is logged and dropped rather
// than retried into the dead-letter queue.
func (d Deps) Handler() SQSHandler {
	kind := d.Kind
	engine := d.Engine()
	sweeper := d.Sweeper()
	log := d.Log.With("function", "sync-"+string(kind))
	limit := budget.Limit(kind)
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		defer d.FlushCalls(ctx)
		return sqsbatch.Process(ctx, ev, func(ctx context.Context, m events.SQSMessage) error {
			var env relay.Envelope
			if err := json.Unmarshal([]byte(m.Body), &env); err != nil {
				log.ErrorContext(ctx, "unreadable message dropped", "message_id", m.MessageId, "error", err)
				return nil
			}
			if n, err := strconv.Atoi(m.Attributes["ApproximateReceiveCount"]); err == nil {
				ctx = relay.WithReceiveCount(ctx, n)
			}
			// Every envelope's work calls env.Org's platform (a command's
			// Org is its receiver). Near the hourly budget the message goes
			// back to its queue, keeping its group's order, and runs in a
			// later hour: held, not failed, so the engine never sees it and
			// it never becomes a failure record.
			if err := d.Meter.Check(ctx, env.Org, limit); err != nil {
				log.InfoContext(ctx, "message held by the partner API budget", "message_id", m.MessageId, "org_id", env.Org, "receive_count", m.Attributes["ApproximateReceiveCount"], "reason", err.Error())
				var hold *budget.HoldError
				if errors.As(err, &hold) {
					d.holdUntil(ctx, m, hold.Until)
				}
				return fmt.Errorf("message %s: %w", m.MessageId, err)
			}
			var err error
			if env.Sweep != nil {
				err = sweeper.Run(ctx, env.Org, *env.Sweep)
			} else {
				err = engine.Handle(ctx, env)
			}
			if err == nil {
				return nil
			}
			attrs := []any{"message_id", m.MessageId, "org_id", env.Org, "receive_count", m.Attributes["ApproximateReceiveCount"], "error", err}
			if env.Event != nil {
				attrs = append(attrs, "ticket_id", env.Event.TicketID)
			}
			if !relay.Retryable(err) {
				log.ErrorContext(ctx, "message dropped: it cannot succeed", attrs...)
				return nil
			}
			log.Log(ctx, slog.LevelWarn, "message will be retried", attrs...)
			return fmt.Errorf("message %s: %w", m.MessageId, err)
		}), nil
	}
}

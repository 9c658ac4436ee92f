package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tandemsync/tandem/pkg/budget"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/queue/sqsbatch"
	"github.com/tandemsync/tandem/pkg/relay"
)

// SQSHandler is a sync function's handler. An alias, not a defined type, so
// lambda.StartHandlerFunc checks it at compile time.
type SQSHandler = func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error)

// Engine builds the sync engine.
func (d *Deps) Engine() *relay.Engine {
	return relay.NewEngine(relay.Engine{
		Store:     d.Store,
		Conns:     d.syncCache,
		Configs:   d.syncCache,
		Platforms: d.platforms,
		Out:       d.Queue,
		Files:     d.Files,
		Clock:     d.Clock,
		Log:       d.Log,
		// Graph's lifecycle notifications reach the sync function: it
		// renews, recreates and catches up through the installer.
		Subscriptions: d.Installer(),
		Failures:      d.Store,
		Progress:      d.Store,
		Attention:     d.Store,
		Watches:       d.Store,
		// The queues' redrive count (infra: maxReceiveCount 5): the fifth
		// failed try becomes a failure record instead of a dead letter.
		MaxReceives: 5,
	})
}

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
func (d *Deps) holdUntil(ctx context.Context, m events.SQSMessage, until time.Time) {
	q, ok := d.Queue.(visibility)
	if !ok {
		return
	}
	wait := until.Sub(d.Clock.Now()) + rand.N(holdSpread)
	if err := q.ChangeVisibility(ctx, m.EventSourceARN, m.ReceiptHandle, wait); err != nil {
		d.Log.WarnContext(ctx, "held message returns after the visibility timeout", "message_id", m.MessageId, "error", err)
	}
}

// SyncHandler serves functions/sync-<kind>: events from kind's platform and
// commands for it. Each record is one envelope; failures are reported per
// record, and a record that can never succeed is logged and dropped rather
// than retried into the dead-letter queue.
func (d *Deps) SyncHandler(kind platform.Kind) SQSHandler {
	engine := d.Engine()
	sweeper := d.Sweeper()
	log := d.Log.With("function", "sync-"+string(kind))
	limit := budget.Limit(kind)
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		defer d.flushCalls(ctx)
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

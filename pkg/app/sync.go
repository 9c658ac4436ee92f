package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/aws/aws-lambda-go/events"

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
		// The queues' redrive count (infra: maxReceiveCount 5): the fifth
		// failed try becomes a failure record instead of a dead letter.
		MaxReceives: 5,
	})
}

// SyncHandler serves functions/sync-<kind>: events from kind's platform and
// commands for it. Each record is one envelope; failures are reported per
// record, and a record that can never succeed is logged and dropped rather
// than retried into the dead-letter queue.
func (d *Deps) SyncHandler(kind platform.Kind) SQSHandler {
	engine := d.Engine()
	sweeper := d.Sweeper()
	log := d.Log.With("function", "sync-"+string(kind))
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		return sqsbatch.Process(ctx, ev, func(ctx context.Context, m events.SQSMessage) error {
			var env relay.Envelope
			if err := json.Unmarshal([]byte(m.Body), &env); err != nil {
				log.ErrorContext(ctx, "unreadable message dropped", "message_id", m.MessageId, "error", err)
				return nil
			}
			if n, err := strconv.Atoi(m.Attributes["ApproximateReceiveCount"]); err == nil {
				ctx = relay.WithReceiveCount(ctx, n)
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

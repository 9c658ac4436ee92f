package app

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tandemsync/tandem/pkg/sweep"
)

// ScheduleHandler is a scheduled function's handler (an EventBridge
// schedule's event). An alias, so lambda.StartHandlerFunc checks it at
// compile time.
type ScheduleHandler = func(ctx context.Context, ev events.EventBridgeEvent) (SweepsQueued, error)

// SweepsQueued is what a tick of the schedule did.
type SweepsQueued struct {
	Queued int `json:"queued"`
}

// sweepSlack lets a side go on the schedule's tick even when its interval
// ends a little after it: the schedule runs every five minutes.
const sweepSlack = time.Minute

// Sweeper runs a connection side's reconciliation sweep inside that side's
// sync function.
func (d *Deps) Sweeper() *sweep.Sweeper {
	return &sweep.Sweeper{
		Conns: d.Store, Platforms: d.platforms, Links: d.Store, Marks: d.Store, Totals: d.Store, Configs: d.Store, Baselines: d.Installer(), Out: d.Queue,
		Clock: d.Clock, Log: d.Log.With("function", "sweep"),
	}
}

// SweepHandler serves functions/sweep: on each tick of the schedule it
// queues a sweep for every connection side that is due, on that side's
// events queue.
func (d *Deps) SweepHandler() ScheduleHandler {
	s := d.scheduler()
	return func(ctx context.Context, ev events.EventBridgeEvent) (SweepsQueued, error) {
		n, err := s.Tick(ctx)
		d.Log.InfoContext(ctx, "sweeps queued", "function", "sweep", "event_id", ev.ID, "queued", n)
		if err != nil {
			return SweepsQueued{Queued: n}, fmt.Errorf("schedule sweeps: %w", err)
		}
		return SweepsQueued{Queued: n}, nil
	}
}

func (d *Deps) scheduler() *sweep.Scheduler {
	return &sweep.Scheduler{
		Conns: d.Store, Kinds: d.platforms, Configs: d.Store, Marks: d.Store, Out: d.Queue,
		Clock: d.Clock, Log: d.Log.With("function", "sweep"), Slack: sweepSlack,
	}
}

// SweepNow queues a sweep of every side of every active connection at
// once, due or not (the local runner's "sweep now").
func (d *Deps) SweepNow(ctx context.Context) (int, error) { return d.scheduler().Now(ctx) }

package sweep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/queue"
	"github.com/tandemsync/tandem/pkg/relay"
)

// ActiveConnections lists every active connection.
type ActiveConnections interface {
	ActiveConnections(ctx context.Context) ([]connection.Connection, error)
}

// Kinds tells which platform an organisation runs.
type Kinds interface {
	Kind(ctx context.Context, org string) (platform.Kind, error)
}

// Scheduler runs on the schedule (every few minutes) and queues a sweep
// for each connection side whose interval has passed.
type Scheduler struct {
	Conns   ActiveConnections
	Kinds   Kinds
	Configs relay.Configs
	Marks   Marks
	Out     relay.Sender
	Clock   clock.Clock
	Log     *slog.Logger
	// Slack lets a side whose interval ends just after a tick go on that
	// tick rather than one tick late (the schedule is not exact).
	Slack time.Duration
}

// Tick queues the sweeps that are due and returns how many. A side that
// cannot be scheduled is logged and the others still go; the error joins
// what failed.
func (s *Scheduler) Tick(ctx context.Context) (int, error) {
	return s.each(ctx, false)
}

// Now queues a sweep of every side of every active connection, due or
// not: the local runner's and the tests' way to run one at once.
func (s *Scheduler) Now(ctx context.Context) (int, error) {
	return s.each(ctx, true)
}

func (s *Scheduler) each(ctx context.Context, all bool) (int, error) {
	conns, err := s.Conns.ActiveConnections(ctx)
	if err != nil {
		return 0, fmt.Errorf("list active connections: %w", err)
	}
	now := s.Clock.Now()
	queued := 0
	var errs []error
	for _, c := range conns {
		for _, org := range []string{c.CreatorOrg, c.AcceptorOrg} {
			due, err := s.queue(ctx, c, org, now, all)
			if err != nil {
				s.Log.ErrorContext(ctx, "sweep not scheduled", "connection_id", c.ID, "org_id", org, "error", err)
				errs = append(errs, err)
			}
			if due {
				queued++
			}
		}
	}
	return queued, errors.Join(errs...)
}

func (s *Scheduler) queue(ctx context.Context, c connection.Connection, org string, now time.Time, all bool) (bool, error) {
	// A tick's sweeps are named by its minute, so a repeated tick is
	// dropped by the queue; an immediate sweep by its instant.
	at := now
	if !all {
		at = now.Truncate(time.Minute)
		cfg, err := s.Configs.GetConfig(ctx, c.ID, org)
		if err != nil {
			return false, err
		}
		mark, err := s.Marks.Mark(ctx, c.ID, org)
		if err != nil {
			return false, err
		}
		if mark.LastRun.Add(Interval(cfg.SweepMinutes) - s.Slack).After(now) {
			return false, nil
		}
	}
	kind, err := s.Kinds.Kind(ctx, org)
	if err != nil {
		return false, fmt.Errorf("platform of %s: %w", org, err)
	}
	body, err := json.Marshal(relay.Envelope{Org: org, Sweep: &relay.Sweep{ConnectionID: c.ID, At: at}})
	if err != nil {
		return false, fmt.Errorf("encode sweep: %w", err)
	}
	msg := queue.Message{Group: queue.GroupID(org, "sweep", c.ID), DedupID: queue.DedupID("sweep", c.ID, org, at.Format(time.RFC3339Nano)), Body: body}
	if err := s.Out.Send(ctx, relay.EventsQueue(kind), msg); err != nil {
		return false, fmt.Errorf("queue sweep of %s: %w", c.ID, err)
	}
	return true, nil
}

// Interval is a side's sweep interval from its configured minutes (0: the
// default).
func Interval(minutes int) time.Duration {
	if minutes <= 0 {
		return DefaultInterval
	}
	return time.Duration(minutes) * time.Minute
}

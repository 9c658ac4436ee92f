package webhook

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/tandemsync/tandem/pkg/relay"
)

// EchoWatches is the engine's stopped-webhook watches that also mark, on
// the organisation's webhook endpoints, which of them are open
// (Endpoint.Watched). The engine clears a watch, and the report it led
// to, on any delivery from the side, echoes of Tandem's own writes
// included; the receiver reads the mark with the endpoint it reads anyway
// and queues echoes while any watch is open, so a side whose only
// deliveries are echoes still clears its report. A mark costs a write when
// a watch opens or closes, never one per delivery.
type EchoWatches struct {
	relay.Watches
	Endpoints Store
	Log       *slog.Logger
}

var _ relay.Watches = EchoWatches{}

// NoteMissed marks the endpoints before the watch is noted, so no watch is
// ever open while the receiver drops the echoes that would clear it.
func (w EchoWatches) NoteMissed(ctx context.Context, connID, org string, at time.Time) (relay.Watch, error) {
	if err := w.mark(ctx, org, connID, true); err != nil {
		return relay.Watch{}, err
	}
	return w.Watches.NoteMissed(ctx, connID, org, at)
}

// DeleteWatch unmarks the endpoints, then deletes the watch; if that
// fails the mark is put back, so echoes still go through to clear it.
func (w EchoWatches) DeleteWatch(ctx context.Context, connID, org string) error {
	if err := w.mark(ctx, org, connID, false); err != nil {
		return err
	}
	if err := w.Watches.DeleteWatch(ctx, connID, org); err != nil {
		if merr := w.mark(ctx, org, connID, true); merr != nil {
			w.logger().ErrorContext(ctx, "webhook watch mark not restored; echoes go unqueued until the next missed change",
				"connection_id", connID, "org_id", org, "error", merr)
		}
		return err
	}
	return nil
}

// mark adds connID to (open) or removes it from Watched on each of org's
// endpoints. An endpoint of a subscription that expires is left alone: the
// renewal rewrites it, and its platform (Microsoft Graph) names no actor,
// so it never drops an echo.
func (w EchoWatches) mark(ctx context.Context, org, connID string, open bool) error {
	eps, err := w.Endpoints.EndpointsOf(ctx, org)
	if err != nil {
		return fmt.Errorf("mark webhook watch of %s: %w", org, err)
	}
	for _, ep := range eps {
		if !ep.ExpiresAt.IsZero() || slices.Contains(ep.Watched, connID) == open {
			continue
		}
		if open {
			ep.Watched = append(slices.Clone(ep.Watched), connID)
		} else {
			ep.Watched = slices.DeleteFunc(slices.Clone(ep.Watched), func(c string) bool { return c == connID })
		}
		if err := w.Endpoints.PutEndpoint(ctx, ep); err != nil {
			return fmt.Errorf("mark webhook watch of %s on endpoint %s: %w", org, ep.ID, err)
		}
	}
	return nil
}

func (w EchoWatches) logger() *slog.Logger {
	if w.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return w.Log
}

package relay

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tandemsync/tandem/pkg/integration"
)

// Failure is a command that will not succeed by itself: the receiving
// platform refused it for good, or it kept failing until its queue would
// have parked it in the dead-letter queue. It holds its ticket's later
// commands to the same side, in order, until the organisation whose
// platform refused retries or skips it; other tickets keep syncing.
type Failure struct {
	ID           string    `json:"id"`
	ConnectionID string    `json:"connectionId"`
	Ticket       string    `json:"ticket"` // the link key
	Org          string    `json:"org"`    // whose platform refused: the one who may retry or skip
	FromOrg      string    `json:"fromOrg"`
	What         string    `json:"what"`
	Reason       string    `json:"reason"`
	At           time.Time `json:"at"`
	// Held counts the commands held behind the failure.
	Held    int     `json:"held"`
	Command Command `json:"command"`
}

// ErrNoFailure: no such failure on the connection (or it was resolved).
var ErrNoFailure = errors.New("no such failure")

// Failures keeps failure records and the commands held behind them.
type Failures interface {
	// AddFailure stores f unless a failure with its id exists.
	AddFailure(ctx context.Context, f Failure) error
	Failure(ctx context.Context, connID, id string) (Failure, error)
	// Failures lists a connection's open failures, oldest first.
	Failures(ctx context.Context, connID string) ([]Failure, error)
	// Hold appends cmd to the commands held behind a failure.
	Hold(ctx context.Context, connID, failureID string, cmd Command) error
	// Held lists them in the order they were held.
	Held(ctx context.Context, connID, failureID string) ([]Command, error)
	// DeleteFailure removes a failure and what it held.
	DeleteFailure(ctx context.Context, connID, id string) error
}

// Release asks the receiving side's sync function to resolve a failure:
// retry applies the failed command, then the held ones, in order; skip
// drops the failed command and applies the held ones. It travels in the
// ticket's own message group, so it is ordered with the ticket's commands.
type Release struct {
	ConnectionID string `json:"connectionId"`
	FailureID    string `json:"failureId"`
	Skip         bool   `json:"skip,omitempty"`
}

// held is a command that waits behind a failure of its ticket.
type held struct{ failure string }

func (h *held) Error() string { return "held behind failure " + h.failure }

type releasingKey struct{}

// releasing reports whether ctx is resolving failure id, whose held
// commands then go through.
func releasing(ctx context.Context, id string) bool {
	v, _ := ctx.Value(releasingKey{}).(string)
	return v != "" && v == id
}

// failureID is the id of cmd's failure record: fixed by the command and
// the failure being released, if any, so a redelivery records the same
// failure again (a no-op) and the same command failing again during its
// retry is a new one.
func failureID(ctx context.Context, cmd Command) string {
	prev, _ := ctx.Value(releasingKey{}).(string)
	return "fail_" + commandID("failure", cmd.ID, prev)[:20]
}

// fail records cmd's failure and blocks its ticket's later commands to the
// same side behind it.
func (e *Engine) fail(ctx context.Context, cmd Command, target, reason string) error {
	f := Failure{
		ID:           failureID(ctx, cmd),
		ConnectionID: cmd.ConnectionID, Ticket: cmd.LinkKey, Org: cmd.ToOrg, FromOrg: cmd.FromOrg,
		What: describe(cmd.Do), Reason: reason, At: e.Clock.Now(), Command: cmd,
	}
	if cmd.Do.Op == integration.OpCreateTicket {
		e.count(ctx, cmd.ConnectionID, cmd.SyncRun, ProgressFailed)
	}
	if err := e.Failures.AddFailure(ctx, f); err != nil {
		return fmt.Errorf("record failure of %s: %w", cmd.LinkKey, err)
	}
	if _, err := e.editLink(ctx, cmd, func(s *Side) error { s.Blocked = f.ID; return nil }); err != nil {
		return fmt.Errorf("hold %s behind %s: %w", cmd.LinkKey, f.ID, err)
	}
	e.logEntry(ctx, LogEntry{ConnectionID: cmd.ConnectionID, Outcome: Failed, Org: cmd.ToOrg, Ticket: cmd.LinkKey, TargetTicket: target, What: f.What, Reason: reason})
	return nil
}

// release resolves a failure (Release).
func (e *Engine) release(ctx context.Context, r Release) error {
	if e.Failures == nil {
		return fmt.Errorf("%w: failures are not recorded here", ErrPermanent)
	}
	f, err := e.Failures.Failure(ctx, r.ConnectionID, r.FailureID)
	if errors.Is(err, ErrNoFailure) {
		return nil // resolved by an earlier delivery of this release
	}
	if err != nil {
		return err
	}
	cmds, err := e.Failures.Held(ctx, f.ConnectionID, f.ID)
	if err != nil {
		return err
	}
	ctx = context.WithValue(ctx, releasingKey{}, f.ID)
	if r.Skip {
		if f.Command.Do.Op == integration.OpCreateTicket {
			// No partner ticket will come: what would follow it is skipped.
			if _, err := e.editLink(ctx, f.Command, func(s *Side) error { s.Refused = f.Reason; return nil }); err != nil {
				return err
			}
		}
		if err := e.Store.MarkDone(ctx, f.Command.ID, e.Clock.Now().Add(e.LedgerTTL)); err != nil {
			return err
		}
		e.logEntry(ctx, LogEntry{ConnectionID: f.ConnectionID, Outcome: Skipped, Org: f.Org, Ticket: f.Ticket, What: f.What, Reason: "skipped after failing: " + f.Reason})
		if transition(f.Command.Do) {
			if err := e.clearRefused(ctx, f.Command); err != nil {
				return err
			}
		}
	} else {
		cmds = append([]Command{f.Command}, cmds...)
	}
	// In order; a command that fails for good again becomes a new failure
	// and the rest are held behind it (the link then names that one).
	for _, c := range cmds {
		if err := e.HandleCommand(ctx, c); err != nil {
			return err
		}
	}
	if _, err := e.editLink(ctx, f.Command, func(s *Side) error {
		if s.Blocked == f.ID {
			s.Blocked = ""
		}
		return nil
	}); err != nil {
		return err
	}
	return e.Failures.DeleteFailure(ctx, f.ConnectionID, f.ID)
}

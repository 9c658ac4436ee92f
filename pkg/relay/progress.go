package relay

import (
	"context"
	"errors"
	"time"
)

// Event fields that mark an event of an initial sync (Sweep.Since): the
// run, and the connection it is for.
const (
	FieldSyncRun        = "initialSync"
	FieldSyncConnection = "connection"
)

// SyncProgress is how far a connection's initial sync has come: Total
// tickets changed on the source since the start date, Done of them
// handled (escalated, or left home by the escalation rule, or already
// linked), and of the partner tickets, Matched (found by marker),
// Created, and Failed (refused).
type SyncProgress struct {
	Run       string    `json:"run"`
	Since     time.Time `json:"since"`
	StartedAt time.Time `json:"startedAt"`
	Listed    bool      `json:"listed"` // Total is known: the source's tickets were listed
	Total     int       `json:"total"`
	Done      int       `json:"done"`
	Matched   int       `json:"matched"`
	Created   int       `json:"created"`
	Failed    int       `json:"failed"`
}

// ProgressField is one counter of SyncProgress.
type ProgressField string

const (
	ProgressDone    ProgressField = "done"
	ProgressMatched ProgressField = "matched"
	ProgressCreated ProgressField = "created"
	ProgressFailed  ProgressField = "failed"
)

// ErrNoSync: the connection never had an initial sync.
var ErrNoSync = errors.New("no initial sync")

// Progress counts an initial sync's progress.
type Progress interface {
	// CountSync adds one to field, if run is still the connection's
	// latest initial sync.
	CountSync(ctx context.Context, connID, run string, field ProgressField) error
}

func (e *Engine) count(ctx context.Context, connID, run string, f ProgressField) {
	if e.Progress == nil || run == "" {
		return
	}
	if err := e.Progress.CountSync(ctx, connID, run, f); err != nil {
		e.Log.WarnContext(ctx, "initial sync progress not counted", "connection_id", connID, "field", string(f), "error", err)
	}
}

// mark makes cmds part of the state's initial sync on connection connID,
// if it is one.
func (s *sourceState) mark(connID string, cmds []Command) {
	if s.syncRun == "" || s.syncConn != connID {
		return
	}
	for i := range cmds {
		cmds[i].Match, cmds[i].SyncRun = true, s.syncRun
	}
}

// Marker is the marker the partner ticket of a source ticket carries on a
// connection (platform.Ticket.Ref): a partner ticket that already has it
// is matched by an initial sync instead of created again.
func Marker(connID, sourceOrg, sourceTicketID string) string {
	return createRef(connID, sourceOrg+"#"+sourceTicketID)
}

package relay

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Direction is which way a change went, seen from one organisation:
// Inbound changes were written to its own platform, Outbound ones to its
// partner's.
type Direction string

const (
	Inbound  Direction = "inbound"
	Outbound Direction = "outbound"
)

// DirectionFor is the direction of e as org sees it.
func DirectionFor(e LogEntry, org string) Direction {
	if e.Org == org {
		return Inbound
	}
	return Outbound
}

// LogQuery selects sync log entries. Every set criterion must match.
type LogQuery struct {
	// Ticket is a link key or either side's ticket id (LogMatches).
	Ticket  string
	Outcome Outcome
	// Direction is relative to Viewer, the organisation reading the log.
	Direction Direction
	Viewer    string
	// From (inclusive) and To (exclusive) bound the entries' time.
	From, To time.Time
	// Before continues a listing: only entries older than this position
	// (a LogEntry.Position the same store returned).
	Before string
	// Limit is the page size; at most one more entry is read to learn
	// whether there is a next page.
	Limit int
}

// Matches reports whether e meets the criteria the store does not apply
// through its index (all but the period and the position).
func (q LogQuery) Matches(e LogEntry) bool {
	switch {
	case !LogMatches(e, q.Ticket):
		return false
	case q.Outcome != "" && e.Outcome != q.Outcome:
		return false
	case q.Direction != "" && DirectionFor(e, q.Viewer) != q.Direction:
		return false
	}
	return true
}

// LogPage is one page of a listing, newest first. Next is the position to
// pass as LogQuery.Before for the following page; empty on the last page.
type LogPage struct {
	Entries []LogEntry
	Next    string
}

// LogReader reads one connection's sync log.
type LogReader interface {
	// QueryLog returns the entries of connID that q selects, newest first,
	// at most q.Limit+1 of them, each with its Position set.
	QueryLog(ctx context.Context, connID string, q LogQuery) ([]LogEntry, error)
}

// ReadLog lists the entries of one or more connections that q selects,
// newest first, one page at a time. Positions sort the same way across
// connections, so one position continues a merged listing.
func ReadLog(ctx context.Context, r LogReader, connIDs []string, q LogQuery) (LogPage, error) {
	if q.Limit < 1 {
		return LogPage{}, fmt.Errorf("read sync log: limit %d is not positive", q.Limit)
	}
	var all []LogEntry
	for _, id := range connIDs {
		entries, err := r.QueryLog(ctx, id, q)
		if err != nil {
			return LogPage{}, err
		}
		all = append(all, entries...)
	}
	slices.SortFunc(all, func(a, b LogEntry) int { return strings.Compare(b.Position, a.Position) })
	page := LogPage{Entries: all}
	if len(all) > q.Limit {
		page.Entries = all[:q.Limit]
		page.Next = page.Entries[q.Limit-1].Position
	}
	if page.Entries == nil {
		page.Entries = []LogEntry{}
	}
	return page, nil
}

// LogPosition is the position of an entry written at t: fixed-width
// nanoseconds sort lexically in time order, and unique breaks ties between
// entries of the same instant.
func LogPosition(t time.Time, unique string) string {
	return fmt.Sprintf("%020d#%s", t.UnixNano(), unique)
}

// PeriodBounds turns a query's period into the position range it covers:
// lo inclusive and hi exclusive; empty when unbounded.
func PeriodBounds(q LogQuery) (lo, hi string) {
	if !q.From.IsZero() {
		lo = fmt.Sprintf("%020d#", q.From.UnixNano())
	}
	if !q.To.IsZero() {
		hi = fmt.Sprintf("%020d#", q.To.UnixNano())
	}
	if q.Before != "" && (hi == "" || q.Before < hi) {
		hi = q.Before
	}
	return lo, hi
}

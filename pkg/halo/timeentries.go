package halo

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"

	"github.com/tandemsync/tandem/pkg/platform"
)

// timedAction is an action read for the time worked on it: timetaken in
// hours, between actionarrivaldate and actioncompletiondate (the Halo
// OpenAPI's Actions model).
type timedAction struct {
	action
	TimeTaken      float64 `json:"timetaken"`
	ArrivalDate    string  `json:"actionarrivaldate"`
	CompletionDate string  `json:"actioncompletiondate"`
}

// ListTimeEntries returns the ticket's actions with time taken, as time
// entries credited to the action's agent. Halo's time rides on actions, so
// it arrives with the action's own webhook; the action's note is the
// entry's note.
func (c *Client) ListTimeEntries(ctx context.Context, ticketID string) ([]platform.TimeEntry, error) {
	tid, err := recordID("ticket", ticketID)
	if err != nil {
		return nil, fmt.Errorf("list time entries of ticket %s: %w", ticketID, err)
	}
	q := url.Values{"ticket_id": {tid}, "excludesys": {"true"}}
	var raw json.RawMessage
	if err := c.call(ctx, http.MethodGet, "/Actions", q, nil, &raw, "read the actions of ticket "+tid); err != nil {
		return nil, fmt.Errorf("list time entries of ticket %s: %w", ticketID, err)
	}
	actions, err := decodeList[timedAction](raw, "actions")
	if err != nil {
		return nil, fmt.Errorf("list time entries of ticket %s: %w", ticketID, unreadable("read actions", err))
	}
	var out []platform.TimeEntry
	for _, a := range actions {
		minutes := int(math.Round(a.TimeTaken * 60))
		if minutes <= 0 {
			continue
		}
		n := a.note(tid)
		t := platform.TimeEntry{ID: n.ID, TicketID: tid, Minutes: minutes, Note: n.Body, WorkerID: n.AuthorID, WorkerName: n.AuthorName}
		if s, ok := parseTime(a.ArrivalDate); ok {
			t.Start = &s
		}
		if e, ok := parseTime(a.CompletionDate); ok && t.Start != nil && e.After(*t.Start) {
			t.End = &e
		}
		out = append(out, t)
	}
	return out, nil
}

package halo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// action is a Halo action: the fields Tandem reads.
type action struct {
	ID              haloID   `json:"id"`
	TicketID        haloID   `json:"ticket_id"`
	OutcomeID       haloID   `json:"outcome_id"`
	Outcome         string   `json:"outcome"`
	Note            string   `json:"note"`
	NoteHTML        string   `json:"note_html"`
	HiddenFromUser  flexBool `json:"hiddenfromuser"`
	WhoAgentID      haloID   `json:"who_agentid"`
	Who             string   `json:"who"`
	ActionByAgentID haloID   `json:"actionby_agent_id"`
	DateTime        string   `json:"datetime"`
	DateCreated     string   `json:"actiondatecreated"`
}

// actor is the agent who made the action; who_agentid is what Halo fills on
// reads, actionby_agent_id what it takes on writes.
func (a action) actor() string {
	if a.WhoAgentID.positive() {
		return string(a.WhoAgentID)
	}
	return optional(a.ActionByAgentID)
}

func (a action) note(ticketID string) platform.Note {
	n := platform.Note{
		ID:       string(a.ID),
		TicketID: ticketID,
		Kind:     optional(a.OutcomeID),
		Title:    a.Outcome,
		Body:     a.Note,
		Public:   !bool(a.HiddenFromUser),
		AuthorID: a.actor(),
		// who is the name Halo shows on the action (testdata/actions-list.json).
		AuthorName: a.Who,
	}
	if n.Body == "" {
		n.Body = a.NoteHTML
	}
	if t, ok := parseTime(a.DateTime); ok {
		n.CreatedAt = t
	} else if t, ok := parseTime(a.DateCreated); ok {
		n.CreatedAt = t
	}
	return n
}

// AddNote adds an action to the ticket. Kind is the Halo action (outcome) id
// and is required: Halo validates it against the ticket's workflow. A
// private note is an action hidden from the end user.
func (c *Client) AddNote(ctx context.Context, ticketID string, n platform.Note) (platform.Note, error) {
	tid, err := recordID("ticket", ticketID)
	if err != nil {
		return platform.Note{}, fmt.Errorf("add note to ticket %s: %w", ticketID, err)
	}
	body := map[string]any{
		"ticket_id":      json.Number(tid),
		"note":           n.Body,
		"hiddenfromuser": !n.Public,
	}
	if n.Kind == "" {
		return platform.Note{}, fmt.Errorf("add note to ticket %s: %w", ticketID,
			invalid("choose the Halo action to add notes with (Configuration > Tickets > Actions)"))
	}
	if err := setID(body, "outcome_id", n.Kind, "action"); err != nil {
		return platform.Note{}, fmt.Errorf("add note to ticket %s: %w", ticketID, err)
	}
	// A mapped author: the action shows as done by that agent, as a synced
	// action does between two Halo instances.
	if n.AuthorID != "" {
		if err := setID(body, "actionby_agent_id", n.AuthorID, "agent"); err != nil {
			return platform.Note{}, fmt.Errorf("add note to ticket %s: %w", ticketID, err)
		}
	}
	var raw json.RawMessage
	if err := c.call(egress.NotIdempotent(ctx), http.MethodPost, "/Actions", nil, []any{body}, &raw, "add an action to ticket "+tid); err != nil {
		return platform.Note{}, fmt.Errorf("add note to ticket %s: %w", ticketID, err)
	}
	var a action
	if err := decodeOne(raw, &a); err != nil || a.ID == "" {
		return platform.Note{}, fmt.Errorf("add note to ticket %s: %w", ticketID, unreadable("add an action", err))
	}
	return a.note(tid), nil
}

// ListNotes returns the ticket's actions created at or after since, oldest
// first, without Halo's system actions (status changes, SLA holds).
func (c *Client) ListNotes(ctx context.Context, ticketID string, since time.Time) ([]platform.Note, error) {
	tid, err := recordID("ticket", ticketID)
	if err != nil {
		return nil, fmt.Errorf("list notes of ticket %s: %w", ticketID, err)
	}
	q := url.Values{"ticket_id": {tid}, "excludesys": {"true"}}
	var raw json.RawMessage
	if err := c.call(ctx, http.MethodGet, "/Actions", q, nil, &raw, "read the actions of ticket "+tid); err != nil {
		return nil, fmt.Errorf("list notes of ticket %s: %w", ticketID, err)
	}
	actions, err := decodeList[action](raw, "actions")
	if err != nil {
		return nil, fmt.Errorf("list notes of ticket %s: %w", ticketID, unreadable("read actions", err))
	}
	var out []platform.Note
	for _, a := range actions {
		n := a.note(tid)
		if !since.IsZero() && n.CreatedAt.Before(since) {
			continue
		}
		out = append(out, n)
	}
	slices.SortStableFunc(out, func(a, b platform.Note) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return compareIDs(a.ID, b.ID)
	})
	return out, nil
}

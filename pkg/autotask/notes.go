package autotask

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// Note publish values (TicketNotes.publish picklist). Notes published to All
// Autotask Users are visible to customers; internal ones never are.
const (
	publishAll      = 1
	publishInternal = 2
)

// defaultNoteType is the system "Task Notes" type, used when the mapping
// names none.
const defaultNoteType = "3"

// Field limits from TicketNotes entityInformation.
const (
	maxNoteDescription = 32000
	maxNoteTitle       = 250
)

type noteWire struct {
	ID                int64       `json:"id"`
	TicketID          int64       `json:"ticketID"`
	Title             string      `json:"title"`
	Description       string      `json:"description"`
	NoteType          json.Number `json:"noteType"`
	Publish           json.Number `json:"publish"`
	CreateDateTime    string      `json:"createDateTime"`
	CreatorResourceID json.Number `json:"creatorResourceID"`
}

func (w noteWire) toPlatform() platform.Note {
	n := platform.Note{
		ID:       strconv.FormatInt(w.ID, 10),
		TicketID: strconv.FormatInt(w.TicketID, 10),
		Kind:     w.NoteType.String(),
		Title:    w.Title,
		Body:     w.Description,
		Public:   w.Publish.String() == strconv.Itoa(publishAll),
		AuthorID: w.CreatorResourceID.String(),
	}
	if t, ok := parseTime(w.CreateDateTime); ok {
		n.CreatedAt = t
	}
	return n
}

// AddNote creates a ticket note. Autotask's API writes plain text only; a
// public note is published to All Autotask Users, a private one to the
// Internal Project Team. Some ticket categories require a title, so an empty
// one is taken from the first line of the body.
func (c *Client) AddNote(ctx context.Context, ticketID string, n platform.Note) (platform.Note, error) {
	tid, err := c.parseID("ticket", ticketID)
	if err != nil {
		return platform.Note{}, err
	}
	if n.Body == "" {
		return platform.Note{}, c.newError(platform.ReasonInvalid, 0, "an Autotask note needs a body", nil)
	}
	if utf8.RuneCountInString(n.Body) > maxNoteDescription {
		return platform.Note{}, c.newError(platform.ReasonInvalid, 0, fmt.Sprintf("the note is longer than Autotask's limit of %d characters", maxNoteDescription), nil)
	}
	kind := n.Kind
	if kind == "" {
		kind = defaultNoteType
	}
	noteType, err := c.picklistValue("noteType", kind)
	if err != nil {
		return platform.Note{}, err
	}
	title := n.Title
	if title == "" {
		title, _, _ = strings.Cut(strings.TrimSpace(n.Body), "\n")
	}
	publish := publishInternal
	if n.Public {
		publish = publishAll
	}
	body := map[string]any{
		"ticketID":    tid,
		"title":       clip(strings.TrimSpace(title), maxNoteTitle),
		"description": n.Body,
		"noteType":    noteType,
		"publish":     publish,
	}
	var res struct {
		ItemID int64 `json:"itemId"`
	}
	if err := c.call(egress.NotIdempotent(ctx), http.MethodPost, "Tickets/"+strconv.FormatInt(tid, 10)+"/Notes", body, &res); err != nil {
		return platform.Note{}, fmt.Errorf("add note to ticket %s: %w", ticketID, err)
	}
	// The create answers only the new id; the note is what was sent. Not
	// reading it back keeps a synced note at one API call, which matters
	// under Autotask's hourly threshold.
	return platform.Note{
		ID: strconv.FormatInt(res.ItemID, 10), TicketID: strconv.FormatInt(tid, 10), Kind: kind,
		Title: body["title"].(string), Body: n.Body, Public: n.Public, CreatedAt: time.Now().UTC(),
	}, nil
}

// ListNotes queries the ticket's notes created at or after since, following
// nextPageUrl until the last page.
func (c *Client) ListNotes(ctx context.Context, ticketID string, since time.Time) ([]platform.Note, error) {
	tid, err := c.parseID("ticket", ticketID)
	if err != nil {
		return nil, err
	}
	filter := []map[string]any{{"op": "eq", "field": "ticketID", "value": tid}}
	if !since.IsZero() {
		filter = append(filter, map[string]any{"op": "gte", "field": "createDateTime", "value": formatTime(since)})
	}
	var notes []platform.Note
	err = c.walk(ctx, http.MethodPost, "TicketNotes/query", map[string]any{"filter": filter, "MaxRecords": 500}, func(raw json.RawMessage) error {
		var w noteWire
		if err := json.Unmarshal(raw, &w); err != nil {
			return err
		}
		notes = append(notes, w.toPlatform())
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list notes of ticket %s: %w", ticketID, err)
	}
	slices.SortStableFunc(notes, func(a, b platform.Note) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		ai, _ := strconv.ParseInt(a.ID, 10, 64)
		bi, _ := strconv.ParseInt(b.ID, 10, 64)
		return cmp.Compare(ai, bi)
	})
	return notes, nil
}

// maxPages stops a server that keeps handing out next pages.
const maxPages = 1000

// walk reads the first page with method (POST for a query, GET for a child
// collection) and GETs each pageDetails.nextPageUrl after it.
func (c *Client) walk(ctx context.Context, method, path string, body any, each func(json.RawMessage) error) error {
	target, in := path, body
	for range maxPages {
		var page struct {
			Items       []json.RawMessage `json:"items"`
			PageDetails struct {
				NextPageURL *string `json:"nextPageUrl"`
			} `json:"pageDetails"`
		}
		if err := c.call(ctx, method, target, in, &page); err != nil {
			return err
		}
		for _, raw := range page.Items {
			if err := each(raw); err != nil {
				return c.newError(platform.ReasonServer, http.StatusOK, "Autotask sent an item that could not be read", err)
			}
		}
		next := page.PageDetails.NextPageURL
		if next == nil || *next == "" {
			return nil
		}
		method, target, in = http.MethodGet, *next, nil
	}
	return c.newError(platform.ReasonServer, 0, fmt.Sprintf("Autotask returned more than %d pages", maxPages), nil)
}

// clip shortens s to at most n characters without splitting a rune.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

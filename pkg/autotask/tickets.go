package autotask

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// statusComplete is Autotask's system "Complete" status.
const statusComplete = "5"

// statusNew is Autotask's system "New" status, used when a ticket is created
// without one because Autotask requires a status.
const statusNew = "1"

// defaultDue is how far out a created ticket is due when the source ticket
// has no target date: Autotask requires dueDateTime.
const defaultDue = 24 * time.Hour

type udf struct {
	Name  string  `json:"name"`
	Value *string `json:"value"`
}

// ticketWire is the subset of the Tickets entity Tandem maps. Picklist values
// are numbers on the wire; json.Number keeps them as text.
type ticketWire struct {
	ID                int64       `json:"id"`
	TicketNumber      string      `json:"ticketNumber"`
	Title             string      `json:"title"`
	Description       string      `json:"description"`
	Status            json.Number `json:"status"`
	Priority          json.Number `json:"priority"`
	QueueID           json.Number `json:"queueID"`
	TicketType        json.Number `json:"ticketType"`
	TicketCategory    json.Number `json:"ticketCategory"`
	DueDateTime       string      `json:"dueDateTime"`
	CreateDate        string      `json:"createDate"`
	LastActivityDate  string      `json:"lastActivityDate"`
	CompletedDate     string      `json:"completedDate"`
	ExternalID        string      `json:"externalID"`
	UserDefinedFields []udf       `json:"userDefinedFields"`
}

func (w ticketWire) toPlatform() platform.Ticket {
	t := platform.Ticket{
		ID:          strconv.FormatInt(w.ID, 10),
		Number:      w.TicketNumber,
		Summary:     w.Title,
		Description: w.Description,
		Status:      w.Status.String(),
		Priority:    w.Priority.String(),
		Queue:       w.QueueID.String(),
		Type:        w.TicketType.String(),
		Category:    w.TicketCategory.String(),
		TargetDate:  parseTimePtr(w.DueDateTime),
		Closed:      w.Status.String() == statusComplete || w.CompletedDate != "",
		Ref:         w.ExternalID,
	}
	if p := parseTimePtr(w.LastActivityDate); p != nil {
		t.UpdatedAt = *p
	} else if p := parseTimePtr(w.CreateDate); p != nil {
		t.UpdatedAt = *p
	}
	for _, f := range w.UserDefinedFields {
		if f.Value == nil {
			continue
		}
		if t.Custom == nil {
			t.Custom = map[string]string{}
		}
		t.Custom[f.Name] = *f.Value
	}
	return t
}

// Autotask writes UTC times with or without fractional seconds and,
// depending on the entity, with or without the zone designator.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"}

func parseTime(s string) (time.Time, bool) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func parseTimePtr(s string) *time.Time {
	if t, ok := parseTime(s); ok {
		return &t
	}
	return nil
}

func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// GetTicket reads one ticket. Autotask answers a missing id with a null item,
// which is reported as not_found.
func (c *Client) GetTicket(ctx context.Context, id string) (platform.Ticket, error) {
	n, err := c.parseID("ticket", id)
	if err != nil {
		return platform.Ticket{}, err
	}
	var out struct {
		Item *ticketWire `json:"item"`
	}
	if err := c.call(ctx, http.MethodGet, "Tickets/"+strconv.FormatInt(n, 10), nil, &out); err != nil {
		return platform.Ticket{}, fmt.Errorf("get ticket %s: %w", id, err)
	}
	if out.Item == nil {
		return platform.Ticket{}, c.newError(platform.ReasonNotFound, http.StatusOK, "Autotask has no ticket "+id+".", nil)
	}
	return out.Item.toPlatform(), nil
}

// CreateTicket creates a ticket in the configured company and reads it back,
// so the result carries the number and defaults Autotask assigned.
func (c *Client) CreateTicket(ctx context.Context, t platform.Ticket) (platform.Ticket, error) {
	company := c.companyID
	if t.Account != "" {
		n, err := c.parseID("company", t.Account)
		if err != nil {
			return platform.Ticket{}, fmt.Errorf("create ticket: %w", err)
		}
		company = n
	}
	body := map[string]any{
		"companyID":   company,
		"title":       t.Summary,
		"description": t.Description,
	}
	status := t.Status
	if status == "" {
		status = statusNew
	}
	due := time.Now().Add(defaultDue)
	if t.TargetDate != nil {
		due = *t.TargetDate
	}
	body["dueDateTime"] = formatTime(due)
	for key, v := range map[string]string{"status": status, "priority": t.Priority, "queueID": t.Queue, "ticketType": t.Type, "ticketCategory": t.Category} {
		if v == "" {
			continue
		}
		n, err := c.picklistValue(key, v)
		if err != nil {
			return platform.Ticket{}, err
		}
		body[key] = n
	}
	if len(t.Custom) > 0 {
		body["userDefinedFields"] = udfs(t.Custom)
	}
	if t.Ref != "" {
		body["externalID"] = t.Ref
	}
	var res struct {
		ItemID int64 `json:"itemId"`
	}
	if err := c.call(egress.NotIdempotent(ctx), http.MethodPost, "Tickets", body, &res); err != nil {
		return platform.Ticket{}, fmt.Errorf("create ticket: %w", err)
	}
	return c.GetTicket(ctx, strconv.FormatInt(res.ItemID, 10))
}

// FindTicket finds the ticket a create marked with ref, kept in the
// Tickets entity's externalID ("the ID of the ticket in an external
// system", 50 characters, queryable), so a create whose answer was lost is
// adopted rather than repeated.
func (c *Client) FindTicket(ctx context.Context, ref string) (platform.Ticket, bool, error) {
	q := map[string]any{"filter": []map[string]any{{"op": "eq", "field": "externalID", "value": ref}}, "MaxRecords": 1}
	var found *ticketWire
	err := c.walk(ctx, http.MethodPost, "Tickets/query", q, func(raw json.RawMessage) error {
		if found != nil {
			return nil
		}
		var w ticketWire
		if err := json.Unmarshal(raw, &w); err != nil {
			return err
		}
		if w.ExternalID == ref {
			found = &w
		}
		return nil
	})
	if err != nil {
		return platform.Ticket{}, false, fmt.Errorf("find ticket %s: %w", ref, err)
	}
	if found == nil {
		return platform.Ticket{}, false, nil
	}
	return found.toPlatform(), true, nil
}

// UpdateTicket sends only the fields to change, as a PATCH with the id.
// StartDate is ignored: Autotask tickets have no start date.
func (c *Client) UpdateTicket(ctx context.Context, id string, u platform.TicketUpdate) error {
	n, err := c.parseID("ticket", id)
	if err != nil {
		return err
	}
	body := map[string]any{"id": n}
	if u.Summary != nil {
		body["title"] = *u.Summary
	}
	for key, v := range map[string]*string{"status": u.Status, "priority": u.Priority, "ticketType": u.Type, "ticketCategory": u.Category} {
		if v == nil {
			continue
		}
		pv, err := c.picklistValue(key, *v)
		if err != nil {
			return err
		}
		body[key] = pv
	}
	if u.TargetDate != nil {
		body["dueDateTime"] = formatTime(*u.TargetDate)
	}
	if len(u.Custom) > 0 {
		body["userDefinedFields"] = udfs(u.Custom)
	}
	if err := c.call(ctx, http.MethodPatch, "Tickets", body, nil); err != nil {
		return fmt.Errorf("update ticket %s: %w", id, err)
	}
	return nil
}

// CloseTicket sets the closing status, Autotask's "Complete" by default.
func (c *Client) CloseTicket(ctx context.Context, id, status string) error {
	if status == "" {
		status = statusComplete
	}
	if err := c.UpdateTicket(ctx, id, platform.TicketUpdate{Status: &status}); err != nil {
		return fmt.Errorf("close ticket: %w", err)
	}
	return nil
}

// picklistValue checks that a picklist value is an Autotask id (a number)
// before it goes on the wire.
func (c *Client) picklistValue(field, v string) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, c.newError(platform.ReasonInvalid, 0, fmt.Sprintf("%s %q is not an Autotask picklist id; map it to one of the values from the %s picklist", field, truncate(v, 40), field), nil)
	}
	return n, nil
}

func udfs(m map[string]string) []udf {
	out := make([]udf, 0, len(m))
	for _, name := range slices.Sorted(maps.Keys(m)) {
		v := m[name]
		out = append(out, udf{Name: name, Value: &v})
	}
	return out
}

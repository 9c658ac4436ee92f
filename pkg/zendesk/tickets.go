package zendesk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// Standard ticket statuses, priorities and types (Tickets API reference).
var (
	Statuses   = []string{"new", "open", "pending", "hold", "solved", "closed"}
	Priorities = []string{"low", "normal", "high", "urgent"}
	Types      = []string{"question", "incident", "problem", "task"}
)

// SolvedStatus is what CloseTicket sets when no status is given: agents
// solve tickets, and Zendesk closes solved ones itself later (a closed
// ticket can no longer change, so Tandem never closes one outright unless
// mapped to).
const SolvedStatus = "solved"

// customStatusPrefix marks a custom status id among the status options.
const customStatusPrefix = "custom_status:"

// ticket is a Zendesk ticket, the fields Tandem uses.
type ticket struct {
	ID             zid           `json:"id"`
	Subject        string        `json:"subject"`
	Description    string        `json:"description"`
	Status         string        `json:"status"`
	Priority       string        `json:"priority"`
	Type           string        `json:"type"`
	GroupID        zid           `json:"group_id"`
	ExternalID     string        `json:"external_id"`
	CustomStatusID zid           `json:"custom_status_id"`
	CustomFields   []customValue `json:"custom_fields"`
	UpdatedAt      string        `json:"updated_at"`
}

type customValue struct {
	ID    zid             `json:"id"`
	Value json.RawMessage `json:"value"`
}

func (t ticket) neutral() platform.Ticket {
	out := platform.Ticket{
		ID: string(t.ID), Number: string(t.ID), Summary: t.Subject, Description: t.Description,
		Status: t.Status, Priority: t.Priority, Type: t.Type, Queue: string(t.GroupID), Ref: t.ExternalID,
		Closed:    t.Status == SolvedStatus || t.Status == "closed",
		UpdatedAt: parseTime(t.UpdatedAt),
	}
	for _, cf := range t.CustomFields {
		v := valueText(cf.Value)
		if cf.ID == "" || v == "" {
			continue
		}
		if out.Custom == nil {
			out.Custom = map[string]string{}
		}
		out.Custom[string(cf.ID)] = v
	}
	return out
}

// valueText renders a custom field value (string, number, bool, a
// multiselect's array or null) as text.
func valueText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return strings.Join(list, ",")
	}
	return string(raw)
}

// GetTicket reads one ticket.
func (c *Client) GetTicket(ctx context.Context, id string) (platform.Ticket, error) {
	n, err := recordID("ticket", id)
	if err != nil {
		return platform.Ticket{}, fmt.Errorf("get ticket %s: %w", id, err)
	}
	var out struct{ Ticket ticket }
	if err := c.call(ctx, http.MethodGet, "/api/v2/tickets/"+strconv.FormatInt(n, 10), nil, nil, &out, "read ticket "+id); err != nil {
		return platform.Ticket{}, fmt.Errorf("get ticket %s: %w", id, err)
	}
	return out.Ticket.neutral(), nil
}

// CreateTicket creates a ticket; the description becomes its first,
// public comment (Zendesk has no description field on create), and the
// marker is kept as external_id, which FindTicket searches.
func (c *Client) CreateTicket(ctx context.Context, t platform.Ticket) (platform.Ticket, error) {
	body := map[string]any{"subject": t.Summary, "comment": map[string]any{"body": descriptionOf(t), "public": true}}
	if err := setFields(body, t.Status, t.Priority, t.Type, t.Custom); err != nil {
		return platform.Ticket{}, fmt.Errorf("create ticket: %w", err)
	}
	if t.Queue != "" {
		g, err := recordID("group", t.Queue)
		if err != nil {
			return platform.Ticket{}, fmt.Errorf("create ticket: %w", err)
		}
		body["group_id"] = g
	}
	if t.Ref != "" {
		body["external_id"] = t.Ref
	}
	var out struct{ Ticket ticket }
	if err := c.call(egress.NotIdempotent(ctx), http.MethodPost, "/api/v2/tickets", nil, map[string]any{"ticket": body}, &out, "create a ticket"); err != nil {
		return platform.Ticket{}, fmt.Errorf("create ticket: %w", err)
	}
	if !out.Ticket.ID.positive() {
		return platform.Ticket{}, fmt.Errorf("create ticket: %w", unreadable("create a ticket", nil))
	}
	return out.Ticket.neutral(), nil
}

func descriptionOf(t platform.Ticket) string {
	if strings.TrimSpace(t.Description) != "" {
		return t.Description
	}
	return t.Summary // Zendesk requires a first comment
}

// FindTicket finds the ticket a create marked with ref, by external_id
// (List Tickets takes ?external_id=).
func (c *Client) FindTicket(ctx context.Context, ref string) (platform.Ticket, bool, error) {
	var out struct{ Tickets []ticket }
	if err := c.call(ctx, http.MethodGet, "/api/v2/tickets", url.Values{"external_id": {ref}}, nil, &out, "find ticket "+ref); err != nil {
		return platform.Ticket{}, false, fmt.Errorf("find ticket %s: %w", ref, err)
	}
	for _, t := range out.Tickets {
		if t.ExternalID == ref && t.ID.positive() {
			return t.neutral(), true, nil
		}
	}
	return platform.Ticket{}, false, nil
}

// UpdateTicket changes only the fields set in u (PUT /api/v2/tickets/{id}).
// Each call counts against Zendesk's 30 updates per ticket per user in ten
// minutes, so the fields of one change go in one request.
func (c *Client) UpdateTicket(ctx context.Context, id string, u platform.TicketUpdate) error {
	body := map[string]any{}
	if u.Summary != nil {
		body["subject"] = *u.Summary
	}
	if err := setFields(body, deref(u.Status), deref(u.Priority), deref(u.Type), u.Custom); err != nil {
		return fmt.Errorf("update ticket %s: %w", id, err)
	}
	if u.Priority != nil && *u.Priority == "" {
		body["priority"] = nil
	}
	if len(body) == 0 {
		return nil
	}
	return c.putTicket(ctx, id, body, "update ticket "+id, nil)
}

// CloseTicket solves the ticket (or sets the given closing status).
func (c *Client) CloseTicket(ctx context.Context, id, status string) error {
	if status == "" {
		status = SolvedStatus
	}
	if err := c.UpdateTicket(ctx, id, platform.TicketUpdate{Status: &status}); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	return nil
}

// putTicket sends one ticket update and decodes the answer into out.
func (c *Client) putTicket(ctx context.Context, id string, body map[string]any, op string, out any) error {
	n, err := recordID("ticket", id)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := c.call(ctx, http.MethodPut, "/api/v2/tickets/"+strconv.FormatInt(n, 10), nil, map[string]any{"ticket": body}, out, op); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// setFields puts status (or a custom status), priority, type and custom
// fields into body, refusing values Zendesk does not have before anything
// is sent.
func setFields(body map[string]any, status, priority, typ string, custom map[string]string) error {
	if status != "" {
		if cs, ok := strings.CutPrefix(status, customStatusPrefix); ok {
			n, err := recordID("custom status", cs)
			if err != nil {
				return err
			}
			body["custom_status_id"] = n
		} else if !oneOf(status, Statuses) {
			return invalid(fmt.Sprintf("%q is not a Zendesk status; use one of %s", status, strings.Join(Statuses, ", ")))
		} else {
			body["status"] = status
		}
	}
	if priority != "" {
		if !oneOf(priority, Priorities) {
			return invalid(fmt.Sprintf("%q is not a Zendesk priority; use one of %s", priority, strings.Join(Priorities, ", ")))
		}
		body["priority"] = priority
	}
	if typ != "" {
		if !oneOf(typ, Types) {
			return invalid(fmt.Sprintf("%q is not a Zendesk ticket type; use one of %s", typ, strings.Join(Types, ", ")))
		}
		body["type"] = typ
	}
	if len(custom) > 0 {
		fields := make([]map[string]any, 0, len(custom))
		for k, v := range custom {
			n, err := recordID("ticket field", k)
			if err != nil {
				return err
			}
			fields = append(fields, map[string]any{"id": n, "value": v})
		}
		body["custom_fields"] = fields
	}
	return nil
}

func oneOf(v string, list []string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

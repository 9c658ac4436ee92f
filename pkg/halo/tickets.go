package halo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// ClosedStatusID is Halo's built-in Closed status, used by CloseTicket when
// no status is given.
const ClosedStatusID = "9"

// faults is a Halo ticket ("Faults" in the swagger), the fields Tandem uses.
type faults struct {
	ID             haloID        `json:"id"`
	Summary        string        `json:"summary"`
	Details        string        `json:"details"`
	StatusID       haloID        `json:"status_id"`
	PriorityID     haloID        `json:"priority_id"`
	TicketTypeID   haloID        `json:"tickettype_id"`
	TeamID         haloID        `json:"team_id"`
	Category1      string        `json:"category_1"`
	StartDate      string        `json:"startdate"`
	TargetDate     string        `json:"targetdate"`
	LastActionDate string        `json:"lastactiondate"`
	CustomFields   []customValue `json:"customfields"`
	// The end user and customer by name, as Halo returns them beside their
	// ids (user_name, client_name: see the ticket model of
	// github.com/Tim-ImpendingTech/HaloPSA-MCP-Server src/client/types.ts).
	UserName   string `json:"user_name,omitempty"`
	ClientName string `json:"client_name,omitempty"`
}

type customValue struct {
	Name    string          `json:"name"`
	Value   json.RawMessage `json:"value"`
	Display string          `json:"display"`
}

func (f faults) ticket() platform.Ticket {
	t := platform.Ticket{
		ID:          string(f.ID),
		Number:      string(f.ID), // Halo shows the id as the ticket number
		Summary:     f.Summary,
		Description: f.Details,
		Status:      optional(f.StatusID),
		Priority:    optional(f.PriorityID),
		Type:        optional(f.TicketTypeID),
		Queue:       optional(f.TeamID),
		Category:    f.Category1,
		Closed:      string(f.StatusID) == ClosedStatusID,
		Contact:     f.UserName,
		AccountName: f.ClientName,
	}
	if d, ok := parseTime(f.StartDate); ok {
		t.StartDate = &d
	}
	if d, ok := parseTime(f.TargetDate); ok {
		t.TargetDate = &d
	}
	if d, ok := parseTime(f.LastActionDate); ok {
		t.UpdatedAt = d
	}
	for _, cf := range f.CustomFields {
		if cf.Name == "" {
			continue
		}
		if t.Custom == nil {
			t.Custom = map[string]string{}
		}
		t.Custom[cf.Name] = customText(cf)
	}
	return t
}

func optional(id haloID) string {
	if id.positive() {
		return string(id)
	}
	return ""
}

// customText prefers Halo's display text (selection names rather than ids).
func customText(cf customValue) string {
	if cf.Display != "" {
		return cf.Display
	}
	var s string
	if json.Unmarshal(cf.Value, &s) == nil {
		return s
	}
	if string(cf.Value) == "null" {
		return ""
	}
	return string(cf.Value)
}

// GetTicket reads one ticket.
func (c *Client) GetTicket(ctx context.Context, id string) (platform.Ticket, error) {
	n, err := recordID("ticket", id)
	if err != nil {
		return platform.Ticket{}, fmt.Errorf("get ticket %s: %w", id, err)
	}
	var f faults
	if err := c.call(ctx, http.MethodGet, "/Tickets/"+n, nil, nil, &f, "read ticket "+n); err != nil {
		return platform.Ticket{}, fmt.Errorf("get ticket %s: %w", id, err)
	}
	return f.ticket(), nil
}

// CreateTicket logs a new ticket: Halo creates on POST of an array without
// an id.
func (c *Client) CreateTicket(ctx context.Context, t platform.Ticket) (platform.Ticket, error) {
	body := map[string]any{"summary": t.Summary, "details": t.Description}
	ids := []struct{ key, value, what string }{
		{"status_id", t.Status, "status"}, {"priority_id", t.Priority, "priority"},
		{"tickettype_id", t.Type, "ticket type"},
	}
	for _, f := range ids {
		if err := setID(body, f.key, f.value, f.what); err != nil {
			return platform.Ticket{}, fmt.Errorf("create ticket: %w", err)
		}
	}
	if t.Queue != "" {
		// Halo takes a new ticket's team by name ("team" in the swagger
		// schema Faults, which has no team_id to write; reads carry team_id,
		// the id the Team picklist offers).
		name, err := c.teamName(ctx, t.Queue)
		if err != nil {
			return platform.Ticket{}, fmt.Errorf("create ticket: %w", err)
		}
		body["team"] = name
	}
	if t.Category != "" {
		body["category_1"] = t.Category
	}
	setDatesAndCustom(body, t.StartDate, t.TargetDate, t.Custom)
	if t.Ref != "" {
		body["new_external_link"] = externalLink{ThirdPartyID: t.Ref, ThirdPartyType: linkType, ThirdPartyDesc: "Tandem"}
	}
	var raw json.RawMessage
	if err := c.call(egress.NotIdempotent(ctx), http.MethodPost, "/Tickets", nil, []any{body}, &raw, "create a ticket"); err != nil {
		return platform.Ticket{}, fmt.Errorf("create ticket: %w", err)
	}
	var f faults
	if err := decodeOne(raw, &f); err != nil || !f.ID.positive() {
		return platform.Ticket{}, fmt.Errorf("create ticket: %w", unreadable("create a ticket", err))
	}
	out := f.ticket()
	out.Ref = t.Ref
	return out, nil
}

// teamName finds the name of the team with the given id.
func (c *Client) teamName(ctx context.Context, id string) (string, error) {
	teams, err := c.Picklist(ctx, platform.PickQueues, "")
	if err != nil {
		return "", err
	}
	for _, o := range teams {
		if o.ID == id {
			return o.Name, nil
		}
	}
	return "", invalid("Halo has no team " + strconv.Quote(id) + ". Check the queue mapping.")
}

// linkType is the third_party_type of the external link a created ticket
// carries.
const linkType = "Tandem"

// externalLink is Halo's record of a ticket's id in another system
// (swagger schema ExternalLink_List).
type externalLink struct {
	ID             haloID `json:"id,omitempty"`
	HaloID         haloID `json:"halo_id,omitempty"`
	ThirdPartyID   string `json:"third_party_id"`
	ThirdPartyType string `json:"third_party_type"`
	ThirdPartyDesc string `json:"third_party_desc,omitempty"`
}

// FindTicket finds the ticket a create marked with ref. Halo keeps another
// system's id of a ticket as an external link: the create posts it as
// new_external_link, and GET /api/ExternalLink selects links by
// third_party_id and third_party_type (Halo swagger, ExternalLink). The
// swagger documents no answer body for that list, so both a bare array and
// an object holding the array are read.
func (c *Client) FindTicket(ctx context.Context, ref string) (platform.Ticket, bool, error) {
	q := url.Values{"third_party_id": {ref}, "third_party_type": {linkType}}
	var raw json.RawMessage
	if err := c.call(ctx, http.MethodGet, "/ExternalLink", q, nil, &raw, "find ticket "+ref); err != nil {
		return platform.Ticket{}, false, fmt.Errorf("find ticket %s: %w", ref, err)
	}
	links, err := decodeLinks(raw)
	if err != nil {
		return platform.Ticket{}, false, fmt.Errorf("find ticket %s: %w", ref, unreadable("find ticket "+ref, err))
	}
	for _, l := range links {
		if l.ThirdPartyID != ref || !l.HaloID.positive() {
			continue
		}
		t, err := c.GetTicket(ctx, string(l.HaloID))
		if err != nil {
			return platform.Ticket{}, false, err
		}
		t.Ref = ref
		return t, true, nil
	}
	return platform.Ticket{}, false, nil
}

func decodeLinks(raw json.RawMessage) ([]externalLink, error) {
	var links []externalLink
	if err := json.Unmarshal(raw, &links); err == nil {
		return links, nil
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, err
	}
	for _, v := range env {
		if json.Unmarshal(v, &links) == nil && len(links) > 0 {
			return links, nil
		}
	}
	return nil, nil
}

// UpdateTicket changes only the fields set in u; Halo updates on POST of an
// array whose item carries the id (there is no PUT or PATCH).
func (c *Client) UpdateTicket(ctx context.Context, id string, u platform.TicketUpdate) error {
	n, err := recordID("ticket", id)
	if err != nil {
		return fmt.Errorf("update ticket %s: %w", id, err)
	}
	body := map[string]any{}
	if u.Summary != nil {
		body["summary"] = *u.Summary
	}
	ids := []struct {
		key   string
		value *string
		what  string
	}{
		{"status_id", u.Status, "status"}, {"priority_id", u.Priority, "priority"}, {"tickettype_id", u.Type, "ticket type"},
	}
	for _, f := range ids {
		if f.value == nil {
			continue
		}
		if err := setID(body, f.key, *f.value, f.what); err != nil {
			return fmt.Errorf("update ticket %s: %w", id, err)
		}
	}
	if u.Category != nil {
		body["category_1"] = *u.Category
	}
	setDatesAndCustom(body, u.StartDate, u.TargetDate, u.Custom)
	if len(body) == 0 {
		return nil
	}
	body["id"] = json.Number(n)
	if err := c.call(ctx, http.MethodPost, "/Tickets", nil, []any{body}, nil, "update ticket "+n); err != nil {
		return fmt.Errorf("update ticket %s: %w", id, err)
	}
	return nil
}

// CloseTicket sets a closing status (Halo's Closed when status is empty).
func (c *Client) CloseTicket(ctx context.Context, id, status string) error {
	if status == "" {
		status = ClosedStatusID
	}
	if err := c.UpdateTicket(ctx, id, platform.TicketUpdate{Status: &status}); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	return nil
}

// setDatesAndCustom adds the fields a create and an update send alike, when
// set.
func setDatesAndCustom(body map[string]any, start, target *time.Time, custom map[string]string) {
	if start != nil {
		body["startdate"] = formatTime(*start)
	}
	if target != nil {
		body["targetdate"] = formatTime(*target)
	}
	if len(custom) > 0 {
		body["customfields"] = customBody(custom)
	}
}

func customBody(custom map[string]string) []map[string]string {
	out := make([]map[string]string, 0, len(custom))
	for name, v := range custom {
		out = append(out, map[string]string{"name": name, "value": v})
	}
	return out
}

// setID puts a picklist id into body as a JSON number, refusing what cannot
// be a Halo id before anything is sent.
func setID(body map[string]any, key, value, what string) error {
	if value == "" {
		return nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
	if err != nil || n <= 0 {
		return invalid(fmt.Sprintf("%q is not a Halo %s id; pick one from the %s list", value, what, what))
	}
	body[key] = n
	return nil
}

// recordID checks that id is a Halo record id, so a mistyped id is reported
// as such instead of becoming a different URL.
func recordID(what, id string) (string, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
	if err != nil || n <= 0 {
		return "", invalid(fmt.Sprintf("%q is not a Halo %s id", id, what))
	}
	return strconv.FormatInt(n, 10), nil
}

func invalid(msg string) *platform.Error {
	return &platform.Error{Platform: platform.Halo, Reason: platform.ReasonInvalid, Message: msg}
}

func unreadable(op string, err error) *platform.Error {
	return &platform.Error{Platform: platform.Halo, Reason: platform.ReasonServer,
		Message: "Halo sent an answer Tandem could not read while trying to " + op + ".", Err: err}
}

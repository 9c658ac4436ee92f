package connectwise

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// ticket is the subset of ConnectWise's service ticket Tandem reads and writes.
type ticket struct {
	ID                 int64         `json:"id,omitempty"`
	Summary            string        `json:"summary,omitempty"`
	Board              *ref          `json:"board,omitempty"`
	Status             *ref          `json:"status,omitempty"`
	Priority           *ref          `json:"priority,omitempty"`
	Type               *ref          `json:"type,omitempty"`
	SubType            *ref          `json:"subType,omitempty"`
	Company            *ref          `json:"company,omitempty"`
	InitialDescription string        `json:"initialDescription,omitempty"`
	ClosedFlag         bool          `json:"closedFlag,omitempty"`
	RequiredDate       string        `json:"requiredDate,omitempty"`
	EstimatedStartDate string        `json:"estimatedStartDate,omitempty"`
	CustomFields       []customField `json:"customFields,omitempty"`
	ExternalXRef       string        `json:"externalXRef,omitempty"`
	// ContactName is read only (testdata/ticket-get.json); Tandem never
	// sets a contact.
	ContactName string `json:"contactName,omitempty"`
	Info        *info  `json:"_info,omitempty"`
}

// customField is one entry of a record's customFields array. Value is text,
// a number or a boolean depending on Type, and nil for an unset field, which
// is written without a "value" key: ConnectWise sends unset fields that way
// (testdata/ticket-get.json) and its specification does not allow null.
type customField struct {
	ID               int64  `json:"id"`
	Caption          string `json:"caption,omitempty"`
	Type             string `json:"type,omitempty"`
	EntryMethod      string `json:"entryMethod,omitempty"`
	NumberOfDecimals int    `json:"numberOfDecimals,omitempty"`
	Value            any    `json:"value,omitempty"`
}

// patchOp is one RFC 6902 operation; ConnectWise PATCH takes an array of them.
type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value"`
}

// GetTicket reads one service ticket. Description stays empty: ConnectWise
// keeps it as the ticket's first detail-description note, not on the ticket.
func (c *Client) GetTicket(ctx context.Context, id string) (platform.Ticket, error) {
	t, err := c.getTicket(ctx, id)
	if err != nil {
		return platform.Ticket{}, fmt.Errorf("get ticket %s: %w", id, err)
	}
	return fromTicket(t), nil
}

func (c *Client) getTicket(ctx context.Context, id string) (ticket, error) {
	n, err := parseID("ticket", id)
	if err != nil {
		return ticket{}, err
	}
	var t ticket
	_, err = c.call(ctx, http.MethodGet, "/service/tickets/"+strconv.FormatInt(n, 10), nil, nil, &t)
	return t, err
}

// CreateTicket files a ticket on the board named by t.Queue (the API
// member's default board when empty) under Options.Company, then sets custom
// fields, which ConnectWise addresses by id rather than by name.
func (c *Client) CreateTicket(ctx context.Context, t platform.Ticket) (platform.Ticket, error) {
	in := ticket{Summary: t.Summary, InitialDescription: t.Description, ExternalXRef: t.Ref}
	var err error
	refs := []struct {
		what string
		val  string
		dst  **ref
	}{
		{"board", t.Queue, &in.Board}, {"status", t.Status, &in.Status}, {"priority", t.Priority, &in.Priority},
		{"type", t.Type, &in.Type}, {"subtype", t.Category, &in.SubType}, {"company", cmp.Or(t.Account, c.opts.Company), &in.Company},
	}
	for _, r := range refs {
		if r.val == "" {
			continue
		}
		var n int64
		if n, err = parseID(r.what, r.val); err != nil {
			return platform.Ticket{}, fmt.Errorf("create ticket: %w", err)
		}
		*r.dst = &ref{ID: n}
	}
	if t.StartDate != nil {
		in.EstimatedStartDate = formatTime(*t.StartDate)
	}
	if t.TargetDate != nil {
		in.RequiredDate = formatTime(*t.TargetDate)
	}
	var out ticket
	if _, err := c.call(egress.NotIdempotent(ctx), http.MethodPost, "/service/tickets", nil, in, &out); err != nil {
		return platform.Ticket{}, fmt.Errorf("create ticket: %w", err)
	}
	created := fromTicket(out)
	if len(t.Custom) > 0 {
		if err := c.UpdateTicket(ctx, created.ID, platform.TicketUpdate{Custom: t.Custom}); err != nil {
			return created, fmt.Errorf("create ticket: set custom fields on ticket %s: %w", created.ID, err)
		}
		created.Custom = t.Custom
	}
	return created, nil
}

// FindTicket finds the ticket a create marked with ref. The marker is the
// service ticket's externalXRef (a string field for another system's
// reference, in ConnectWise's OpenAPI as mirrored by amp-labs/connectors
// providers/connectwise/internal/metadata/schemas.json, and in
// djconnectwise's ticket fixture), which conditions can select like any
// top-level field.
func (c *Client) FindTicket(ctx context.Context, ref string) (platform.Ticket, bool, error) {
	q := url.Values{"conditions": {`externalXRef="` + strings.ReplaceAll(ref, `"`, `\"`) + `"`}, "pageSize": {"1"}}
	var found []ticket
	if _, err := c.call(ctx, http.MethodGet, "/service/tickets", q, nil, &found); err != nil {
		return platform.Ticket{}, false, fmt.Errorf("find ticket %s: %w", ref, err)
	}
	for _, t := range found {
		if t.ExternalXRef == ref {
			return fromTicket(t), true, nil
		}
	}
	return platform.Ticket{}, false, nil
}

// UpdateTicket sends only the changed fields as a JSON Patch.
func (c *Client) UpdateTicket(ctx context.Context, id string, u platform.TicketUpdate) error {
	ops, err := c.patchFor(ctx, id, u)
	if err != nil {
		return fmt.Errorf("update ticket %s: %w", id, err)
	}
	if len(ops) == 0 {
		return nil
	}
	if err := c.patchTicket(ctx, id, ops); err != nil {
		return fmt.Errorf("update ticket %s: %w", id, err)
	}
	return nil
}

func (c *Client) patchTicket(ctx context.Context, id string, ops []patchOp) error {
	n, err := parseID("ticket", id)
	if err != nil {
		return err
	}
	_, err = c.call(ctx, http.MethodPatch, "/service/tickets/"+strconv.FormatInt(n, 10), nil, ops, nil)
	return err
}

func (c *Client) patchFor(ctx context.Context, id string, u platform.TicketUpdate) ([]patchOp, error) {
	var ops []patchOp
	if u.Summary != nil {
		ops = append(ops, patchOp{"replace", "summary", *u.Summary})
	}
	refs := []struct {
		what, path string
		val        *string
	}{
		{"status", "status/id", u.Status}, {"priority", "priority/id", u.Priority},
		{"type", "type/id", u.Type}, {"subtype", "subType/id", u.Category},
	}
	for _, r := range refs {
		if r.val == nil {
			continue
		}
		n, err := parseID(r.what, *r.val)
		if err != nil {
			return nil, err
		}
		ops = append(ops, patchOp{"replace", r.path, n})
	}
	if u.StartDate != nil {
		ops = append(ops, patchOp{"replace", "estimatedStartDate", formatTime(*u.StartDate)})
	}
	if u.TargetDate != nil {
		ops = append(ops, patchOp{"replace", "requiredDate", formatTime(*u.TargetDate)})
	}
	if len(u.Custom) > 0 {
		// Custom fields are replaced as a whole array, so start from the
		// ticket's current values to leave the others untouched.
		cur, err := c.getTicket(ctx, id)
		if err != nil {
			return nil, err
		}
		fields, err := mergeCustom(cur.CustomFields, u.Custom)
		if err != nil {
			return nil, err
		}
		ops = append(ops, patchOp{"replace", "customFields", fields})
	}
	return ops, nil
}

// CloseTicket sets the given status, or the board's closing status: the one
// named "Closed" (ConnectWise's default is ">Closed") if there is one, else
// the first status flagged closedStatus.
func (c *Client) CloseTicket(ctx context.Context, id, status string) error {
	if status == "" {
		t, err := c.getTicket(ctx, id)
		if err != nil {
			return fmt.Errorf("close ticket %s: %w", id, err)
		}
		if status, err = c.closingStatus(ctx, t.Board.idString()); err != nil {
			return fmt.Errorf("close ticket %s: %w", id, err)
		}
	}
	n, err := parseID("status", status)
	if err != nil {
		return fmt.Errorf("close ticket %s: %w", id, err)
	}
	if err := c.patchTicket(ctx, id, []patchOp{{"replace", "status/id", n}}); err != nil {
		return fmt.Errorf("close ticket %s: %w", id, err)
	}
	return nil
}

func (c *Client) closingStatus(ctx context.Context, board string) (string, error) {
	if board == "" {
		return "", c.fail(platform.ReasonInvalid, 0, "The ticket has no board, so Tandem cannot tell which status closes it. Map a closing status instead.", nil)
	}
	statuses, err := c.Picklist(ctx, platform.PickStatuses, board)
	if err != nil {
		return "", err
	}
	first := ""
	for _, s := range statuses {
		if !s.IsClosed || !s.Active {
			continue
		}
		if strings.EqualFold(strings.TrimLeft(s.Name, "> "), "closed") {
			return s.ID, nil
		}
		if first == "" {
			first = s.ID
		}
	}
	if first == "" {
		return "", c.fail(platform.ReasonInvalid, 0, "The ticket's board has no active closed status. Add one in ConnectWise (Service Desk > Service Boards > Statuses) or map a closing status.", nil)
	}
	return first, nil
}

func fromTicket(t ticket) platform.Ticket {
	id := strconv.FormatInt(t.ID, 10)
	out := platform.Ticket{
		ID:       id,
		Number:   id, // ConnectWise shows the id as the ticket number
		Summary:  t.Summary,
		Status:   t.Status.idString(),
		Priority: t.Priority.idString(),
		Type:     t.Type.idString(),
		Category: t.SubType.idString(),
		Queue:    t.Board.idString(),
		Closed:   t.ClosedFlag,
		Ref:      t.ExternalXRef,
		Contact:  t.ContactName,
	}
	if t.Company != nil {
		out.AccountName = t.Company.Name
	}
	if ts, ok := parseTime(t.EstimatedStartDate); ok {
		out.StartDate = &ts
	}
	if ts, ok := parseTime(t.RequiredDate); ok {
		out.TargetDate = &ts
	}
	if t.Info != nil {
		out.UpdatedAt, _ = parseTime(t.Info.LastUpdated)
	}
	for _, f := range t.CustomFields {
		if v := customText(f.Value); v != "" {
			if out.Custom == nil {
				out.Custom = map[string]string{}
			}
			out.Custom[f.Caption] = v
		}
	}
	return out
}

// mergeCustom sets values by caption, typed the way each field expects.
func mergeCustom(cur []customField, set map[string]string) ([]customField, error) {
	out := make([]customField, len(cur))
	copy(out, cur)
	for name, text := range set {
		i := indexCustom(out, name)
		if i < 0 {
			return nil, &platform.Error{Platform: platform.ConnectWise, Reason: platform.ReasonInvalid,
				Message: fmt.Sprintf("ConnectWise has no ticket custom field named %q. Check the custom field mapping.", name)}
		}
		v, err := customValue(out[i].Type, text)
		if err != nil {
			return nil, &platform.Error{Platform: platform.ConnectWise, Reason: platform.ReasonInvalid,
				Message: fmt.Sprintf("Custom field %q: %v.", name, err)}
		}
		out[i].Value = v
	}
	return out, nil
}

func indexCustom(fields []customField, name string) int {
	for i, f := range fields {
		// The custom-field picklist offers a field by its id (Picklist), so a
		// mapping names it that way; captions are what reads carry.
		if f.Caption == name || strconv.FormatInt(f.ID, 10) == name {
			return i
		}
	}
	for i, f := range fields {
		if strings.EqualFold(f.Caption, name) {
			return i
		}
	}
	return -1
}

func customValue(typ, text string) (any, error) {
	if text == "" {
		return nil, nil
	}
	switch customKind(typ) {
	case "number":
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", text)
		}
		return f, nil
	case "boolean":
		b, err := strconv.ParseBool(text)
		if err != nil {
			return nil, fmt.Errorf("%q is not true or false", text)
		}
		return b, nil
	case "date":
		ts, ok := parseTime(text)
		if !ok {
			return nil, fmt.Errorf("%q is not a date like 2024-05-01T00:00:00Z", text)
		}
		return formatTime(ts), nil
	}
	return text, nil
}

func customText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// ConnectWise writes timestamps as UTC RFC 3339 without fractions.
func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func parseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

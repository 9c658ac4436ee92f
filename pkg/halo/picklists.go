package halo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/tandemsync/tandem/pkg/platform"
)

// pickRow holds the union of the fields Halo's picklist endpoints answer.
type pickRow struct {
	ID         haloID   `json:"id"`
	PriorityID haloID   `json:"priorityid"`
	Name       string   `json:"name"`
	Outcome    string   `json:"outcome"`
	ButtonName string   `json:"buttonname"`
	Value      string   `json:"value"`
	Label      string   `json:"label"`
	Inactive   flexBool `json:"inactive"`
	// Visible is how a ticket type (swagger schema RequestType, which has
	// no inactive) says whether agents may pick it.
	Visible   *flexBool `json:"visible"`
	Hidden    flexBool  `json:"hidden"`
	IsHidden  flexBool  `json:"ishidden"`
	SendEmail flexBool  `json:"sendemail"`
	Type      haloID    `json:"type"`
	InputType haloID    `json:"inputtype"`
}

// Picklist reads live values:
//   - statuses: /api/Status (IsClosed for Halo's built-in Closed, id 9);
//   - priorities: /api/Priority (swagger "Policy"), one row per SLA and
//     priority with a GUID id, so rows are merged by priorityid, the value
//     tickets carry;
//   - ticketTypes: /api/TicketType, inactive unless visible; queues:
//     /api/Team (Halo's teams);
//   - categories: /api/Category?type_id=1, the ticket's first category
//     field (parent "2"…"4" selects another); tickets store the category
//     text, so the text is the option id;
//   - actions: /api/Outcome (Halo's actions, swagger TOutcome), IsEmail
//     when sendemail is set, inactive when hidden;
//   - customFields: /api/FieldInfo, keyed by the field name tickets use.
func (c *Client) Picklist(ctx context.Context, kind platform.PicklistKind, parent string) ([]platform.Option, error) {
	var path string
	q := url.Values{}
	switch kind {
	case platform.PickStatuses:
		path = "/Status"
	case platform.PickPriorities:
		path = "/Priority"
	case platform.PickTicketTypes:
		path = "/TicketType"
	case platform.PickQueues:
		path = "/Team"
	case platform.PickCategories:
		path = "/Category"
		switch parent {
		case "":
			q.Set("type_id", "1")
		case "1", "2", "3", "4":
			q.Set("type_id", parent)
		default:
			return nil, fmt.Errorf("picklist %s: %w", kind, invalid("Halo has category fields 1 to 4"))
		}
	case platform.PickActions:
		path = "/Outcome"
	case platform.PickCustomFields:
		path = "/FieldInfo"
	default:
		return nil, fmt.Errorf("picklist %s: %w", kind, invalid("Halo has no picklist named "+string(kind)))
	}
	var raw json.RawMessage
	if err := c.call(ctx, http.MethodGet, path, q, nil, &raw, "read "+string(kind)); err != nil {
		return nil, fmt.Errorf("picklist %s: %w", kind, err)
	}
	rows, err := decodeList[pickRow](raw, "records")
	if err != nil {
		return nil, fmt.Errorf("picklist %s: %w", kind, unreadable("read "+string(kind), err))
	}
	return options(kind, rows), nil
}

func options(kind platform.PicklistKind, rows []pickRow) []platform.Option {
	out := make([]platform.Option, 0, len(rows))
	seen := map[string]bool{}
	for _, r := range rows {
		hidden := r.Visible != nil && !bool(*r.Visible)
		o := platform.Option{ID: string(r.ID), Name: r.Name, Active: !bool(r.Inactive || r.Hidden || r.IsHidden) && !hidden}
		switch kind {
		case platform.PickStatuses:
			o.IsClosed = o.ID == ClosedStatusID
		case platform.PickPriorities:
			if r.PriorityID.positive() {
				o.ID = string(r.PriorityID)
			}
		case platform.PickCategories:
			o.ID, o.Name = r.Value, r.Value
		case platform.PickActions:
			o.Name = cmpOr(r.Outcome, r.ButtonName, r.Name)
			o.IsEmail = bool(r.SendEmail)
		case platform.PickCustomFields:
			o.ID, o.Name = r.Name, cmpOr(r.Label, r.Name)
			o.Type = fieldType(string(r.Type), string(r.InputType))
		}
		if o.ID == "" || seen[o.ID] {
			continue
		}
		seen[o.ID] = true
		out = append(out, o)
	}
	return out
}

func cmpOr(vals ...string) string {
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// fieldType maps Halo's custom field type (and, for text, input type) to the
// neutral names. The numbering follows the Halo custom field editor's order;
// unknown types are treated as text so they can still be mapped.
func fieldType(typ, input string) string {
	switch typ {
	case "2", "3":
		return "picklist"
	case "4":
		return "date"
	case "6":
		return "boolean"
	case "0":
		if input == "1" || input == "2" {
			return "number"
		}
	}
	return "text"
}

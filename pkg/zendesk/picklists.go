package zendesk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/tandemsync/tandem/pkg/platform"
)

// Picklists are the lists Zendesk's mapping rows choose from: it has no
// categories.
var Picklists = []platform.PicklistKind{
	platform.PickStatuses, platform.PickPriorities, platform.PickTicketTypes, platform.PickQueues,
	platform.PickActions, platform.PickCustomFields,
}

// Picklist reads live values:
//   - statuses: the six standard ones, and the account's custom statuses
//     (GET /api/v2/custom_statuses) where they are enabled, as
//     custom_status:{id} with their category as Parent;
//   - priorities and ticketTypes: Zendesk's fixed enums;
//   - queues: groups (GET /api/v2/groups, cursor pagination);
//   - actions: a person's comment, and a comment by the integration user
//     (see PartnerNoteKind);
//   - customFields: the custom ticket fields (GET /api/v2/ticket_fields).
func (c *Client) Picklist(ctx context.Context, kind platform.PicklistKind, _ string) ([]platform.Option, error) {
	switch kind {
	case platform.PickStatuses:
		return c.statuses(ctx)
	case platform.PickPriorities:
		return fixed(Priorities), nil
	case platform.PickTicketTypes:
		return fixed(Types), nil
	case platform.PickActions:
		return []platform.Option{{ID: NoteKind, Name: "Comment", Active: true},
			{ID: PartnerNoteKind, Name: "Partner update (a comment by the integration user)", Active: true}}, nil
	case platform.PickQueues:
		return c.listOptions(ctx, "/api/v2/groups", "groups", kind)
	case platform.PickCustomFields:
		return c.listOptions(ctx, "/api/v2/ticket_fields", "ticket_fields", kind)
	}
	return nil, fmt.Errorf("picklist %s: %w", kind, invalid("Zendesk has no picklist named "+string(kind)))
}

func fixed(values []string) []platform.Option {
	out := make([]platform.Option, 0, len(values))
	for _, v := range values {
		out = append(out, platform.Option{ID: v, Name: strings.ToUpper(v[:1]) + v[1:], Active: true, IsClosed: v == SolvedStatus || v == "closed"})
	}
	return out
}

func (c *Client) statuses(ctx context.Context) ([]platform.Option, error) {
	out := fixed(Statuses)
	var custom struct {
		CustomStatuses []struct {
			ID             zid    `json:"id"`
			AgentLabel     string `json:"agent_label"`
			StatusCategory string `json:"status_category"`
			Active         bool   `json:"active"`
		} `json:"custom_statuses"`
	}
	err := c.call(ctx, http.MethodGet, "/api/v2/custom_statuses", nil, nil, &custom, "read custom statuses")
	var pe *platform.Error
	if errors.As(err, &pe) && (pe.Reason == platform.ReasonNotFound || pe.Reason == platform.ReasonNotPermitted) {
		return out, nil // custom statuses are not enabled on this account
	}
	if err != nil {
		return nil, fmt.Errorf("picklist statuses: %w", err)
	}
	for _, cs := range custom.CustomStatuses {
		if !cs.ID.positive() {
			continue
		}
		out = append(out, platform.Option{ID: customStatusPrefix + string(cs.ID), Name: cs.AgentLabel, Active: cs.Active,
			Parent: cs.StatusCategory, IsClosed: cs.StatusCategory == SolvedStatus})
	}
	return out, nil
}

// pickRow holds the union of the fields of groups and ticket fields.
type pickRow struct {
	ID      zid    `json:"id"`
	Name    string `json:"name"`
	Title   string `json:"title"`
	Type    string `json:"type"`
	Active  *bool  `json:"active"`
	Deleted bool   `json:"deleted"`
}

// systemFields are the ticket fields every account has; Tandem maps them
// through the ticket's own properties, not as custom fields.
var systemFields = map[string]bool{"subject": true, "description": true, "status": true, "tickettype": true,
	"priority": true, "group": true, "assignee": true, "custom_status": true}

func (c *Client) listOptions(ctx context.Context, path, key string, kind platform.PicklistKind) ([]platform.Option, error) {
	q := url.Values{"page[size]": {pageSize}}
	var out []platform.Option
	for {
		var page map[string]jsonRaw
		if err := c.call(ctx, http.MethodGet, path, q, nil, &page, "read "+string(kind)); err != nil {
			return nil, fmt.Errorf("picklist %s: %w", kind, err)
		}
		var rows []pickRow
		var meta cursorMeta
		if err := decodeRaw(page[key], &rows); err != nil {
			return nil, fmt.Errorf("picklist %s: %w", kind, unreadable("read "+string(kind), err))
		}
		if m, ok := page["meta"]; ok {
			_ = decodeRaw(m, &meta.Meta)
		}
		for _, r := range rows {
			if !r.ID.positive() || r.Deleted || (kind == platform.PickCustomFields && systemFields[r.Type]) {
				continue
			}
			o := platform.Option{ID: string(r.ID), Name: r.Name, Active: r.Active == nil || *r.Active}
			if kind == platform.PickCustomFields {
				o.Name, o.Type = r.Title, fieldType(r.Type)
			}
			out = append(out, o)
		}
		if !meta.Meta.HasMore || meta.Meta.AfterCursor == "" {
			return out, nil
		}
		q.Set("page[after]", meta.Meta.AfterCursor)
	}
}

// fieldType maps Zendesk ticket field types to the neutral names.
func fieldType(t string) string {
	switch t {
	case "integer", "decimal":
		return "number"
	case "date":
		return "date"
	case "checkbox":
		return "boolean"
	case "tagger", "multiselect":
		return "picklist"
	}
	return "text"
}

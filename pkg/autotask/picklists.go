package autotask

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/tandemsync/tandem/pkg/platform"
)

type picklistValue struct {
	Value    string `json:"value"`
	Label    string `json:"label"`
	IsActive bool   `json:"isActive"`
}

// fieldInfo is one field of an entityInformation answer. Built-in fields
// (…/entityInformation/fields) name their data type "dataType"; user-defined
// fields (…/entityInformation/userDefinedFields) name it "type" (Autotask's
// swagger models Field and FieldInformationModel).
type fieldInfo struct {
	Name           string          `json:"name"`
	DataType       string          `json:"dataType"`
	Type           string          `json:"type"`
	IsPickList     bool            `json:"isPickList"`
	PicklistValues []picklistValue `json:"picklistValues"`
}

// picklistSources says where each neutral picklist lives. Autotask has no
// "category" in the ConnectWise sense: ticketCategory is the nearest (it
// drives which fields and note rules apply). Actions are note types.
var picklistSources = map[platform.PicklistKind]struct{ entity, field string }{
	platform.PickStatuses:    {"Tickets", "status"},
	platform.PickPriorities:  {"Tickets", "priority"},
	platform.PickQueues:      {"Tickets", "queueID"},
	platform.PickTicketTypes: {"Tickets", "ticketType"},
	platform.PickCategories:  {"Tickets", "ticketCategory"},
	platform.PickActions:     {"TicketNotes", "noteType"},
}

// Picklist reads live values from entityInformation. Autotask picklists are
// not scoped by a parent, so parent is ignored.
func (c *Client) Picklist(ctx context.Context, kind platform.PicklistKind, parent string) ([]platform.Option, error) {
	switch kind {
	case platform.PickCustomFields:
		return c.customFields(ctx)
	case platform.PickWorkTypes:
		return c.workTypes(ctx)
	}
	src, ok := picklistSources[kind]
	if !ok {
		return nil, c.newError(platform.ReasonInvalid, 0, fmt.Sprintf("unknown picklist %q", truncate(string(kind), 40)), nil)
	}
	fields, err := c.fields(ctx, src.entity+"/entityInformation/fields")
	if err != nil {
		return nil, fmt.Errorf("read %s picklist: %w", kind, err)
	}
	f, ok := findField(fields, src.field)
	if !ok {
		return nil, c.newError(platform.ReasonNotFound, http.StatusOK, fmt.Sprintf("Autotask did not list the %s field of %s", src.field, src.entity), nil)
	}
	out := make([]platform.Option, 0, len(f.PicklistValues))
	for _, v := range f.PicklistValues {
		o := platform.Option{ID: v.Value, Name: v.Label, Active: v.IsActive}
		switch kind {
		case platform.PickStatuses:
			o.IsClosed = v.Value == statusComplete
		case platform.PickActions:
			// No note type sends mail through the API; the types the e-mail
			// processor creates are marked so mappings cannot bounce mail.
			o.IsEmail = strings.Contains(strings.ToLower(v.Label), "mail")
		}
		out = append(out, o)
	}
	return out, nil
}

// customFields lists the ticket user-defined fields; their name is the id
// Autotask uses in userDefinedFields.
func (c *Client) customFields(ctx context.Context) ([]platform.Option, error) {
	fields, err := c.fields(ctx, "Tickets/entityInformation/userDefinedFields")
	if err != nil {
		return nil, fmt.Errorf("read custom fields: %w", err)
	}
	out := make([]platform.Option, 0, len(fields))
	for _, f := range fields {
		out = append(out, platform.Option{ID: f.Name, Name: f.Name, Active: true, Type: fieldType(f)})
	}
	return out, nil
}

func fieldType(f fieldInfo) string {
	if f.IsPickList {
		return "picklist"
	}
	switch strings.ToLower(cmp.Or(f.Type, f.DataType)) {
	case "integer", "long", "short", "double", "decimal", "float":
		return "number"
	case "datetime", "date":
		return "date"
	case "boolean":
		return "boolean"
	}
	return "text"
}

func (c *Client) fields(ctx context.Context, path string) ([]fieldInfo, error) {
	var out struct {
		Fields []fieldInfo `json:"fields"`
	}
	if err := c.call(ctx, http.MethodGet, path, nil, &out); err != nil {
		return nil, err
	}
	return out.Fields, nil
}

func findField(fields []fieldInfo, name string) (fieldInfo, bool) {
	for _, f := range fields {
		if strings.EqualFold(f.Name, name) {
			return f, true
		}
	}
	return fieldInfo{}, false
}

package connectwise

import (
	"context"
	"fmt"
	"strconv"

	"github.com/tandemsync/tandem/pkg/platform"
)

// picklistRow covers the fields of boards, statuses, priorities, types,
// subtypes and user-defined fields that a picklist needs.
type picklistRow struct {
	ID                  int64  `json:"id"`
	Name                string `json:"name"`
	Caption             string `json:"caption"`
	Board               *ref   `json:"board"`
	InactiveFlag        bool   `json:"inactiveFlag"`
	Inactive            bool   `json:"inactive"` // statuses say inactive, the rest inactiveFlag
	ClosedStatus        bool   `json:"closedStatus"`
	PodID               int64  `json:"podId"`
	FieldTypeIdentifier string `json:"fieldTypeIdentifier"`
	EntryTypeIdentifier string `json:"entryTypeIdentifier"`
}

// Picklist reads live values. Statuses, ticket types and categories belong to
// a board: parent names the board, and an empty parent reads every board.
// Categories are ConnectWise subtypes (the nearest equivalent: the
// Type/Subtype/Item triple is how boards categorise tickets). Actions are the
// note kinds (see NoteDiscussion); custom fields are the user-defined fields.
func (c *Client) Picklist(ctx context.Context, kind platform.PicklistKind, parent string) ([]platform.Option, error) {
	out, err := c.picklist(ctx, kind, parent)
	if err != nil {
		return nil, fmt.Errorf("read %s picklist: %w", kind, err)
	}
	return out, nil
}

func (c *Client) picklist(ctx context.Context, kind platform.PicklistKind, parent string) ([]platform.Option, error) {
	switch kind {
	case platform.PickQueues:
		return c.rows(ctx, "/service/boards", "")
	case platform.PickPriorities:
		return c.rows(ctx, "/service/priorities", "")
	case platform.PickStatuses:
		return c.perBoard(ctx, parent, "statuses")
	case platform.PickTicketTypes:
		return c.perBoard(ctx, parent, "types")
	case platform.PickCategories:
		return c.perBoard(ctx, parent, "subtypes")
	case platform.PickActions:
		return append([]platform.Option(nil), noteKinds...), nil
	case platform.PickCustomFields:
		return c.rows(ctx, "/system/userDefinedFields", "")
	case platform.PickWorkTypes:
		return c.rows(ctx, "/time/workTypes", "")
	}
	return nil, c.fail(platform.ReasonInvalid, 0, fmt.Sprintf("ConnectWise has no %q picklist.", kind), nil)
}

func (c *Client) perBoard(ctx context.Context, board, child string) ([]platform.Option, error) {
	if board != "" {
		n, err := parseID("board", board)
		if err != nil {
			return nil, err
		}
		return c.rows(ctx, "/service/boards/"+strconv.FormatInt(n, 10)+"/"+child, strconv.FormatInt(n, 10))
	}
	boards, err := c.rows(ctx, "/service/boards", "")
	if err != nil {
		return nil, err
	}
	var out []platform.Option
	for _, b := range boards {
		if !b.Active {
			continue
		}
		opts, err := c.rows(ctx, "/service/boards/"+b.ID+"/"+child, b.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, opts...)
	}
	return out, nil
}

func (c *Client) rows(ctx context.Context, path, parent string) ([]platform.Option, error) {
	rows, err := getAll[picklistRow](ctx, c, path, nil)
	if err != nil {
		return nil, err
	}
	out := make([]platform.Option, 0, len(rows))
	for _, r := range rows {
		o := platform.Option{
			ID:       strconv.FormatInt(r.ID, 10),
			Name:     r.Name,
			Active:   !r.InactiveFlag && !r.Inactive,
			IsClosed: r.ClosedStatus,
			Parent:   parent,
		}
		if r.Caption != "" {
			o.Name = r.Caption
			o.Type = udfType(r.FieldTypeIdentifier, r.EntryTypeIdentifier)
			o.Parent = strconv.FormatInt(r.PodID, 10)
		}
		if o.Parent == "" && r.Board != nil {
			o.Parent = r.Board.idString()
		}
		out = append(out, o)
	}
	return out, nil
}

// udfType maps ConnectWise field types to the neutral ones; a List or Option
// entry method makes any field a picklist.
func udfType(field, entry string) string {
	if entry == "List" || entry == "Option" {
		return "picklist"
	}
	return customKind(field)
}

func customKind(field string) string {
	switch field {
	case "Number", "Percent", "Currency":
		return "number"
	case "Date":
		return "date"
	case "Checkbox":
		return "boolean"
	}
	return "text"
}

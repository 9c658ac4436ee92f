package graph

import (
	"context"
	"fmt"

	"github.com/tandemsync/tandem/pkg/platform"
)

type masterCategory struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

// Picklist reads the mailbox's master categories for statuses; the other
// lists are what mail has. Mail has no categories (in the ticket sense),
// ticket types or queues, so those lists are empty rather than invented.
func (c *Client) Picklist(ctx context.Context, kind platform.PicklistKind, _ string) ([]platform.Option, error) {
	switch kind {
	case platform.PickStatuses:
		cats, err := listAll[masterCategory](ctx, c, "read statuses", c.userPath("/outlook/masterCategories"))
		if err != nil {
			return nil, err
		}
		out := make([]platform.Option, 0, len(cats))
		for _, mc := range cats {
			// Messages carry categories by display name, so that is the id.
			out = append(out, platform.Option{ID: mc.DisplayName, Name: mc.DisplayName, Active: true})
		}
		return out, nil
	case platform.PickPriorities:
		out := make([]platform.Option, 0, len(importances))
		for _, v := range importances {
			out = append(out, platform.Option{ID: v, Name: v, Active: true})
		}
		return out, nil
	case platform.PickActions:
		return []platform.Option{{ID: NoteKindReply, Name: "Reply by e-mail", Active: true, IsEmail: true}}, nil
	case platform.PickCustomFields:
		return []platform.Option{{ID: CustomTo, Name: "Recipient of new tickets", Active: true, Type: "text"}}, nil
	case platform.PickCategories, platform.PickTicketTypes, platform.PickQueues:
		return []platform.Option{}, nil
	}
	return nil, newError(platform.ReasonInvalid, 0, fmt.Sprintf("picklist %q is not known", kind), nil)
}

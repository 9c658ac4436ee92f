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

// Picklist reads the mailbox's master categories for statuses; categories
// and ticket types are the organisation's own categories and service
// types (its support mail settings), and the one queue is the inbox.
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
		// A reply sent from the mailbox, and a mail received in the
		// conversation (the requester's answer): only the second is worth
		// sending to the partner.
		return []platform.Option{
			{ID: NoteKindReply, Name: "Reply by e-mail", Active: true, IsEmail: true},
			{ID: NoteKindMail, Name: "Mail received", Active: true},
		}, nil
	case platform.PickCustomFields:
		return []platform.Option{
			{ID: CustomTo, Name: "Recipient of new tickets", Active: true, Type: "text"},
			{ID: CustomFrom, Name: "Sender (requester)", Active: true, Type: "text"},
		}, nil
	case platform.PickCategories:
		return options(c.creds.Desk.Categories), nil
	case platform.PickTicketTypes:
		return options(c.creds.Desk.ServiceTypes), nil
	case platform.PickQueues:
		return []platform.Option{{ID: InboxQueue, Name: "Support inbox", Active: true}}, nil
	}
	return nil, newError(platform.ReasonInvalid, 0, fmt.Sprintf("picklist %q is not known", kind), nil)
}

func options(names []string) []platform.Option {
	out := make([]platform.Option, 0, len(names))
	for _, n := range names {
		out = append(out, platform.Option{ID: n, Name: n, Active: true})
	}
	return out
}

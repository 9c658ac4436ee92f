package relay

import (
	"context"
	"slices"

	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
)

// Picklister reads a platform's picklists.
type Picklister interface {
	Picklist(ctx context.Context, kind platform.PicklistKind, parent string) ([]platform.Option, error)
}

// OriginOf gathers what the receiver's description parts need beyond the
// ticket: the source platform, and the priority's name, read from the
// source platform only when the description shows it. A failed read leaves
// the name out (the description shows the id): a description is no reason
// to hold a ticket back.
func OriginOf(ctx context.Context, src Picklister, kind platform.Kind, t platform.Ticket, receiver integration.Config) integration.Origin {
	o := integration.Origin{Platform: kind}
	if t.Priority == "" || !slices.Contains(receiver.DescriptionParts, integration.PartPriority) {
		return o
	}
	opts, err := src.Picklist(ctx, platform.PickPriorities, "")
	if err != nil {
		return o
	}
	for _, p := range opts {
		if p.ID == t.Priority {
			o.PriorityName = p.Name
		}
	}
	return o
}

package configuration

import (
	"context"
	"fmt"
	"slices"

	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/platform"
)

// Picklist is one list of values as the configuration page shows it.
type Picklist struct {
	Platform platform.Kind         `json:"platform"`
	Kind     platform.PicklistKind `json:"kind"`
	Parent   string                `json:"parent,omitempty"`
	Options  []platform.Option     `json:"options"`
}

// Options lists the values of one picklist on the caller's own platform,
// scoped by parent where the platform does (ConnectWise board). Reads are
// cached for CacheTTL per organisation, platform, kind and parent.
func (s *Service) Options(ctx context.Context, caller connection.Caller, connID string, kind platform.PicklistKind, parent string) (Picklist, error) {
	return s.options(ctx, caller, connID, kind, parent, false)
}

// PartnerOptions lists the partner's values, which the caller's mappings
// refer to. They come from the same cache the partner's own reads fill, or
// are read server-side with the partner's stored credentials; only the
// values reach the caller.
func (s *Service) PartnerOptions(ctx context.Context, caller connection.Caller, connID string, kind platform.PicklistKind, parent string) (Picklist, error) {
	return s.options(ctx, caller, connID, kind, parent, true)
}

func (s *Service) options(ctx context.Context, caller connection.Caller, connID string, kind platform.PicklistKind, parent string, partner bool) (Picklist, error) {
	c, err := s.active(ctx, caller, connID)
	if err != nil {
		return Picklist{}, err
	}
	if _, err := ParseKind(string(kind)); err != nil {
		return Picklist{}, err
	}
	org := caller.OrgID
	if partner {
		org, _ = c.Partner(org)
	}
	r, err := s.readerFor(ctx, org, partner)
	if err != nil {
		return Picklist{}, err
	}
	if !slices.Contains(s.kindsOf(r.platform), kind) {
		return Picklist{}, fmt.Errorf("%w %q: %s has no such list", ErrUnknownKind, kind, r.platform)
	}
	ctx, cancel := context.WithTimeout(ctx, s.ReadTimeout)
	defer cancel()
	opts, err := r.picklist(ctx, kind, parent, false)
	if err != nil {
		return Picklist{}, fmt.Errorf("list %s of connection %s: %w", kind, connID, err)
	}
	if opts == nil {
		opts = []platform.Option{} // an empty list, not null, for the page
	}
	return Picklist{Platform: r.platform, Kind: kind, Parent: parent, Options: opts}, nil
}

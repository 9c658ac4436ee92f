package configuration

import (
	"context"
	"errors"
	"fmt"

	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/settings"
)

// reader reads one organisation's picklists through the cache. It reads the
// organisation's credentials and builds a client only on a cache miss, so a
// cached read costs no secret read and no platform call.
type reader struct {
	s        *Service
	org      string
	platform platform.Kind
	// partner makes every failure opaque (see Service.hidePartner): the
	// caller is not the organisation whose platform this is.
	partner bool
	client  Picklister
}

// readerFor starts a reader of org's platform, as named by its account.
func (s *Service) readerFor(ctx context.Context, org string, partner bool) (*reader, error) {
	acct, err := s.accounts.Get(ctx, org)
	if err != nil {
		if partner {
			return nil, s.hidePartner(ctx, org, err)
		}
		return nil, err
	}
	return &reader{s: s, org: org, platform: acct.Platform, partner: partner}, nil
}

// picklist returns one list, from the cache unless fresh is set; whatever
// it reads from the platform refreshes the cache.
func (r *reader) picklist(ctx context.Context, kind platform.PicklistKind, parent string, fresh bool) ([]platform.Option, error) {
	if !fresh {
		if opts, ok := r.s.cache.get(r.key(kind, parent)); ok {
			return opts, nil
		}
	}
	if err := r.connect(ctx); err != nil {
		return nil, err
	}
	opts, err := r.client.Picklist(ctx, kind, parent)
	if err != nil {
		if r.partner {
			return nil, r.s.hidePartner(ctx, r.org, err)
		}
		return nil, fmt.Errorf("read %s %s: %w: %w", r.platform, kind, ErrPlatformUnavailable, err)
	}
	r.s.cache.put(r.key(kind, parent), opts)
	return opts, nil
}

func (r *reader) key(kind platform.PicklistKind, parent string) cacheKey {
	return cacheKey{org: r.org, platform: r.platform, kind: kind, parent: parent}
}

// connect builds the client from the organisation's stored credentials. The
// credentials stay in this function's frame and the client.
func (r *reader) connect(ctx context.Context) error {
	if r.client != nil {
		return nil
	}
	kind, creds, err := r.s.accounts.Credentials(ctx, r.org)
	if err == nil {
		// The organisation may have switched platform since readerFor:
		// what the credentials are for is what gets read and cached.
		r.platform = kind
		r.client, err = r.s.clients(platform.WithOrg(ctx, r.org), kind, creds)
	}
	if err != nil {
		if r.partner {
			return r.s.hidePartner(ctx, r.org, err)
		}
		return fmt.Errorf("connect to %s: %w", r.platform, err)
	}
	return nil
}

// catalog reads every list validation needs.
func (r *reader) catalog(ctx context.Context, fresh bool) (integration.Catalog, error) {
	kinds := r.s.kindsOf(r.platform)
	cat := integration.Catalog{Picklists: make(map[platform.PicklistKind][]platform.Option, len(kinds))}
	for _, kind := range kinds {
		opts, err := r.picklist(ctx, kind, "", fresh)
		if err != nil {
			return integration.Catalog{}, err
		}
		cat.Picklists[kind] = opts
	}
	if r.platform == platform.ConnectWise {
		cat.Boards = boardFacts(cat.Picklists)
	}
	return cat, nil
}

// boardFacts derives the ConnectWise board facts from the lists: a board has
// statuses if a status names it as parent (statuses read without a parent
// carry their board). Whether a board has a default team is not in the
// lists: it is taken as set here, and checkBoard asks the platform about the
// board a configuration chooses.
func boardFacts(lists map[platform.PicklistKind][]platform.Option) map[string]integration.Board {
	facts := make(map[string]integration.Board, len(lists[platform.PickQueues]))
	for _, b := range lists[platform.PickQueues] {
		facts[b.ID] = integration.Board{HasDefaultTeam: true}
	}
	for _, st := range lists[platform.PickStatuses] {
		if f, ok := facts[st.Parent]; ok {
			f.HasStatuses = true
			facts[st.Parent] = f
		}
	}
	return facts
}

// checkBoard replaces what the lists suggest about the board a
// configuration chooses with what the platform's preparation checklist
// finds (ConnectWise: its default team and statuses), where the client has
// one. The checklist reads the board live, like the rest of my catalog.
func (r *reader) checkBoard(ctx context.Context, cat integration.Catalog, board string) error {
	if _, ok := cat.Boards[board]; !ok {
		return nil // not a board of mine: validation says so
	}
	if err := r.connect(ctx); err != nil {
		return err
	}
	cl, ok := r.client.(platform.Checklister)
	if !ok {
		return nil
	}
	items, err := cl.Checklist(ctx, board)
	if err != nil {
		return fmt.Errorf("check %s board %s: %w: %w", r.platform, board, ErrPlatformUnavailable, err)
	}
	facts := cat.Boards[board]
	for _, it := range items {
		switch it.Item {
		case platform.ItemDefaultTeam:
			facts.HasDefaultTeam = it.OK
		case platform.ItemStatuses:
			facts.HasStatuses = it.OK
		}
	}
	cat.Boards[board] = facts
	return nil
}

// hidePartner turns a failure to read the partner's platform into an error
// that carries nothing of the partner's setup: neither the partner's
// credential validation messages nor its platform's error text reach the
// caller. The cause goes to the log only.
func (s *Service) hidePartner(ctx context.Context, partnerOrg string, err error) error {
	if errors.Is(err, settings.ErrNotConfigured) {
		return ErrPartnerNotConfigured
	}
	s.log.WarnContext(ctx, "partner platform not read", "partner_org_id", partnerOrg, "error", err)
	return ErrPartnerUnavailable
}

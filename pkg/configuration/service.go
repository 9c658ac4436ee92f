package configuration

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
)

// CacheTTL is how long a picklist read is reused: long enough that a person
// paging through the configuration page costs one platform read per list,
// short enough that a value just added on the platform shows up soon.
const CacheTTL = 60 * time.Second

// maxCacheEntries bounds the cache of one process; a list is a few KiB.
const maxCacheEntries = 4096

// Service runs the configuration use cases.
type Service struct {
	store    Store
	conns    Connections
	accounts Accounts
	clients  Clients
	log      *slog.Logger
	cache    *cache
	// ReadTimeout bounds the platform reads of one request, so a hanging
	// platform gets an answer that says so before the API function's 10 s
	// Lambda timeout cuts the request off with a bare error.
	ReadTimeout time.Duration
	// Picklists names the lists a platform has (its provider's); nil
	// means every one of Kinds.
	Picklists func(platform.Kind) []platform.PicklistKind
}

// kindsOf are the lists read and validated for a platform.
func (s *Service) kindsOf(k platform.Kind) []platform.PicklistKind {
	if s.Picklists == nil {
		return platform.AllPicklists
	}
	return s.Picklists(k)
}

// NewService wires a Service. clk drives the picklist cache; log may be nil.
func NewService(store Store, conns Connections, accounts Accounts, clients Clients, clk clock.Clock, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{
		store: store, conns: conns, accounts: accounts, clients: clients, log: log,
		cache:       newCache(clk, CacheTTL, maxCacheEntries),
		ReadTimeout: 8 * time.Second,
	}
}

// Get returns the caller's side of the connection; before the first save it
// is the zero Config with Version 0.
func (s *Service) Get(ctx context.Context, caller connection.Caller, connID string) (integration.Config, error) {
	if _, err := s.active(ctx, caller, connID); err != nil {
		return integration.Config{}, err
	}
	cfg, err := s.store.GetConfig(ctx, connID, caller.OrgID)
	if err != nil {
		return integration.Config{}, fmt.Errorf("get configuration of connection %s: %w", connID, err)
	}
	return cfg, nil
}

// Put validates cfg as the caller's side against both platforms' picklists
// and stores it as version cfg.Version+1, provided the stored version is
// still cfg.Version. It returns what was stored.
//
// The caller's platform is read fresh, so a value added there a moment ago
// validates and one just deactivated does not; the partner's lists may come
// from the cache (see the package comment): partner values only need to
// exist, inactive ones are accepted anyway.
func (s *Service) Put(ctx context.Context, caller connection.Caller, connID string, cfg integration.Config) (integration.Config, error) {
	c, err := s.active(ctx, caller, connID)
	if err != nil {
		return integration.Config{}, err
	}
	if cfg.Version < 0 {
		v := &platform.ValidationError{}
		v.Add("version", "must be the version you read (0 for the first save), got %d", cfg.Version)
		return integration.Config{}, &InvalidError{Problems: v}
	}
	// Checked before the platform reads so a stale page fails fast; the
	// conditional write below is what actually guarantees it.
	stored, err := s.store.GetConfig(ctx, connID, caller.OrgID)
	if err != nil {
		return integration.Config{}, fmt.Errorf("save configuration of connection %s: %w", connID, err)
	}
	if stored.Version != cfg.Version {
		return integration.Config{}, fmt.Errorf("save configuration of connection %s: version %d, stored %d: %w", connID, cfg.Version, stored.Version, ErrVersionConflict)
	}
	side, mine, partner, err := s.catalogs(ctx, c, caller.OrgID, cfg.Board)
	if err != nil {
		return integration.Config{}, fmt.Errorf("save configuration of connection %s: %w", connID, err)
	}
	if err := integration.Validate(cfg, side, mine, partner); err != nil {
		var ve *platform.ValidationError
		if errors.As(err, &ve) {
			return integration.Config{}, &InvalidError{Problems: ve}
		}
		return integration.Config{}, fmt.Errorf("validate configuration of connection %s: %w", connID, err)
	}
	next := cfg
	next.Version = cfg.Version + 1
	if err := s.store.PutConfig(ctx, connID, caller.OrgID, next, cfg.Version); err != nil {
		return integration.Config{}, fmt.Errorf("save configuration of connection %s: %w", connID, err)
	}
	s.log.InfoContext(ctx, "configuration saved", "org_id", caller.OrgID, "connection_id", connID, "version", next.Version, "role", side.Role)
	return next, nil
}

// active returns the connection if the caller is a side of it and it is
// active. Another organisation's connection is connection.ErrNotFound.
func (s *Service) active(ctx context.Context, caller connection.Caller, connID string) (connection.Connection, error) {
	c, err := s.conns.Get(ctx, caller, connID)
	if err != nil {
		return connection.Connection{}, err
	}
	if c.Status != connection.Active {
		return connection.Connection{}, fmt.Errorf("connection %s is %s: %w", connID, c.Status, ErrNotActive)
	}
	return c, nil
}

// catalogs works out the caller's side and reads both platforms' lists,
// and checks board, the board the caller's configuration chooses, where it
// chooses one.
func (s *Service) catalogs(ctx context.Context, c connection.Connection, org, board string) (integration.Side, integration.Catalog, integration.Catalog, error) {
	ctx, cancel := context.WithTimeout(ctx, s.ReadTimeout)
	defer cancel()
	partnerOrg, _ := c.Partner(org)
	me, err := s.readerFor(ctx, org, false)
	if err != nil {
		return integration.Side{}, integration.Catalog{}, integration.Catalog{}, err
	}
	them, err := s.readerFor(ctx, partnerOrg, true)
	if err != nil {
		return integration.Side{}, integration.Catalog{}, integration.Catalog{}, err
	}
	// The two platforms have separate rate limits, so they are read at
	// once; a save waits for the slower one, not for both in turn.
	var (
		wg         sync.WaitGroup
		partnerCat integration.Catalog
		partnerErr error
		mineCat    integration.Catalog
		mineErr    error
	)
	wg.Go(func() { partnerCat, partnerErr = them.catalog(ctx, false) })
	mineCat, mineErr = me.catalog(ctx, true)
	if mineErr == nil && board != "" {
		mineErr = me.checkBoard(ctx, mineCat, board)
	}
	wg.Wait()
	// My own platform's failure comes first: it is the one the caller can fix.
	for _, err := range []error{mineErr, partnerErr} {
		if err != nil {
			return integration.Side{}, integration.Catalog{}, integration.Catalog{}, err
		}
	}
	side := integration.Side{Role: integration.Role(c.RoleOf(org)), Platform: me.platform, Partner: them.platform}
	return side, mineCat, partnerCat, nil
}

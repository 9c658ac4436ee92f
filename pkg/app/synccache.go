package app

import (
	"context"
	"sync"
	"time"

	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/relay"
	"github.com/tandemsync/tandem/pkg/ttlcache"
)

// stampedStore is what the warm-instance cache reads: the org's
// connections, a side's configuration, and the stamps that say whether
// either changed since (dynamostore.Store.StampsAndLinks).
type stampedStore interface {
	ListForOrg(ctx context.Context, org string) ([]connection.Connection, error)
	GetConfig(ctx context.Context, connID, org string) (integration.Config, error)
	StampsAndLinks(ctx context.Context, org string, connIDs []string, ticketID string) (int64, map[string]int64, map[string]relay.LinkRead, error)
}

// syncCacheTTL only bounds memory: the stamps, read on every event, decide
// whether a kept copy is still right.
const syncCacheTTL = time.Hour

// syncCache keeps, per warm instance, each organisation's active
// connections and each side's configuration, so an event costs one read of
// their stamps (one BatchGetItem) instead of a Query and a read per
// configuration. Every connection write moves its organisations' stamps and
// every configuration write its connection's, in the same transaction, and
// the stamps are read before anything they vouch for: a disconnection or a
// configuration change takes effect on the very next event, on every
// instance.
type syncCache struct {
	store stampedStore
	lists *ttlcache.Cache[string, stampedList]
	cfgs  *ttlcache.Cache[string, stampedConfig]

	mu sync.Mutex
	// seen is each connection's stamp as this instance last read it.
	seen map[string]int64
}

type stampedList struct {
	stamp int64
	conns []connection.Connection
}

type stampedConfig struct {
	stamp int64
	cfg   integration.Config
}

func newSyncCache(s stampedStore) *syncCache {
	return &syncCache{store: s, seen: map[string]int64{},
		lists: ttlcache.New[string, stampedList](syncCacheTTL, 10_000, nil),
		cfgs:  ttlcache.New[string, stampedConfig](syncCacheTTL, 10_000, nil)}
}

// ActiveFor is org's active connections, read again when org's stamp moved.
func (c *syncCache) ActiveFor(ctx context.Context, org string) ([]connection.Connection, error) {
	conns, _, err := c.ActiveForTicket(ctx, org, "")
	return conns, err
}

// ActiveForTicket is ActiveFor, and the link of org's ticket on each kept
// connection, read in the same request as the stamps (relay.TicketConnections).
// A connection new to the list has no link read here.
func (c *syncCache) ActiveForTicket(ctx context.Context, org, ticketID string) ([]connection.Connection, map[string]relay.LinkRead, error) {
	kept, ok := c.lists.Get(org)
	var ids []string
	for _, conn := range kept.conns {
		ids = append(ids, conn.ID)
	}
	orgStamp, connStamps, links, err := c.store.StampsAndLinks(ctx, org, ids, ticketID)
	if err != nil {
		return nil, nil, err
	}
	c.see(connStamps)
	if ok && kept.stamp == orgStamp {
		return kept.conns, links, nil
	}
	all, err := c.store.ListForOrg(ctx, org)
	if err != nil {
		return nil, nil, err
	}
	var active []connection.Connection
	for _, conn := range all {
		if conn.Status == connection.Active {
			active = append(active, conn)
		}
	}
	if len(active) > 0 {
		// The stamps of connections new to the list, for GetConfig.
		var fresh []string
		for _, conn := range active {
			if _, ok := connStamps[conn.ID]; !ok {
				fresh = append(fresh, conn.ID)
			}
		}
		if len(fresh) > 0 {
			if _, more, _, err := c.store.StampsAndLinks(ctx, org, fresh, ""); err == nil {
				c.see(more)
			}
		}
	}
	c.lists.Put(org, stampedList{stamp: orgStamp, conns: active})
	return active, links, nil
}

// see records stamps read. Stamps only grow, so a read that finished after
// a newer one never takes the record back.
func (c *syncCache) see(stamps map[string]int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, v := range stamps {
		if v > c.seen[id] {
			c.seen[id] = v
		} else if _, ok := c.seen[id]; !ok {
			c.seen[id] = v
		}
	}
}

// GetConfig is a side's configuration, kept while its connection's stamp
// is the one the event's ActiveFor just read. A connection no ActiveFor
// has vouched for is read through.
func (c *syncCache) GetConfig(ctx context.Context, connID, org string) (integration.Config, error) {
	c.mu.Lock()
	stamp, vouched := c.seen[connID]
	c.mu.Unlock()
	k := connID + "|" + org
	if kept, ok := c.cfgs.Get(k); ok && vouched && kept.stamp == stamp {
		return kept.cfg, nil
	}
	cfg, err := c.store.GetConfig(ctx, connID, org)
	if err == nil && vouched {
		c.cfgs.Put(k, stampedConfig{stamp: stamp, cfg: cfg})
	}
	return cfg, err
}

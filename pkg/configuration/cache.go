package configuration

import (
	"slices"
	"time"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/ttlcache"
)

// cache keeps picklists in memory for a short while, per warm process,
// holding at most a bounded number of lists.
//
// Why memory and not DynamoDB: the values are small, contain nothing secret,
// and only need to survive the minute an administrator spends on the
// configuration page; the point is to spare the platform's rate limit, not
// to share across instances. A cold instance costs one platform read per
// list, and a DynamoDB cache would add a write to every miss.
type cache struct {
	lists *ttlcache.Cache[cacheKey, []platform.Option]
}

// cacheKey names one platform's list: the organisation whose platform was
// read, and the platform itself, so an organisation that switches platform
// never sees the old platform's values.
type cacheKey struct {
	org      string
	platform platform.Kind
	kind     platform.PicklistKind
	parent   string
}

func newCache(clk clock.Clock, ttl time.Duration, maxEntries int) *cache {
	return &cache{lists: ttlcache.New[cacheKey, []platform.Option](ttl, maxEntries, clk)}
}

// get returns a fresh entry. Callers must not modify the slice.
func (c *cache) get(k cacheKey) ([]platform.Option, bool) { return c.lists.Get(k) }

// put stores a copy of opts, so the caller's slice stays its own.
func (c *cache) put(k cacheKey, opts []platform.Option) { c.lists.Put(k, slices.Clone(opts)) }

package configuration

import (
	"slices"
	"sync"
	"time"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/platform"
)

// cache keeps picklists in memory for a short while, per warm process.
//
// Why memory and not DynamoDB: the values are small, contain nothing secret,
// and only need to survive the minute an administrator spends on the
// configuration page; the point is to spare the platform's rate limit, not
// to share across instances. A cold instance costs one platform read per
// list, and a DynamoDB cache would add a write to every miss.
type cache struct {
	clock clock.Clock
	ttl   time.Duration
	max   int

	mu sync.Mutex
	m  map[cacheKey]cacheEntry
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

type cacheEntry struct {
	opts    []platform.Option
	expires time.Time
}

func newCache(clk clock.Clock, ttl time.Duration, maxEntries int) *cache {
	return &cache{clock: clk, ttl: ttl, max: maxEntries, m: map[cacheKey]cacheEntry{}}
}

// get returns a fresh entry. Callers must not modify the slice.
func (c *cache) get(k cacheKey) ([]platform.Option, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || !c.clock.Now().Before(e.expires) {
		return nil, false
	}
	return e.opts, true
}

func (c *cache) put(k cacheKey, opts []platform.Option) {
	now := c.clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		c.evict(now)
	}
	c.m[k] = cacheEntry{opts: slices.Clone(opts), expires: now.Add(c.ttl)}
}

// evict drops expired entries and, if the cache is still full, arbitrary
// ones: a long-lived local runner must not grow without bound.
func (c *cache) evict(now time.Time) {
	for k, e := range c.m {
		if !now.Before(e.expires) {
			delete(c.m, k)
		}
	}
	for k := range c.m {
		if len(c.m) < c.max {
			return
		}
		delete(c.m, k)
	}
}

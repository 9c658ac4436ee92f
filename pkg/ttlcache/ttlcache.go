// Package ttlcache keeps values in memory for a fixed time, per warm
// process: webhook secrets, per-organisation platform clients, picklists and
// ConnectWise signing-key verifiers. An entry older than the TTL is never
// returned, so a rotated secret or changed credential takes effect within it.
package ttlcache

import (
	"sync"
	"time"

	"github.com/tandemsync/tandem/pkg/clock"
)

// Cache is safe for concurrent use. The zero value is not usable; call New.
type Cache[K comparable, V any] struct {
	clock clock.Clock
	ttl   time.Duration
	max   int

	mu sync.Mutex
	m  map[K]entry[V]
}

type entry[V any] struct {
	value   V
	expires time.Time
}

// New returns a cache whose entries live for ttl, holding at most
// maxEntries (a long-lived local runner must not grow without bound); a nil
// clock is the system clock.
func New[K comparable, V any](ttl time.Duration, maxEntries int, clk clock.Clock) *Cache[K, V] {
	if clk == nil {
		clk = clock.System{}
	}
	return &Cache[K, V]{clock: clk, ttl: ttl, max: max(1, maxEntries), m: map[K]entry[V]{}}
}

// Get returns the value for k if it is younger than the TTL.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	now := c.clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || !now.Before(e.expires) {
		var zero V
		return zero, false
	}
	return e.value, true
}

// Put stores v for k for one TTL from now.
func (c *Cache[K, V]) Put(k K, v V) {
	now := c.clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; !ok && len(c.m) >= c.max {
		c.evict(now)
	}
	c.m[k] = entry[V]{value: v, expires: now.Add(c.ttl)}
}

// Delete forgets k.
func (c *Cache[K, V]) Delete(k K) {
	c.mu.Lock()
	delete(c.m, k)
	c.mu.Unlock()
}

// Values calls fn for every live entry, under the cache's lock: fn must not
// call the cache.
func (c *Cache[K, V]) Values(fn func(K, V)) {
	now := c.clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.m {
		if now.Before(e.expires) {
			fn(k, e.value)
		}
	}
}

// evict drops expired entries and, if the cache is still full, arbitrary
// ones until there is room for one more.
func (c *Cache[K, V]) evict(now time.Time) {
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

package configuration

import (
	"fmt"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/platform"
)

func TestCacheStaysBounded(t *testing.T) {
	clk := clock.NewManual(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	c := newCache(clk, time.Minute, 3)
	key := func(i int) cacheKey { return cacheKey{org: fmt.Sprint("org-", i), kind: platform.PickStatuses} }
	for i := range 3 {
		c.put(key(i), []platform.Option{{ID: "1"}})
	}
	clk.Advance(time.Minute) // all three expire
	c.put(key(3), nil)
	if n := c.len(); n != 1 {
		t.Fatalf("after expiry the cache holds %d entries, want only the new one", n)
	}
	for i := 4; i < 10; i++ {
		c.put(key(i), nil)
	}
	if n := c.len(); n > 3 {
		t.Fatalf("cache holds %d fresh entries, more than its bound of 3", n)
	}
	if _, ok := c.get(key(9)); !ok {
		t.Fatal("the newest entry was evicted")
	}
}

// len counts the live entries.
func (c *cache) len() int {
	n := 0
	c.lists.Values(func(cacheKey, []platform.Option) { n++ })
	return n
}

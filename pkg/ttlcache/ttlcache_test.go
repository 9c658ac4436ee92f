package ttlcache_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/ttlcache"
)

func TestEntryExpiresAtItsTTL(t *testing.T) {
	clk := clock.NewManual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	c := ttlcache.New[string, int](time.Minute, 10, clk)
	c.Put("a", 1)
	for _, step := range []struct {
		advance time.Duration
		want    bool
	}{{0, true}, {time.Minute - time.Nanosecond, true}, {time.Nanosecond, false}} {
		clk.Advance(step.advance)
		if v, ok := c.Get("a"); ok != step.want || (ok && v != 1) {
			t.Fatalf("after +%v: got %d, %v; want present=%v", step.advance, v, ok, step.want)
		}
	}
	c.Put("a", 2)
	if v, ok := c.Get("a"); !ok || v != 2 {
		t.Fatalf("a renewed entry must be served: got %d, %v", v, ok)
	}
	c.Delete("a")
	if _, ok := c.Get("a"); ok {
		t.Fatal("a deleted entry was served")
	}
}

func TestBoundedSizeEvictsExpiredFirst(t *testing.T) {
	clk := clock.NewManual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	c := ttlcache.New[int, int](time.Minute, 3, clk)
	c.Put(1, 1)
	clk.Advance(2 * time.Minute) // 1 has expired
	c.Put(2, 2)
	c.Put(3, 3)
	c.Put(4, 4) // full: the expired 1 makes room, 2 and 3 stay
	for _, k := range []int{2, 3, 4} {
		if _, ok := c.Get(k); !ok {
			t.Fatalf("live entry %d was evicted while an expired one was there", k)
		}
	}
	c.Put(5, 5) // full of live entries: one goes, the size holds
	n := 0
	c.Values(func(int, int) { n++ })
	if n != 3 {
		t.Fatalf("%d live entries, want the bound 3", n)
	}
	if _, ok := c.Get(5); !ok {
		t.Fatal("the newest entry must be kept")
	}
}

func TestConcurrentUse(t *testing.T) {
	c := ttlcache.New[string, int](time.Hour, 50, nil)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 200 {
				k := fmt.Sprint((i*200 + j) % 80)
				c.Put(k, j)
				c.Get(k)
			}
		}()
	}
	wg.Wait()
	n := 0
	c.Values(func(string, int) { n++ })
	if n == 0 || n > 50 {
		t.Fatalf("%d entries after concurrent use, want 1..50", n)
	}
}

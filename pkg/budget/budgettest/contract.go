package budgettest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/budget"
)

var h0 = time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)

// RunConcurrencyContract checks that concurrent adds all count.
func RunConcurrencyContract(t *testing.T, newCounter func(t *testing.T) budget.Counter) {
	ctx := context.Background()
	t.Run("concurrent adds all count", func(t *testing.T) {
		c := newCounter(t)
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := c.AddCalls(ctx, "acme", h0, int64(i+1)); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		got, err := c.Calls(ctx, "acme", h0, h0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Calls != 210 || !got[0].Start.Equal(h0) {
			t.Fatalf("after 20 adds of 1..20: %+v, want one hour of 210 calls", got)
		}
	})
}

// RunCounterContract checks what the meter and the usage page rely on: adds
// accumulate per organisation and hour, and Calls returns the asked hours
// in order.
func RunCounterContract(t *testing.T, newCounter func(t *testing.T) budget.Counter) {
	ctx := context.Background()
	t.Run("hours and organisations are apart", func(t *testing.T) {
		c := newCounter(t)
		for i, add := range []struct {
			org  string
			hour time.Time
			n    int64
		}{
			{"acme", h0, 5}, {"acme", h0.Add(time.Hour), 7}, {"acme", h0.Add(3 * time.Hour), 1},
			{"globex", h0.Add(time.Hour), 100}, {"acme", h0.Add(-time.Hour), 9},
		} {
			if err := c.AddCalls(ctx, add.org, add.hour, add.n); err != nil {
				t.Fatalf("add %d: %v", i, err)
			}
		}
		// a time inside an hour adds to that hour
		if err := c.AddCalls(ctx, "acme", h0.Add(59*time.Minute), 2); err != nil {
			t.Fatal(err)
		}
		got, err := c.Calls(ctx, "acme", h0, h0.Add(3*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		want := []budget.Hour{{Start: h0, Calls: 7}, {Start: h0.Add(time.Hour), Calls: 7}}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("acme's hours in [h0, h0+3h): %+v, want %+v", got, want)
		}
		for i := range got {
			if !got[i].Start.Equal(want[i].Start) {
				t.Fatalf("hour %d starts %v, want %v", i, got[i].Start, want[i].Start)
			}
		}
		none, err := c.Calls(ctx, "initech", h0.Add(-24*time.Hour), h0.Add(24*time.Hour))
		if err != nil || len(none) != 0 {
			t.Fatalf("an organisation without calls: %+v, %v", none, err)
		}
	})
}

package budget_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/budget"
	"github.com/tandemsync/tandem/pkg/budget/budgettest"
	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/platform"
)

type fakeClient struct{ n atomic.Int64 }

func (f *fakeClient) Requests() int64 { return f.n.Load() }

func TestThresholdIsBelowHalfOfEveryLimit(t *testing.T) {
	for kind, limit := range budget.HourLimits {
		if th := budget.Threshold(limit); th <= 0 || 2*th >= limit {
			t.Errorf("%s: threshold %d of %d is not below one half", kind, th, limit)
		}
	}
	if got := budget.Threshold(budget.Limit(platform.Autotask)); got != 4_500 {
		t.Fatalf("Autotask holds at %d, want 4,500 (45 %% of 10,000)", got)
	}
}

func TestMeterHoldsAtTheThresholdAndResumesNextHour(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewManual(time.Date(2026, 11, 29, 10, 20, 0, 0, time.UTC))
	store := budgettest.NewMemory()
	m := budget.NewMeter(store, clk)
	c := &fakeClient{}
	m.Track("acme", c)
	const limit = 100 // threshold 45
	tests := []struct {
		name    string
		send    int64
		advance time.Duration
		hold    bool
	}{
		{"under the threshold", 44, 0, false},
		{"at the threshold", 1, 0, true},
		{"still this hour", 0, 30 * time.Minute, true},
		{"the next hour", 0, 10 * time.Minute, false},
	}
	for _, tc := range tests {
		c.n.Add(tc.send)
		clk.Advance(tc.advance)
		err := m.Check(ctx, "acme", limit)
		var hold *budget.HoldError
		if tc.hold != errors.As(err, &hold) || tc.hold != errors.Is(err, budget.ErrOverBudget) {
			t.Fatalf("%s: Check = %v, hold %v", tc.name, err, tc.hold)
		}
		if tc.hold && !hold.Until.Equal(time.Date(2026, 11, 29, 11, 0, 0, 0, time.UTC)) {
			t.Fatalf("%s: held until %v, want the next hour", tc.name, hold.Until)
		}
	}
	if err := m.Check(ctx, "globex", limit); err != nil {
		t.Fatalf("another organisation is held by acme's calls: %v", err)
	}
}

// Calls are written once per flush, whatever their number, and another
// instance's writes are seen once the read is FlushInterval old.
func TestMeterBatchesWritesAndSeesOtherInstances(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewManual(time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC))
	store := budgettest.NewMemory()
	a, b := budget.NewMeter(store, clk), budget.NewMeter(store, clk)
	ca, cb := &fakeClient{}, &fakeClient{}
	a.Track("acme", ca)
	b.Track("acme", cb)
	for range 1000 {
		ca.n.Add(1)
	}
	if err := a.Check(ctx, "acme", 10_000); err != nil {
		t.Fatal(err)
	}
	if err := a.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if store.Adds != 1 {
		t.Fatalf("1,000 calls took %d writes, want 1", store.Adds)
	}
	cb.n.Add(3_600)
	if err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// a read the shared count at the start; b's calls show after the interval.
	if err := a.Check(ctx, "acme", 10_000); err != nil {
		t.Fatalf("within the interval a still trusts its read: %v", err)
	}
	clk.Advance(budget.FlushInterval)
	if err := a.Check(ctx, "acme", 10_000); !errors.Is(err, budget.ErrOverBudget) {
		t.Fatalf("4,600 calls of acme across two instances: Check = %v, want a hold", err)
	}
	hours, err := store.Calls(ctx, "acme", budget.HourOf(clk.Now()), budget.HourOf(clk.Now()).Add(time.Hour))
	if err != nil || len(hours) != 1 || hours[0].Calls != 4_600 {
		t.Fatalf("stored %+v, %v; want 4,600 calls", hours, err)
	}
}

var sinkErr error

// BenchmarkMeterCheck is what the budget adds to each queue message: one
// Check, which reads and writes the store only once per FlushInterval.
func BenchmarkMeterCheck(b *testing.B) {
	ctx := context.Background()
	m := budget.NewMeter(budgettest.NewMemory(), clock.System{})
	c := &fakeClient{}
	m.Track("acme", c)
	b.ReportAllocs()
	for b.Loop() {
		c.n.Add(3)
		sinkErr = m.Check(ctx, "acme", 1<<40)
	}
}

// FlushDue, run at the end of every invocation, writes an organisation's
// calls at most once per FlushInterval; Flush writes them all.
func TestFlushDueWritesOncePerInterval(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewManual(time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC))
	store := budgettest.NewMemory()
	m := budget.NewMeter(store, clk)
	c := &fakeClient{}
	m.Track("acme", c)
	invocations := []struct {
		advance time.Duration
		adds    int
	}{
		{0, 1},                    // never written: written now
		{10 * time.Second, 1},     // 10 s later: kept
		{10 * time.Second, 1},     // 20 s: kept
		{budget.FlushInterval, 2}, // past the interval: written
		{time.Second, 2},
	}
	for i, inv := range invocations {
		clk.Advance(inv.advance)
		c.n.Add(7)
		if err := m.FlushDue(ctx); err != nil {
			t.Fatal(err)
		}
		if store.Adds != inv.adds {
			t.Fatalf("invocation %d: %d writes, want %d", i, store.Adds, inv.adds)
		}
	}
	if err := m.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	hours, _ := store.Calls(ctx, "acme", budget.HourOf(clk.Now()), budget.HourOf(clk.Now()).Add(time.Hour))
	if len(hours) != 1 || hours[0].Calls != 35 {
		t.Fatalf("stored %+v, want the 35 calls of five invocations", hours)
	}
}

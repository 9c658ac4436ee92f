// Package budgettest holds an in-memory Counter for unit tests and the
// contract every Counter keeps, run against it and the DynamoDB adapter.
package budgettest

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/tandemsync/tandem/pkg/budget"
)

// Memory is an in-memory budget.Counter. Safe for concurrent use.
type Memory struct {
	mu    sync.Mutex
	calls map[string]map[time.Time]int64
	// Adds counts AddCalls calls, for tests of how often the meter writes.
	Adds int
	// Reads counts Calls calls.
	Reads int
}

var _ budget.Counter = (*Memory)(nil)

// NewMemory returns an empty counter.
func NewMemory() *Memory { return &Memory{calls: map[string]map[time.Time]int64{}} }

// AddCalls adds n to org's hour.
func (m *Memory) AddCalls(_ context.Context, org string, hour time.Time, n int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Adds++
	if m.calls[org] == nil {
		m.calls[org] = map[time.Time]int64{}
	}
	m.calls[org][budget.HourOf(hour)] += n
	return nil
}

// Calls returns org's hours in [from, to) with calls, oldest first.
func (m *Memory) Calls(_ context.Context, org string, from, to time.Time) ([]budget.Hour, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Reads++
	var out []budget.Hour
	for h, n := range m.calls[org] {
		if !h.Before(from) && h.Before(to) && n != 0 {
			out = append(out, budget.Hour{Start: h, Calls: n})
		}
	}
	slices.SortFunc(out, func(a, b budget.Hour) int { return a.Start.Compare(b.Start) })
	return out, nil
}

// Package connectiontest holds the in-memory Store used by unit tests of the
// connection core, and the contract test that both it and the DynamoDB
// adapter must pass, so the fake cannot drift from the real thing.
package connectiontest

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/tandemsync/tandem/pkg/connection"
)

// MemStore is a connection.Store in memory. Safe for concurrent use.
type MemStore struct {
	mu       sync.Mutex
	conns    map[string]connection.Connection
	codes    map[string]string // code hash → connection id
	failures map[string]int
	// Calls counts store operations, so tests can check what the core asks for.
	Calls int
}

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	return &MemStore{conns: map[string]connection.Connection{}, codes: map[string]string{}, failures: map[string]int{}}
}

var _ connection.Store = (*MemStore)(nil)

func (m *MemStore) CreatePending(_ context.Context, c connection.Connection) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Calls++
	if _, ok := m.conns[c.ID]; ok {
		return connection.ErrConflict
	}
	if _, ok := m.codes[c.CodeHash]; ok {
		return connection.ErrConflict
	}
	m.conns[c.ID] = c
	m.codes[c.CodeHash] = c.ID
	return nil
}

func (m *MemStore) ByCodeHash(_ context.Context, h string) (connection.Connection, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Calls++
	id, ok := m.codes[h]
	if !ok {
		return connection.Connection{}, connection.ErrNotFound
	}
	return m.conns[id], nil
}

func (m *MemStore) Get(_ context.Context, id string) (connection.Connection, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Calls++
	c, ok := m.conns[id]
	if !ok {
		return connection.Connection{}, connection.ErrNotFound
	}
	return c, nil
}

func (m *MemStore) ListForOrg(_ context.Context, org string) ([]connection.Connection, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Calls++
	var out []connection.Connection
	for _, c := range m.conns {
		if c.Involves(org) {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (m *MemStore) Activate(_ context.Context, next connection.Connection, h string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Calls++
	cur, ok := m.conns[next.ID]
	if !ok || cur.Status != connection.Pending || cur.CodeHash != h || m.codes[h] != next.ID ||
		!next.AcceptedAt.Before(cur.CodeExpiresAt) {
		return connection.ErrConflict
	}
	delete(m.codes, h)
	m.conns[next.ID] = next
	return nil
}

func (m *MemStore) ReplaceCode(_ context.Context, next connection.Connection, old string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Calls++
	cur, ok := m.conns[next.ID]
	if !ok || cur.Status != connection.Pending || cur.CodeHash != old {
		return connection.ErrConflict
	}
	delete(m.codes, old)
	m.codes[next.CodeHash] = next.ID
	m.conns[next.ID] = next
	return nil
}

func (m *MemStore) End(_ context.Context, next connection.Connection, prev connection.Status) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Calls++
	cur, ok := m.conns[next.ID]
	if !ok || cur.Status != prev {
		return connection.ErrConflict
	}
	if cur.CodeHash != "" {
		delete(m.codes, cur.CodeHash)
	}
	m.conns[next.ID] = next
	return nil
}

func (m *MemStore) AddAcceptAttempts(_ context.Context, org string, window, _ time.Time, delta int) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Calls++
	k := org + "|" + window.UTC().Format(time.RFC3339)
	m.failures[k] += delta
	return m.failures[k], nil
}

// Len is the number of stored connections.
func (m *MemStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.conns)
}

// Dump renders everything stored, for tests that check what never may be.
func (m *MemStore) Dump() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return fmt.Sprintf("%+v %+v", m.conns, m.codes)
}

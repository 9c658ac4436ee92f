// Package relaytest holds the in-memory relay.Store for unit tests and the
// contract test it shares with the DynamoDB adapter.
package relaytest

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tandemsync/tandem/pkg/relay"
)

// MemStore is a relay.Store in memory. Safe for concurrent use.
type MemStore struct {
	mu    sync.Mutex
	links map[string][]byte // conn|key → JSON, so callers never share memory with the store
	index map[string]string // conn|org|ticket → key
	done  map[string]bool
	log   []relay.LogEntry
}

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	return &MemStore{links: map[string][]byte{}, index: map[string]string{}, done: map[string]bool{}}
}

var _ relay.Store = (*MemStore)(nil)

func (m *MemStore) LinkByTicket(_ context.Context, connID, org, ticketID string) (relay.Link, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	key, ok := m.index[connID+"|"+org+"|"+ticketID]
	if !ok {
		return relay.Link{}, relay.ErrNoLink
	}
	var l relay.Link
	err := json.Unmarshal(m.links[connID+"|"+key], &l)
	return l, err
}

func (m *MemStore) PutLink(_ context.Context, l relay.Link) (relay.Link, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := l.ConnectionID + "|" + l.Key
	var cur relay.Link
	if raw, ok := m.links[k]; ok {
		_ = json.Unmarshal(raw, &cur)
		if cur.Version != l.Version || cur.Source.Version != l.Source.Version || cur.Target.Version != l.Target.Version {
			return relay.Link{}, relay.ErrConflict
		}
	} else if l.Version != 0 {
		return relay.Link{}, relay.ErrConflict
	}
	l.Version++
	l.Source.Version++
	l.Target.Version++
	return l, m.store(l, l.Source, l.Target)
}

var _ relay.SideWriter = (*MemStore)(nil)

// PutSide writes org's side of l over the stored link if that side is as
// l has it.
func (m *MemStore) PutSide(ctx context.Context, l relay.Link, org string) (relay.Link, error) {
	if l.Version == 0 {
		return m.PutLink(ctx, l)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	raw, ok := m.links[l.ConnectionID+"|"+l.Key]
	if !ok {
		return relay.Link{}, relay.ErrConflict
	}
	var cur relay.Link
	_ = json.Unmarshal(raw, &cur)
	mine, _ := l.SideOf(org)
	stored, _ := cur.SideOf(org)
	if stored.Version != mine.Version {
		return relay.Link{}, relay.ErrConflict
	}
	mine.Version++
	*stored = *mine
	return l, m.store(cur, *mine)
}

// store keeps l (the caller holds m.mu) and indexes the tickets of sides.
func (m *MemStore) store(l relay.Link, sides ...relay.Side) error {
	raw, err := json.Marshal(l)
	if err != nil {
		return err
	}
	m.links[l.ConnectionID+"|"+l.Key] = raw
	for _, s := range sides {
		if s.TicketID != "" {
			m.index[l.ConnectionID+"|"+s.Org+"|"+s.TicketID] = l.Key
		}
	}
	return nil
}

func (m *MemStore) Done(_ context.Context, id string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.done[id], nil
}

func (m *MemStore) MarkDone(_ context.Context, id string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.done[id] = true
	return nil
}

var (
	_ relay.DoneLogger = (*MemStore)(nil)
	_ relay.LinkLedger = (*MemStore)(nil)
)

func (m *MemStore) DoneWithLink(ctx context.Context, id, connID, key string) (bool, relay.Link, error, error) {
	done, _ := m.Done(ctx, id)
	l, linkErr := m.LinkByKey(ctx, connID, key)
	return done, l, linkErr, nil
}

func (m *MemStore) LinkByKey(_ context.Context, connID, key string) (relay.Link, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	raw, ok := m.links[connID+"|"+key]
	if !ok {
		return relay.Link{}, relay.ErrNoLink
	}
	var l relay.Link
	err := json.Unmarshal(raw, &l)
	return l, err
}

func (m *MemStore) MarkDoneWithLog(ctx context.Context, id string, expires time.Time, e relay.LogEntry) error {
	if err := m.AppendLog(ctx, e); err != nil {
		return err
	}
	return m.MarkDone(ctx, id, expires)
}

func (m *MemStore) AppendLog(_ context.Context, e relay.LogEntry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	e.Position = relay.LogPosition(e.At, fmt.Sprintf("%08d", len(m.log)))
	m.log = append(m.log, e)
	return nil
}

func (m *MemStore) QueryLog(_ context.Context, connID string, q relay.LogQuery) ([]relay.LogEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	lo, hi := relay.PeriodBounds(q)
	var out []relay.LogEntry
	for _, e := range m.log {
		if e.ConnectionID == connID && e.Position >= lo && (hi == "" || e.Position < hi) && q.Matches(e) {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Position > out[j].Position })
	if q.Limit > 0 && len(out) > q.Limit+1 {
		out = out[:q.Limit+1]
	}
	return out, nil
}

// Log lists a connection's entries about ticket (all when empty), newest
// first, at most limit: a shorthand for tests.
func (m *MemStore) Log(ctx context.Context, connID, ticket string, limit int) ([]relay.LogEntry, error) {
	page, err := relay.ReadLog(ctx, m, []string{connID}, relay.LogQuery{Ticket: ticket, Limit: limit})
	return page.Entries, err
}

// Links returns every stored link, for assertions.
func (m *MemStore) Links() []relay.Link {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []relay.Link
	for _, raw := range m.links {
		var l relay.Link
		_ = json.Unmarshal(raw, &l)
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return strings.Compare(out[i].Key, out[j].Key) < 0 })
	return out
}

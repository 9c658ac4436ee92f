package relaytest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/relay"
)

// MemAttention keeps attention items and webhook watches in memory. Safe
// for concurrent use.
type MemAttention struct {
	mu      sync.Mutex
	items   map[string]relay.Attention // conn|id
	watches map[string]relay.Watch     // conn|org
}

// NewMemAttention returns an empty store.
func NewMemAttention() *MemAttention {
	return &MemAttention{items: map[string]relay.Attention{}, watches: map[string]relay.Watch{}}
}

var (
	_ relay.Attentions = (*MemAttention)(nil)
	_ relay.Watches    = (*MemAttention)(nil)
)

func (m *MemAttention) RaiseAttention(_ context.Context, a relay.Attention) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := a.ConnectionID + "|" + a.ID
	if cur, ok := m.items[k]; ok {
		a.FirstSeen, a.Count = cur.FirstSeen, cur.Count+a.Count
	}
	m.items[k] = a
	return nil
}

func (m *MemAttention) ClearAttention(_ context.Context, connID, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.items, connID+"|"+id)
	return nil
}

func (m *MemAttention) Attention(_ context.Context, connID string) ([]relay.Attention, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []relay.Attention
	for _, a := range m.items {
		if a.ConnectionID == connID {
			out = append(out, a)
		}
	}
	relay.SortAttention(out)
	return out, nil
}

func (m *MemAttention) NoteMissed(_ context.Context, connID, org string, at time.Time) (relay.Watch, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := connID + "|" + org
	w := m.watches[k]
	if w.Count == 0 {
		w.First = at
	}
	w.Last = at
	w.Count++
	m.watches[k] = w
	return w, nil
}

func (m *MemAttention) Watch(_ context.Context, connID, org string) (relay.Watch, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	w, ok := m.watches[connID+"|"+org]
	return w, ok, nil
}

func (m *MemAttention) DeleteWatch(_ context.Context, connID, org string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.watches, connID+"|"+org)
	return nil
}

// AttentionStore is what the attention contract needs of a store.
type AttentionStore interface {
	relay.Attentions
	relay.Watches
}

// RunAttentionContract checks what every attention store must do; the
// in-memory store and the DynamoDB adapter share it.
func RunAttentionContract(t *testing.T, newStore func(t *testing.T) AttentionStore) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	item := func(at time.Time, n int) relay.Attention {
		return relay.Attention{ID: "att_1", ConnectionID: "conn-1", Kind: relay.AttentionUnmapped, Org: "msp",
			Field: "status", Value: "31", Ticket: "acme#T1", Message: "partner status \"31\" has no mapping",
			FirstSeen: at, LastSeen: at, Count: n}
	}
	t.Run("a problem raised again is one item with its count, first and last seen", func(t *testing.T) {
		s := newStore(t)
		for i, n := range []int{1, 3, 2} {
			a := item(t0.Add(time.Duration(i)*time.Minute), n)
			if i == 2 {
				a.Ticket = "acme#T9" // the latest example is kept
			}
			if err := s.RaiseAttention(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.Attention(ctx, "conn-1")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Fatalf("items = %+v, want one", got)
		}
		g := got[0]
		if g.Count != 6 || !g.FirstSeen.Equal(t0) || !g.LastSeen.Equal(t0.Add(2*time.Minute)) || g.Ticket != "acme#T9" || g.Value != "31" {
			t.Fatalf("item = %+v, want count 6, first %v, last %v, ticket acme#T9", g, t0, t0.Add(2*time.Minute))
		}
	})
	t.Run("concurrent raises of one problem make one item counting each", func(t *testing.T) {
		s := newStore(t)
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.RaiseAttention(ctx, item(t0.Add(time.Duration(i)*time.Second), 1)); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		got, err := s.Attention(ctx, "conn-1")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Count != 8 {
			t.Fatalf("items = %+v, want one counting 8", got)
		}
	})
	t.Run("items are per connection, oldest first, and cleared by id", func(t *testing.T) {
		s := newStore(t)
		later := item(t0.Add(time.Hour), 1)
		later.ID = "att_2"
		other := item(t0, 1)
		other.ConnectionID = "conn-2"
		for _, a := range []relay.Attention{later, item(t0, 1), other} {
			if err := s.RaiseAttention(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.Attention(ctx, "conn-1")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ID != "att_1" || got[1].ID != "att_2" {
			t.Fatalf("items = %+v, want att_1 then att_2", got)
		}
		if err := s.ClearAttention(ctx, "conn-1", "att_1"); err != nil {
			t.Fatal(err)
		}
		if err := s.ClearAttention(ctx, "conn-1", "att_absent"); err != nil {
			t.Fatalf("clearing an absent item: %v", err)
		}
		got, _ = s.Attention(ctx, "conn-1")
		if len(got) != 1 || got[0].ID != "att_2" {
			t.Fatalf("after clear = %+v, want att_2 alone", got)
		}
		if got, _ := s.Attention(ctx, "conn-2"); len(got) != 1 {
			t.Fatalf("conn-2 = %+v, want its own item untouched", got)
		}
	})
	t.Run("a watch spans its missed changes until deleted", func(t *testing.T) {
		s := newStore(t)
		if _, ok, err := s.Watch(ctx, "conn-1", "acme"); err != nil || ok {
			t.Fatalf("Watch before any miss = %v, %v; want none", ok, err)
		}
		var w relay.Watch
		for _, at := range []time.Time{t0, t0.Add(10 * time.Minute), t0.Add(30 * time.Minute)} {
			var err error
			if w, err = s.NoteMissed(ctx, "conn-1", "acme", at); err != nil {
				t.Fatal(err)
			}
		}
		if w.Count != 3 || !w.First.Equal(t0) || !w.Last.Equal(t0.Add(30*time.Minute)) {
			t.Fatalf("watch = %+v, want 3 from %v to %v", w, t0, t0.Add(30*time.Minute))
		}
		if got, ok, err := s.Watch(ctx, "conn-1", "acme"); err != nil || !ok || got.Count != 3 {
			t.Fatalf("Watch = %+v, %v, %v", got, ok, err)
		}
		if _, ok, _ := s.Watch(ctx, "conn-1", "msp"); ok {
			t.Fatal("the other side has a watch it never opened")
		}
		if err := s.DeleteWatch(ctx, "conn-1", "acme"); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := s.Watch(ctx, "conn-1", "acme"); err != nil || ok {
			t.Fatalf("Watch after delete = %v, %v; want none", ok, err)
		}
		if w, err := s.NoteMissed(ctx, "conn-1", "acme", t0.Add(time.Hour)); err != nil || w.Count != 1 || !w.First.Equal(t0.Add(time.Hour)) {
			t.Fatalf("a new watch = %+v, %v; want it to start afresh", w, err)
		}
	})
}

// Package configurationtest holds the in-memory configuration.Store for unit
// tests and the contract test it shares with the DynamoDB adapter, so the
// fake cannot drift from the real thing.
package configurationtest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/tandemsync/tandem/pkg/configuration"
	"github.com/tandemsync/tandem/pkg/integration"
)

// MemStore is a configuration.Store in memory. Safe for concurrent use.
type MemStore struct {
	mu sync.Mutex
	// Documents are kept as JSON, as the real store does, so a test cannot
	// pass by sharing slices with the service.
	m map[memKey][]byte
}

type memKey struct{ conn, org string }

// NewMemStore returns an empty store.
func NewMemStore() *MemStore { return &MemStore{m: map[memKey][]byte{}} }

var _ configuration.Store = (*MemStore)(nil)

func (s *MemStore) GetConfig(_ context.Context, connID, org string) (integration.Config, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.load(memKey{connID, org})
}

func (s *MemStore) PutConfig(_ context.Context, connID, org string, cfg integration.Config, expectedVersion int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := memKey{connID, org}
	cur, err := s.load(k)
	if err != nil {
		return err
	}
	if cur.Version != expectedVersion {
		return fmt.Errorf("put configuration: stored version %d, expected %d: %w", cur.Version, expectedVersion, configuration.ErrVersionConflict)
	}
	raw, err := json.Marshal(cfg)
	if err != nil {
		return fmt.Errorf("encode configuration: %w", err)
	}
	s.m[k] = raw
	return nil
}

func (s *MemStore) load(k memKey) (integration.Config, error) {
	raw, ok := s.m[k]
	if !ok {
		return integration.Config{}, nil
	}
	var cfg integration.Config
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return integration.Config{}, fmt.Errorf("decode configuration: %w", err)
	}
	return cfg, nil
}

// Len is the number of stored documents.
func (s *MemStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

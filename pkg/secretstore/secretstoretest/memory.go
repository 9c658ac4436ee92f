// Package secretstoretest holds the in-memory secret store used by the local
// runner and unit tests, and the contract test that both it and the Secrets
// Manager adapter must pass, so the fake cannot drift from the real thing.
package secretstoretest

import (
	"context"
	"fmt"
	"sync"

	"github.com/tandemsync/tandem/pkg/secretstore"
)

// Memory keeps secrets in process memory, for the local runner and unit
// tests. Safe for concurrent use.
type Memory struct {
	mu sync.Mutex
	m  map[string][]byte
}

// NewMemory returns an empty store.
func NewMemory() *Memory { return &Memory{m: map[string][]byte{}} }

var _ Store = (*Memory)(nil)

func (s *Memory) PutSecret(_ context.Context, name string, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[name] = append([]byte(nil), value...)
	return nil
}

func (s *Memory) GetSecret(_ context.Context, name string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[name]
	if !ok {
		return nil, fmt.Errorf("get secret %s: %w", name, secretstore.ErrNotFound)
	}
	return append([]byte(nil), v...), nil
}

func (s *Memory) DeleteSecret(_ context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, name)
	return nil
}

// Len is the number of stored secrets.
func (s *Memory) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// Package secretstoretest holds the in-memory secret store used by the local
// runner and unit tests, and the contract test that both it and the Secrets
// Manager adapter must pass, so the fake cannot drift from the real thing.
package secretstoretest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/tandemsync/tandem/pkg/secretstore"
)

// Memory keeps secrets in process memory, for the local runner and unit
// tests. Safe for concurrent use.
type Memory struct {
	mu sync.Mutex
	m  map[string][]byte
	// calls counts every call, as Secrets Manager bills them (tandem-bench).
	calls atomic.Int64
}

// NewMemory returns an empty store.
func NewMemory() *Memory { return &Memory{m: map[string][]byte{}} }

var _ Store = (*Memory)(nil)

func (s *Memory) PutSecret(_ context.Context, name string, value []byte) error {
	s.calls.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[name] = append([]byte(nil), value...)
	return nil
}

func (s *Memory) GetSecret(_ context.Context, name string) ([]byte, error) {
	s.calls.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[name]
	if !ok {
		return nil, fmt.Errorf("get secret %s: %w", name, secretstore.ErrNotFound)
	}
	return append([]byte(nil), v...), nil
}

func (s *Memory) DeleteSecret(_ context.Context, name string) error {
	s.calls.Add(1)
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

// Calls is the number of Put, Get and Delete calls so far: the Secrets
// Manager API calls the same code would make.
func (s *Memory) Calls() int64 { return s.calls.Load() }

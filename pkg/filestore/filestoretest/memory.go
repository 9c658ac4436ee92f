// Package filestoretest holds the in-memory file store used by the local
// runner and unit tests, and the contract test that both it and the S3
// adapter must pass, so the fake cannot drift from the real thing.
package filestoretest

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/tandemsync/tandem/pkg/relay"
)

// Memory keeps files in process memory. Safe for concurrent use.
type Memory struct {
	mu sync.Mutex
	m  map[string][]byte
}

// NewMemory returns an empty store.
func NewMemory() *Memory { return &Memory{m: map[string][]byte{}} }

var _ relay.Files = (*Memory)(nil)

func (s *Memory) Put(_ context.Context, key string, data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = append([]byte(nil), data...)
	return nil
}

func (s *Memory) Get(_ context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	if !ok {
		return nil, fmt.Errorf("get file %s: %w", key, relay.ErrNoFile)
	}
	return append([]byte(nil), v...), nil
}

func (s *Memory) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
	return nil
}

// Keys lists the stored keys, sorted: what a test expects to be left over.
func (s *Memory) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.m))
	for k := range s.m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

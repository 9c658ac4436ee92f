// Package settingstest holds the in-memory AccountStore for unit tests and
// the contract test it shares with the DynamoDB adapter.
package settingstest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/settings"
)

// MemAccounts is a settings.AccountStore in memory.
type MemAccounts struct {
	mu sync.Mutex
	m  map[string]settings.Account
}

// NewMemAccounts returns an empty store.
func NewMemAccounts() *MemAccounts { return &MemAccounts{m: map[string]settings.Account{}} }

var _ settings.AccountStore = (*MemAccounts)(nil)

func (s *MemAccounts) GetAccount(_ context.Context, org string) (settings.Account, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.m[org]
	if !ok {
		return settings.Account{}, settings.ErrNotConfigured
	}
	return a, nil
}

func (s *MemAccounts) PutAccount(_ context.Context, a settings.Account) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[a.OrgID] = a
	return nil
}

func (s *MemAccounts) DeleteAccount(_ context.Context, org string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, org)
	return nil
}

// Len is the number of stored accounts.
func (s *MemAccounts) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// RunAccountStoreContract checks what every AccountStore must do.
func RunAccountStoreContract(t *testing.T, newStore func(t *testing.T) settings.AccountStore) {
	ctx := context.Background()
	s := newStore(t)
	if _, err := s.GetAccount(ctx, "org-a"); !errors.Is(err, settings.ErrNotConfigured) {
		t.Fatalf("get before put: %v, want ErrNotConfigured", err)
	}
	at := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	want := settings.Account{
		OrgID: "org-a", Platform: platform.Halo, SecretName: "tandem/org-a/halo",
		Masked:    map[string]string{"url": "https://acme.halopsa.com", "clientSecret": "********"},
		UpdatedAt: at,
		LastTest:  &settings.TestResult{Status: settings.StatusFailed, Reason: "Authentication failed.", ReasonCode: platform.ReasonAuthFailed, At: at},
	}
	if err := s.PutAccount(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetAccount(ctx, "org-a")
	if err != nil {
		t.Fatal(err)
	}
	if !got.UpdatedAt.Equal(want.UpdatedAt) || !got.LastTest.At.Equal(want.LastTest.At) {
		t.Fatalf("times: got %v / %v", got.UpdatedAt, got.LastTest.At)
	}
	got.UpdatedAt, got.LastTest.At = want.UpdatedAt, want.LastTest.At
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, want)
	}
	if _, err := s.GetAccount(ctx, "org-b"); !errors.Is(err, settings.ErrNotConfigured) {
		t.Fatalf("other org sees an account: %v", err)
	}
	if err := s.DeleteAccount(ctx, "org-a"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetAccount(ctx, "org-a"); !errors.Is(err, settings.ErrNotConfigured) {
		t.Fatalf("get after delete: %v", err)
	}
}

// Dump renders everything stored, for tests that check what never may be.
func (s *MemAccounts) Dump() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprintf("%+v", s.m)
}

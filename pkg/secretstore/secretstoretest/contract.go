package secretstoretest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/secretstore"
)

// Store is what the contract checks: what secretstore.SecretsManager and
// Memory both offer.
type Store interface {
	PutSecret(ctx context.Context, name string, value []byte) error
	GetSecret(ctx context.Context, name string) ([]byte, error)
	DeleteSecret(ctx context.Context, name string) error
}

var _ Store = (*secretstore.SecretsManager)(nil)

// RunContract checks the behaviour every secret store must have. The store
// newStore returns may be shared (moto_server lives for the whole test
// binary): the contract uses secret names of its own.
func RunContract(t *testing.T, newStore func(t *testing.T) Store) {
	ctx := context.Background()
	s := newStore(t)
	key := fmt.Sprintf("tandem/org-contract-%d/halo", time.Now().UnixNano())
	if _, err := s.GetSecret(ctx, key); !errors.Is(err, secretstore.ErrNotFound) {
		t.Fatalf("get before put: %v, want ErrNotFound", err)
	}
	if err := s.PutSecret(ctx, key, []byte(`{"clientSecret":"v1"}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSecret(ctx, key, []byte(`{"clientSecret":"v2"}`)); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetSecret(ctx, key)
	if err != nil || !bytes.Equal(got, []byte(`{"clientSecret":"v2"}`)) {
		t.Fatalf("get = %q, %v; want the second version", got, err)
	}
	if err := s.DeleteSecret(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetSecret(ctx, key); !errors.Is(err, secretstore.ErrNotFound) {
		t.Fatalf("get after delete: %v, want ErrNotFound", err)
	}
	// Saving again right after a delete must work (no recovery window).
	if err := s.PutSecret(ctx, key, []byte(`{"clientSecret":"v3"}`)); err != nil {
		t.Fatalf("put after delete: %v", err)
	}
	if err := s.DeleteSecret(ctx, key); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSecret(ctx, "tandem/never/existed"); err != nil {
		t.Fatalf("deleting a missing secret: %v", err)
	}
}

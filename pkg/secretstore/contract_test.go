package secretstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/tandemsync/tandem/pkg/mototest"
	"github.com/tandemsync/tandem/pkg/secretstore"
)

func TestMain(m *testing.M) { mototest.Main(m) }

type store interface {
	PutSecret(ctx context.Context, name string, value []byte) error
	GetSecret(ctx context.Context, name string) ([]byte, error)
	DeleteSecret(ctx context.Context, name string) error
}

func TestSecretStoreContract(t *testing.T) {
	for name, newStore := range map[string]func(t *testing.T) store{
		"memory": func(*testing.T) store { return secretstore.NewMemory() },
		"secretsmanager-over-moto": func(t *testing.T) store {
			return secretstore.NewSecretsManager(secretsmanager.NewFromConfig(mototest.Shared(t).Config(t)))
		},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := newStore(t)
			// A name of its own: moto_server lives for the whole test binary.
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
		})
	}
}

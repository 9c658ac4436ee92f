package dynamostore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/connection/connectiontest"
	"github.com/tandemsync/tandem/pkg/dynamostore"
	"github.com/tandemsync/tandem/pkg/localrun"
	"github.com/tandemsync/tandem/pkg/relay"
	"github.com/tandemsync/tandem/pkg/relay/relaytest"
)

// newMinidynStore is the local runner's embedded store.
func newMinidynStore(t testing.TB) *dynamostore.Store {
	db, stop := localrun.EmbeddedDynamoDB()
	t.Cleanup(stop)
	s := dynamostore.New(db, "tandem-local")
	if err := s.CreateTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// backends are the two stores the adapter's concurrency is checked on:
// moto_server, which mototest serves one request at a time so that each
// request is atomic as in DynamoDB, and the local runner's embedded store.
var backends = []struct {
	name string
	new  func(t *testing.T) *dynamostore.Store
}{
	{"moto", newStore},
	{"minidyn", func(t *testing.T) *dynamostore.Store { return newMinidynStore(t) }},
}

func TestConnectionStoreContractOnMinidyn(t *testing.T) {
	connectiontest.RunStoreContract(t, func(t *testing.T) connection.Store { return newMinidynStore(t) })
}

func TestConnectionStoreConcurrency(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			connectiontest.RunConcurrencyContract(t, func(t *testing.T) connection.Store { return b.new(t) })
		})
	}
}

func TestRelayStoreConcurrency(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			relaytest.RunConcurrencyContract(t, func(t *testing.T) relay.Store { return b.new(t) })
		})
	}
}

// Fifty organisations race to accept one code through the service and the
// real adapter over the wire: the conditional transaction lets one through.
func TestFiftyConcurrentAccepts(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { fiftyConcurrentAccepts(t, b.new(t)) })
	}
}

func fiftyConcurrentAccepts(t *testing.T, store *dynamostore.Store) {
	ctx := context.Background()
	svc := connection.NewService(store, clock.NewManual(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)), nil)
	created, err := svc.Create(ctx, connection.Caller{OrgID: "acme", OrgName: "Acme"}, connection.Source, "Race")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, invalid := 0, 0
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := svc.Accept(ctx, connection.Caller{OrgID: fmt.Sprintf("org-%d", i)}, created.VerificationCode)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.Is(err, connection.ErrInvalidCode):
				invalid++
			default:
				t.Errorf("accept: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 || invalid != 49 {
		t.Fatalf("wins=%d invalid=%d, want 1 and 49", wins, invalid)
	}
}

func TestRelayStoreContractOnMinidyn(t *testing.T) {
	relaytest.RunStoreContract(t, func(t *testing.T) relay.Store { return newMinidynStore(t) })
}

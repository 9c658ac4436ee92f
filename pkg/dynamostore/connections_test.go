package dynamostore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/connection/connectiontest"
	"github.com/tandemsync/tandem/pkg/dynamostore"
	"github.com/tandemsync/tandem/pkg/mototest"
	"github.com/tandemsync/tandem/pkg/relay"
	"github.com/tandemsync/tandem/pkg/relay/relaytest"
	"github.com/tandemsync/tandem/pkg/settings"
	"github.com/tandemsync/tandem/pkg/settings/settingstest"
)

func TestMain(m *testing.M) { mototest.Main(m) }

// newStore gives each test its own table on the shared moto_server.
func newStore(t *testing.T) *dynamostore.Store {
	t.Helper()
	srv := mototest.Shared(t)
	db := dynamodb.NewFromConfig(srv.Config(t))
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	s := dynamostore.New(db, "tandem-test-"+hex.EncodeToString(b))
	if err := s.CreateTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConnectionStoreContract(t *testing.T) {
	connectiontest.RunStoreContract(t, func(t *testing.T) connection.Store { return newStore(t) })
}

func TestAccountStoreContract(t *testing.T) {
	settingstest.RunAccountStoreContract(t, func(t *testing.T) settings.AccountStore { return newStore(t) })
}

func TestRelayStoreContract(t *testing.T) {
	relaytest.RunStoreContract(t, func(t *testing.T) relay.Store { return newStore(t) })
}

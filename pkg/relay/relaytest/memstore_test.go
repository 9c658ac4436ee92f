package relaytest_test

import (
	"testing"

	"github.com/tandemsync/tandem/pkg/relay"
	"github.com/tandemsync/tandem/pkg/relay/relaytest"
)

func TestMemStoreContract(t *testing.T) {
	relaytest.RunStoreContract(t, func(*testing.T) relay.Store { return relaytest.NewMemStore() })
	relaytest.RunConcurrencyContract(t, func(*testing.T) relay.Store { return relaytest.NewMemStore() })
}

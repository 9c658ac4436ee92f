package dynamostore_test

import (
	"testing"

	"github.com/tandemsync/tandem/pkg/configuration"
	"github.com/tandemsync/tandem/pkg/configuration/configurationtest"
)

// On moto_server: the item layout and the version condition, over the wire.
// Not the concurrent-writers contract: moto checks conditions without a
// lock, so it cannot show atomicity (see RunConcurrentWritersContract).
func TestConfigStoreContract(t *testing.T) {
	configurationtest.RunStoreContract(t, func(t *testing.T) configuration.Store { return newStore(t) })
}

// On the local runner's embedded store, which serialises writes as DynamoDB
// does: the same adapter code lets exactly one of many writers win.
func TestConfigStoreContractOnMinidyn(t *testing.T) {
	newMinidyn := func(t *testing.T) configuration.Store { return newMinidynStore(t) }
	configurationtest.RunStoreContract(t, newMinidyn)
	configurationtest.RunConcurrentWritersContract(t, newMinidyn)
}

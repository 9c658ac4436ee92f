package configurationtest_test

import (
	"testing"

	"github.com/tandemsync/tandem/pkg/configuration"
	"github.com/tandemsync/tandem/pkg/configuration/configurationtest"
)

func TestMemStoreContract(t *testing.T) {
	newStore := func(*testing.T) configuration.Store { return configurationtest.NewMemStore() }
	configurationtest.RunStoreContract(t, newStore)
	configurationtest.RunConcurrentWritersContract(t, newStore)
}

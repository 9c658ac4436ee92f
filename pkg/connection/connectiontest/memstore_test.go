package connectiontest_test

import (
	"testing"

	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/connection/connectiontest"
)

func TestMemStoreContract(t *testing.T) {
	connectiontest.RunStoreContract(t, func(*testing.T) connection.Store { return connectiontest.NewMemStore() })
	connectiontest.RunConcurrencyContract(t, func(*testing.T) connection.Store { return connectiontest.NewMemStore() })
}

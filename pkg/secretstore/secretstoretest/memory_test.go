package secretstoretest_test

import (
	"testing"

	"github.com/tandemsync/tandem/pkg/secretstore/secretstoretest"
)

func TestMemoryContract(t *testing.T) {
	secretstoretest.RunContract(t, func(*testing.T) secretstoretest.Store { return secretstoretest.NewMemory() })
}

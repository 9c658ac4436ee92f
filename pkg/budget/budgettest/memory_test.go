package budgettest

import (
	"testing"

	"github.com/tandemsync/tandem/pkg/budget"
)

func TestMemoryCounterContract(t *testing.T) {
	newC := func(*testing.T) budget.Counter { return NewMemory() }
	RunCounterContract(t, newC)
	RunConcurrencyContract(t, newC)
}

package budgettest

import (
	"testing"

	"github.com/tandemsync/tandem/pkg/budget"
)

func TestMemoryCounterContract(t *testing.T) {
	RunCounterContract(t, func(*testing.T) budget.Counter { return NewMemory() })
}

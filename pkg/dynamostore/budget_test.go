package dynamostore_test

import (
	"testing"

	"github.com/tandemsync/tandem/pkg/budget"
	"github.com/tandemsync/tandem/pkg/budget/budgettest"
)

func TestBudgetCounterContract(t *testing.T) {
	budgettest.RunCounterContract(t, func(t *testing.T) budget.Counter { return newStore(t) })
}

func TestBudgetCounterContractOnMinidyn(t *testing.T) {
	budgettest.RunCounterContract(t, func(t *testing.T) budget.Counter { return newMinidynStore(t) })
}

func TestBudgetCounterConcurrency(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			budgettest.RunConcurrencyContract(t, func(t *testing.T) budget.Counter { return b.new(t) })
		})
	}
}

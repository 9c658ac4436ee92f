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
	newC := func(t *testing.T) budget.Counter { return newMinidynStore(t) }
	budgettest.RunCounterContract(t, newC)
	budgettest.RunConcurrencyContract(t, newC)
}

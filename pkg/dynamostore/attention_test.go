package dynamostore_test

import (
	"testing"

	"github.com/tandemsync/tandem/pkg/relay/relaytest"
)

func TestAttentionContract(t *testing.T) {
	relaytest.RunAttentionContract(t, func(t *testing.T) relaytest.AttentionStore { return newStore(t) })
}

func TestAttentionContractOnMinidyn(t *testing.T) {
	relaytest.RunAttentionContract(t, func(t *testing.T) relaytest.AttentionStore { return newMinidynStore(t) })
}

package relaytest

import "testing"

func TestMemAttentionContract(t *testing.T) {
	RunAttentionContract(t, func(*testing.T) AttentionStore { return NewMemAttention() })
}

package platform_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/tandemsync/tandem/pkg/platform"
)

func TestOnlyIrrelevant(t *testing.T) {
	unknown := platform.Irrelevant("x: unknown event")
	malformed := errors.New("x: no ticket id")
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"the sentinel", platform.ErrIrrelevant, true},
		{"a platform's unknown event", unknown, true},
		{"wrapped", fmt.Errorf("delivery 2 of 3: %w", unknown), true},
		{"joined irrelevant parts", errors.Join(fmt.Errorf("1: %w", unknown), fmt.Errorf("2: %w", unknown)), true},
		{"wrapped join", fmt.Errorf("parse: %w", errors.Join(unknown, unknown)), true},
		{"a malformed part next to an irrelevant one", errors.Join(unknown, malformed), false},
		{"malformed", malformed, false},
		{"empty join", fmt.Errorf("x: %w", errors.Join()), false},
		{"nil", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := platform.OnlyIrrelevant(tc.err); got != tc.want {
				t.Fatalf("OnlyIrrelevant(%v) = %v", tc.err, got)
			}
		})
	}
	if unknown.Error() != "x: unknown event" || !errors.Is(unknown, platform.ErrIrrelevant) || errors.Is(unknown, platform.Irrelevant("x: unknown event")) {
		t.Fatal("Irrelevant: text kept, matches ErrIrrelevant, and each is its own sentinel")
	}
}

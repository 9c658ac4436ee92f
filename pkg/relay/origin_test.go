package relay_test

import (
	"context"
	"testing"

	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/relay"
)

type priorities []platform.Option

func (p priorities) Picklist(context.Context, platform.PicklistKind, string) ([]platform.Option, error) {
	return p, nil
}

// The description's origin part names the ticket's priority when the
// receiving side shows it, and has no name for a ticket without one.
func TestOriginNamesThePriority(t *testing.T) {
	src := priorities{{ID: "1", Name: "Low"}, {ID: "2", Name: "High"}}
	shows := integration.Config{DescriptionParts: []string{integration.PartPriority}}
	for _, tc := range []struct {
		name     string
		priority string
		receiver integration.Config
		want     string
	}{
		{"shown", "2", shows, "High"},
		{"no priority", "", shows, ""},
		{"not shown", "2", integration.Config{}, ""},
	} {
		o := relay.OriginOf(context.Background(), src, platform.Autotask, platform.Ticket{Priority: tc.priority}, tc.receiver)
		if o.PriorityName != tc.want || o.Platform != platform.Autotask {
			t.Errorf("%s: origin %+v, want priority name %q from autotask", tc.name, o, tc.want)
		}
	}
}

package configuration_test

import (
	"context"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/configuration"
	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/platform"
)

type read struct {
	caller  connection.Caller
	partner bool
	kind    platform.PicklistKind
	parent  string
}

func (f *fixture) read(id string, r read) {
	f.t.Helper()
	var err error
	if r.partner {
		_, err = f.svc.PartnerOptions(context.Background(), r.caller, id, r.kind, r.parent)
	} else {
		_, err = f.svc.Options(context.Background(), r.caller, id, r.kind, r.parent)
	}
	must(f.t, err)
}

func TestPicklistCache(t *testing.T) {
	mine := func(kind platform.PicklistKind, parent string) read { return read{orgA, false, kind, parent} }
	for _, tc := range []struct {
		name         string
		first, again read
		wait         time.Duration
		// calls each platform receives for the second read
		wantA, wantB int
	}{
		{"same list within the window", mine(platform.PickStatuses, ""), mine(platform.PickStatuses, ""), configuration.CacheTTL - time.Second, 0, 0},
		{"same list after the window", mine(platform.PickStatuses, ""), mine(platform.PickStatuses, ""), configuration.CacheTTL, 1, 0},
		{"another board", mine(platform.PickStatuses, ""), mine(platform.PickStatuses, "7"), 0, 1, 0},
		{"another kind", mine(platform.PickStatuses, ""), mine(platform.PickPriorities, ""), 0, 1, 0},
		{"the partner's own read serves my view of it", read{orgB, false, platform.PickActions, ""}, read{orgA, true, platform.PickActions, ""}, time.Second, 0, 0},
		{"my view of the partner serves the partner's own read", read{orgA, true, platform.PickActions, ""}, read{orgB, false, platform.PickActions, ""}, time.Second, 0, 0},
		{"the partner's list after the window", read{orgB, false, platform.PickActions, ""}, read{orgA, true, platform.PickActions, ""}, configuration.CacheTTL, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			id := f.connect(connection.Active)
			f.read(id, tc.first)
			f.clock.Advance(tc.wait)
			a, b := f.platformOf(orgA).Calls(), f.platformOf(orgB).Calls()
			f.read(id, tc.again)
			if gotA, gotB := f.platformOf(orgA).Calls()-a, f.platformOf(orgB).Calls()-b; gotA != tc.wantA || gotB != tc.wantB {
				t.Fatalf("second read cost %d Autotask and %d Halo calls, want %d and %d", gotA, gotB, tc.wantA, tc.wantB)
			}
		})
	}
}

// A save validates against my platform as it is now, and against the
// partner's lists as recently read.
func TestPutReadsMyPlatformFreshAndThePartnersFromTheCache(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	id := f.connect(connection.Active)
	for _, kind := range platform.AllPicklists {
		f.read(id, read{orgA, false, kind, ""})
		f.read(id, read{orgB, false, kind, ""})
	}
	cfg := validSource()
	for _, step := range []struct {
		name         string
		wait         time.Duration
		wantA, wantB int
	}{
		{"partner lists cached", time.Second, len(platform.AllPicklists), 0},
		{"partner lists expired", configuration.CacheTTL, len(platform.AllPicklists), len(platform.AllPicklists)},
	} {
		f.clock.Advance(step.wait)
		a, b := f.platformOf(orgA).Calls(), f.platformOf(orgB).Calls()
		saved, err := f.svc.Put(ctx, orgA, id, cfg)
		must(t, err)
		cfg = saved
		if gotA, gotB := f.platformOf(orgA).Calls()-a, f.platformOf(orgB).Calls()-b; gotA != step.wantA || gotB != step.wantB {
			t.Fatalf("%s: save cost %d Autotask and %d Halo calls, want %d and %d", step.name, gotA, gotB, step.wantA, step.wantB)
		}
	}
	// The save's fresh reads refill the cache for the page.
	a := f.platformOf(orgA).Calls()
	f.read(id, read{orgA, false, platform.PickStatuses, ""})
	if n := f.platformOf(orgA).Calls() - a; n != 0 {
		t.Fatalf("reading options right after a save cost %d calls", n)
	}
}

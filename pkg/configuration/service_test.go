package configuration_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/configuration"
	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
)

func TestPutThenGetEachSideItsOwn(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	id := f.connect(connection.Active)

	for _, side := range []struct {
		caller connection.Caller
		cfg    integration.Config
	}{{orgA, validSource()}, {orgB, validTarget()}} {
		before, err := f.svc.Get(ctx, side.caller, id)
		must(t, err)
		if !reflect.DeepEqual(before, integration.Config{}) {
			t.Fatalf("%s before any save: %+v, want the zero config", side.caller.OrgID, before)
		}
		saved, err := f.svc.Put(ctx, side.caller, id, side.cfg)
		must(t, err)
		want := side.cfg
		want.Version = 1
		if !reflect.DeepEqual(saved, want) {
			t.Fatalf("%s Put returned %+v, want %+v", side.caller.OrgID, saved, want)
		}
	}
	// Each organisation reads back its own side, never the other's.
	for caller, want := range map[connection.Caller]integration.Config{orgA: validSource(), orgB: validTarget()} {
		want.Version = 1
		got, err := f.svc.Get(ctx, caller, id)
		must(t, err)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s Get = %+v, want %+v", caller.OrgID, got, want)
		}
	}
}

func TestTwoWritersOfOneVersionOneWins(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	id := f.connect(connection.Active)
	_, err := f.svc.Put(ctx, orgA, id, validSource())
	must(t, err)

	edits := []integration.Config{validSource(), validSource()}
	edits[0].Escalation.TicketTypes = []string{"1"}
	edits[1].Escalation.TicketTypes = []string{"2"}
	errs := make([]error, len(edits))
	var wg sync.WaitGroup
	for i := range edits {
		edits[i].Version = 1 // both read version 1
		wg.Go(func() { _, errs[i] = f.svc.Put(ctx, orgA, id, edits[i]) })
	}
	wg.Wait()

	winner, loser := 0, 1
	if errs[0] != nil {
		winner, loser = 1, 0
	}
	if errs[winner] != nil || !errors.Is(errs[loser], configuration.ErrVersionConflict) {
		t.Fatalf("results %v, want one success and one ErrVersionConflict", errs)
	}
	got, err := f.svc.Get(ctx, orgA, id)
	must(t, err)
	want := edits[winner]
	want.Version = 2
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("stored %+v, want the winner's %+v", got, want)
	}
	// The loser reloads and saves on top.
	edits[loser].Version = got.Version
	_, err = f.svc.Put(ctx, orgA, id, edits[loser])
	must(t, err)
}

func TestStaleVersionConflictsBeforeAnyPlatformRead(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	id := f.connect(connection.Active)
	_, err := f.svc.Put(ctx, orgA, id, validSource())
	must(t, err)
	reads := f.platformOf(orgA).Calls() + f.platformOf(orgB).Calls()
	for _, v := range []int64{0, 2} {
		stale := validSource()
		stale.Version = v
		if _, err := f.svc.Put(ctx, orgA, id, stale); !errors.Is(err, configuration.ErrVersionConflict) {
			t.Fatalf("Put at version %d: %v, want ErrVersionConflict", v, err)
		}
	}
	if n := f.platformOf(orgA).Calls() + f.platformOf(orgB).Calls(); n != reads {
		t.Fatalf("a stale save read the platforms %d times", n-reads)
	}
}

func TestOnlyAnActiveConnectionOfTheCaller(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	ops := map[string]func(caller connection.Caller, id string) error{
		"Get": func(c connection.Caller, id string) error { _, err := f.svc.Get(ctx, c, id); return err },
		"Put": func(c connection.Caller, id string) error { _, err := f.svc.Put(ctx, c, id, validSource()); return err },
		"Options": func(c connection.Caller, id string) error {
			_, err := f.svc.Options(ctx, c, id, platform.PickStatuses, "")
			return err
		},
		"PartnerOptions": func(c connection.Caller, id string) error {
			_, err := f.svc.PartnerOptions(ctx, c, id, platform.PickStatuses, "")
			return err
		},
	}
	for _, tc := range []struct {
		name   string
		status connection.Status
		caller connection.Caller
		want   error
	}{
		{"another organisation's connection", connection.Active, orgC, connection.ErrNotFound},
		{"pending connection", connection.Pending, orgA, configuration.ErrNotActive},
		{"ended connection, creator", connection.Ended, orgA, configuration.ErrNotActive},
		{"ended connection, acceptor", connection.Ended, orgB, configuration.ErrNotActive},
	} {
		id := f.connect(tc.status)
		for name, op := range ops {
			if err := op(tc.caller, id); !errors.Is(err, tc.want) {
				t.Errorf("%s: %s = %v, want %v", tc.name, name, err, tc.want)
			}
		}
	}
	if n := f.store.Len(); n != 0 {
		t.Fatalf("%d documents stored", n)
	}
	if n := f.platformOf(orgA).Calls() + f.platformOf(orgB).Calls() + f.platformOf(orgC).Calls(); n != 0 {
		t.Fatalf("%d platform reads for refused requests", n)
	}
}

func TestInvalidConfigurationNamesTheRowAndStoresNothing(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	id := f.connect(connection.Active)
	for _, tc := range []struct {
		name    string
		caller  connection.Caller
		edit    func(*integration.Config)
		wantRow string
	}{
		{"my status missing on my platform", orgA, func(c *integration.Config) {
			c.StatusMappings = append(c.StatusMappings, integration.Mapping{Partner: "9", Mine: "77"})
		}, "statusMappings[1]"},
		{"partner status missing on the partner's platform", orgA, func(c *integration.Config) {
			c.StatusMappings[0].Partner = "404"
		}, "statusMappings[0]"},
		{"negative version", orgA, func(c *integration.Config) { c.Version = -1 }, "version"},
	} {
		cfg := validSource()
		tc.edit(&cfg)
		_, err := f.svc.Put(ctx, tc.caller, id, cfg)
		var inv *configuration.InvalidError
		if !errors.Is(err, configuration.ErrInvalid) || !errors.As(err, &inv) {
			t.Fatalf("%s: %v, want an InvalidError", tc.name, err)
		}
		var rows []string
		for _, fe := range inv.Problems.Fields {
			rows = append(rows, fe.Field)
		}
		if !slicesContain(rows, tc.wantRow) {
			t.Fatalf("%s: rows %v, want %s", tc.name, rows, tc.wantRow)
		}
		var ve *platform.ValidationError
		if errors.As(err, &ve) {
			t.Fatalf("%s: unwraps to *platform.ValidationError, which the API answers as invalid credentials", tc.name)
		}
	}
	if n := f.store.Len(); n != 0 {
		t.Fatalf("%d documents stored after invalid saves", n)
	}
}

func slicesContain(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestPartnerOptionsCarryValuesOnly(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	id := f.connect(connection.Active)
	for _, tc := range []struct {
		caller, partner connection.Caller
		secret          string
		wantPlatform    platform.Kind
	}{{orgA, orgB, secretB, platform.Halo}, {orgB, orgA, secretA, platform.Autotask}} {
		for _, kind := range platform.AllPicklists {
			got, err := f.svc.PartnerOptions(ctx, tc.caller, id, kind, "")
			must(t, err)
			want := f.platformOf(tc.partner).lists[kind]
			if got.Platform != tc.wantPlatform || !reflect.DeepEqual(got.Options, want) {
				t.Fatalf("%s sees partner %s = %+v, want %s %+v", tc.caller.OrgID, kind, got, tc.wantPlatform, want)
			}
			raw, err := json.Marshal(got)
			must(t, err)
			for _, leak := range []string{tc.secret, f.accounts.m[tc.partner.OrgID].creds["url"]} {
				if strings.Contains(string(raw), leak) {
					t.Fatalf("partner options carry %q: %s", leak, raw)
				}
			}
		}
	}
}

func TestPartnerProblemsAreOpaque(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		sabotage func(f *fixture)
		want     error
	}{
		{"partner has no credentials", func(f *fixture) { delete(f.accounts.m, orgB.OrgID) }, configuration.ErrPartnerNotConfigured},
		{"partner platform refuses its credentials", func(f *fixture) {
			f.platformOf(orgB).err = &platform.Error{Platform: platform.Halo, Reason: platform.ReasonAuthFailed, Status: 401, Message: "Halo refused client secret for b.example"}
		}, configuration.ErrPartnerUnavailable},
	} {
		f := newFixture(t)
		id := f.connect(connection.Active)
		tc.sabotage(f)
		_, perr := f.svc.PartnerOptions(ctx, orgA, id, platform.PickStatuses, "")
		_, serr := f.svc.Put(ctx, orgA, id, validSource())
		for op, err := range map[string]error{"PartnerOptions": perr, "Put": serr} {
			var pe *platform.Error
			if !errors.Is(err, tc.want) || errors.As(err, &pe) || strings.Contains(err.Error(), "b.example") {
				t.Fatalf("%s: %s = %v, want an opaque %v", tc.name, op, err, tc.want)
			}
		}
	}
}

func TestMyPlatformFailureSaysWhatToFix(t *testing.T) {
	f := newFixture(t)
	id := f.connect(connection.Active)
	f.platformOf(orgA).err = &platform.Error{Platform: platform.Autotask, Reason: platform.ReasonAuthFailed, Status: 401, Message: "Autotask refused the API user"}
	_, err := f.svc.Options(context.Background(), orgA, id, platform.PickStatuses, "")
	var pe *platform.Error
	if !errors.Is(err, configuration.ErrPlatformUnavailable) || !errors.As(err, &pe) || pe.Reason != platform.ReasonAuthFailed {
		t.Fatalf("Options = %v, want ErrPlatformUnavailable wrapping the platform's reason", err)
	}
}

// A hanging platform gets an answer within ReadTimeout, not a Lambda timeout.
func TestHangingPlatformsTimeOut(t *testing.T) {
	for _, tc := range []struct {
		name    string
		hang    connection.Caller
		partner bool
		want    error
	}{
		{"mine", orgA, false, configuration.ErrPlatformUnavailable},
		{"partner's", orgB, true, configuration.ErrPartnerUnavailable},
	} {
		f := newFixture(t)
		id := f.connect(connection.Active)
		f.svc.ReadTimeout = time.Millisecond
		f.platformOf(tc.hang).hang = true
		read := f.svc.Options
		if tc.partner {
			read = f.svc.PartnerOptions
		}
		if _, err := read(context.Background(), orgA, id, platform.PickStatuses, ""); !errors.Is(err, tc.want) {
			t.Fatalf("%s platform hangs: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestUnknownKind(t *testing.T) {
	f := newFixture(t)
	id := f.connect(connection.Active)
	for _, kind := range []platform.PicklistKind{"", "tickets", "Statuses"} {
		if _, err := f.svc.Options(context.Background(), orgA, id, kind, ""); !errors.Is(err, configuration.ErrUnknownKind) {
			t.Fatalf("Options(%q) = %v, want ErrUnknownKind", kind, err)
		}
	}
}

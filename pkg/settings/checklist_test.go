package settings_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/settings"
	"github.com/tandemsync/tandem/pkg/settings/settingstest"
)

// checklistPlatform is a settings.Platforms with a checklist for
// ConnectWise only, as the registry has.
type checklistPlatform struct {
	items  []platform.CheckItem
	err    error
	queues []string // queues asked about
	tested int      // one-call tests run
	// noClient is the error of a registry that cannot even make the
	// platform's client (has is then false, as in app.Platforms).
	noClient error
}

func (*checklistPlatform) Validate(_ platform.Kind, c platform.Credentials) (platform.Credentials, []string, error) {
	return c, nil, nil
}

func (p *checklistPlatform) Test(context.Context, platform.Kind, platform.Credentials) error {
	p.tested++
	return nil
}

func (p *checklistPlatform) Checklist(_ context.Context, kind platform.Kind, _ platform.Credentials, queue string) ([]platform.CheckItem, bool, error) {
	if p.noClient != nil {
		return nil, false, p.noClient
	}
	if kind != platform.ConnectWise {
		return nil, false, nil
	}
	p.queues = append(p.queues, queue)
	return p.items, true, p.err
}

var (
	okTeam   = platform.CheckItem{Item: "Default team", OK: true, Required: true}
	noTeam   = platform.CheckItem{Item: "Default team", Required: true, Fix: "Board \"Help Desk\" (1) has no default team."}
	noStatus = platform.CheckItem{Item: "Statuses", Required: true, Fix: "Board \"Help Desk\" (1) has no active statuses."}
	optional = platform.CheckItem{Item: "Nice to have", Fix: "Optional."}
	refusal  = &platform.Error{Platform: platform.ConnectWise, Reason: platform.ReasonAuthFailed, Status: 401, Message: "Authentication failed."}
)

func TestConnectionTestReportsTheChecklist(t *testing.T) {
	cases := []struct {
		name       string
		kind       platform.Kind
		items      []platform.CheckItem
		err        error
		status     string
		reason     string // contained in the result's reason
		exact      bool   // the reason is all of it
		code       platform.Reason
		checklist  bool
		unready    []string
		oneCallRun bool
	}{
		{name: "every item passes", kind: platform.ConnectWise, items: []platform.CheckItem{okTeam, optional},
			status: settings.StatusTested, checklist: true},
		{name: "a board without a default team", kind: platform.ConnectWise, items: []platform.CheckItem{noTeam, okTeam},
			status: settings.StatusFailed, reason: `Default team: Board "Help Desk" (1) has no default team.`, exact: true, code: platform.ReasonNotPermitted,
			checklist: true, unready: []string{`Default team: Board "Help Desk" (1) has no default team.`}},
		{name: "two failing items", kind: platform.ConnectWise, items: []platform.CheckItem{noTeam, noStatus, optional},
			status: settings.StatusFailed, reason: "(and 1 more item(s) of the checklist)", code: platform.ReasonNotPermitted, checklist: true,
			unready: []string{`Default team: Board "Help Desk" (1) has no default team.`, `Statuses: Board "Help Desk" (1) has no active statuses.`}},
		{name: "refused keys", kind: platform.ConnectWise, items: []platform.CheckItem{noTeam}, err: refusal,
			status: settings.StatusFailed, reason: "Authentication failed.", code: platform.ReasonAuthFailed, checklist: true,
			unready: []string{`Default team: Board "Help Desk" (1) has no default team.`}},
		{name: "site not reached", kind: platform.ConnectWise, err: &platform.Error{Reason: platform.ReasonUnreachable, Message: "ConnectWise could not be reached."},
			status: settings.StatusFailed, reason: "could not be reached", code: platform.ReasonUnreachable,
			unready: []string{"Connection test: ConnectWise could not be reached."}},
		{name: "platform without a checklist", kind: platform.Halo, status: settings.StatusTested, oneCallRun: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := &checklistPlatform{items: c.items, err: c.err}
			accounts := liveAccounts{settingstest.NewMemAccounts()}
			svc := settings.NewService(accounts, newMemSecrets(), p, clock.System{}, nil)
			ctx := context.Background()
			if _, err := svc.Save(ctx, "acme", c.kind, platform.Credentials{"site": "na"}); err != nil {
				t.Fatal(err)
			}
			res, err := svc.Test(ctx, "acme", "1")
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != c.status || !strings.Contains(res.Reason, c.reason) || c.exact && res.Reason != c.reason || res.ReasonCode != c.code {
				t.Fatalf("result %+v, want %q %q %q", res, c.status, c.reason, c.code)
			}
			if c.checklist != (res.Checklist != nil) || !reflect.DeepEqual(res.Checklist, c.items) && c.checklist {
				t.Fatalf("checklist %+v, want %+v", res.Checklist, c.items)
			}
			if (p.tested == 1) != c.oneCallRun {
				t.Fatalf("one-call test run %d times", p.tested)
			}
			if c.kind == platform.ConnectWise && (len(p.queues) != 1 || p.queues[0] != "1") {
				t.Fatalf("checklist asked about boards %q, want the chosen one", p.queues)
			}
			saved, _ := accounts.GetAccount(ctx, "acme")
			if saved.LastTest == nil || !reflect.DeepEqual(*saved.LastTest, res) {
				t.Fatalf("LastTest %+v, want %+v", saved.LastTest, res)
			}
			unready, err := svc.Unready(ctx, "acme")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(unready, c.unready) {
				t.Fatalf("Unready = %q, want %q", unready, c.unready)
			}
		})
	}
}

func TestUnreadyWithoutCredentialsOrChecklist(t *testing.T) {
	ctx := context.Background()
	p := &checklistPlatform{items: []platform.CheckItem{noTeam}}
	svc := settings.NewService(settingstest.NewMemAccounts(), newMemSecrets(), p, clock.System{}, nil)
	if got, err := svc.Unready(ctx, "nobody"); err != nil || got != nil {
		t.Fatalf("organisation without credentials: %q, %v; want nothing to report", got, err)
	}
	plain := settings.NewService(settingstest.NewMemAccounts(), newMemSecrets(), hangingPlatform{}, clock.System{}, nil)
	if _, err := plain.Save(ctx, "acme", platform.ConnectWise, platform.Credentials{"site": "na"}); err != nil {
		t.Fatal(err)
	}
	if got, err := plain.Unready(ctx, "acme"); err != nil || got != nil {
		t.Fatalf("registry without checklists: %q, %v; want nothing to report", got, err)
	}
	broken := settings.NewService(failingAccounts{settingstest.NewMemAccounts()}, newMemSecrets(), p, clock.System{}, nil)
	if _, err := broken.Unready(ctx, "acme"); err == nil {
		t.Fatal("a store failure was reported as ready")
	}
}

// A platform whose client cannot even be made could not be checked, so it
// is reported as not ready rather than as having nothing to report.
func TestPlatformThatCannotBeAskedIsNotReady(t *testing.T) {
	ctx := context.Background()
	p := &checklistPlatform{}
	svc := settings.NewService(settingstest.NewMemAccounts(), newMemSecrets(), p, clock.System{}, nil)
	if _, err := svc.Save(ctx, "acme", platform.ConnectWise, platform.Credentials{"site": "na"}); err != nil {
		t.Fatal(err)
	}
	p.noClient = &platform.Error{Platform: platform.ConnectWise, Reason: platform.ReasonUnreachable, Message: "ConnectWise could not be reached."}
	got, err := svc.Unready(ctx, "acme")
	if want := []string{"Connection test: ConnectWise could not be reached."}; err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Unready = %q, %v; want %q", got, err, want)
	}
}

type failingAccounts struct{ settings.AccountStore }

func (failingAccounts) GetAccount(context.Context, string) (settings.Account, error) {
	return settings.Account{}, errors.New("table unavailable")
}

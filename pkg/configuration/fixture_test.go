package configuration_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/configuration"
	"github.com/tandemsync/tandem/pkg/configuration/configurationtest"
	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/connection/connectiontest"
	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/settings"
)

// Organisations of the fixture: A (Autotask) raises tickets, B (Halo)
// receives them, C is a stranger with a platform of its own.
var (
	orgA = connection.Caller{OrgID: "org-a", OrgName: "Acme"}
	orgB = connection.Caller{OrgID: "org-b", OrgName: "Bright MSP"}
	orgC = connection.Caller{OrgID: "org-c", OrgName: "Curious"}
)

// Credential values that must never reach another organisation.
const (
	secretA = "autotask-secret-value-7f3a"
	secretB = "halo-client-secret-value-91c2"
)

func opt(id, name string) platform.Option { return platform.Option{ID: id, Name: name, Active: true} }

var (
	autotaskLists = map[platform.PicklistKind][]platform.Option{
		platform.PickStatuses:     {opt("1", "New"), opt("5", "Complete"), opt("8", "In Progress")},
		platform.PickPriorities:   {opt("1", "High"), opt("2", "Medium")},
		platform.PickCategories:   {opt("2", "Standard")},
		platform.PickTicketTypes:  {opt("1", "Service Request"), opt("2", "Incident")},
		platform.PickQueues:       {opt("5", "Level I Support")},
		platform.PickActions:      {opt("1", "Task Summary"), opt("3", "Task Notes"), opt("20", "MSP Update")},
		platform.PickCustomFields: {{ID: "Escalate to MSP", Name: "Escalate to MSP", Active: true, Type: "boolean"}},
	}
	haloLists = map[platform.PicklistKind][]platform.Option{
		platform.PickStatuses:     {opt("1", "New"), opt("2", "In Progress"), {ID: "9", Name: "Closed", Active: true, IsClosed: true}},
		platform.PickPriorities:   {opt("1", "Critical"), opt("2", "High")},
		platform.PickCategories:   {opt("Hardware", "Hardware")},
		platform.PickTicketTypes:  {opt("1", "Incident"), opt("21", "Service Request")},
		platform.PickQueues:       {opt("1", "1st Line Support")},
		platform.PickActions:      {opt("1", "Private Note"), {ID: "2", Name: "Email User", Active: true, IsEmail: true}, opt("3", "Public Note")},
		platform.PickCustomFields: {{ID: "CFEscalated", Name: "Escalated", Active: true, Type: "boolean"}},
	}
)

// validSource is A's side: Halo's "In Progress" becomes Autotask's, level I
// tickets escalate, partner actions land as task notes.
func validSource() integration.Config {
	return integration.Config{
		StatusMappings: []integration.Mapping{{Partner: "2", Mine: "8"}},
		DefaultAction:  "3",
		Escalation:     integration.EscalationRule{Queues: []string{"5"}},
	}
}

// validTarget is B's side.
func validTarget() integration.Config {
	return integration.Config{DefaultTicketType: "1", DefaultStatus: "1", DefaultAction: "1"}
}

// fakePlatform counts Picklist calls, the stand-in for Requests().
type fakePlatform struct {
	lists map[platform.PicklistKind][]platform.Option
	err   error
	hang  bool // answer only when the caller gives up

	mu    sync.Mutex
	calls map[string]int // kind/parent → calls
}

func (p *fakePlatform) Picklist(ctx context.Context, kind platform.PicklistKind, parent string) ([]platform.Option, error) {
	p.mu.Lock()
	p.calls[string(kind)+"/"+parent]++
	hang, err := p.hang, p.err
	p.mu.Unlock()
	if hang {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if err != nil {
		return nil, err
	}
	out := []platform.Option{}
	for _, o := range p.lists[kind] {
		if parent == "" || o.Parent == parent {
			out = append(out, o)
		}
	}
	return out, nil
}

// Calls is the number of platform reads so far.
func (p *fakePlatform) Calls() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, c := range p.calls {
		n += c
	}
	return n
}

type account struct {
	kind  platform.Kind
	creds platform.Credentials
}

// fakeAccounts is settings.Service as the configuration service sees it.
type fakeAccounts struct{ m map[string]account }

func (f fakeAccounts) Get(_ context.Context, org string) (settings.Account, error) {
	a, ok := f.m[org]
	if !ok {
		return settings.Account{}, fmt.Errorf("get platform settings: %w", settings.ErrNotConfigured)
	}
	return settings.Account{OrgID: org, Platform: a.kind}, nil
}

func (f fakeAccounts) Credentials(_ context.Context, org string) (platform.Kind, platform.Credentials, error) {
	a, ok := f.m[org]
	if !ok {
		return "", nil, settings.ErrNotConfigured
	}
	return a.kind, a.creds, nil
}

type fixture struct {
	t        *testing.T
	svc      *configuration.Service
	clock    *clock.Manual
	store    *configurationtest.MemStore
	conns    *connection.Service
	accounts fakeAccounts
	// platforms by org: each org's credentials reach only its own platform.
	platforms map[string]*fakePlatform
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{
		t:     t,
		clock: clock.NewManual(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)),
		store: configurationtest.NewMemStore(),
		accounts: fakeAccounts{m: map[string]account{
			orgA.OrgID: {platform.Autotask, platform.Credentials{"url": "https://a.example", "secret": secretA}},
			orgB.OrgID: {platform.Halo, platform.Credentials{"url": "https://b.example", "secret": secretB}},
			orgC.OrgID: {platform.Halo, platform.Credentials{"url": "https://c.example", "secret": "c-secret"}},
		}},
		platforms: map[string]*fakePlatform{
			"https://a.example": {lists: autotaskLists, calls: map[string]int{}},
			"https://b.example": {lists: haloLists, calls: map[string]int{}},
			"https://c.example": {lists: haloLists, calls: map[string]int{}},
		},
	}
	f.conns = connection.NewService(connectiontest.NewMemStore(), f.clock, nil)
	clients := func(_ context.Context, kind platform.Kind, creds platform.Credentials) (configuration.Picklister, error) {
		p, ok := f.platforms[creds["url"]]
		if !ok {
			return nil, fmt.Errorf("no platform at %s", creds["url"])
		}
		return p, nil
	}
	f.svc = configuration.NewService(f.store, f.conns, f.accounts, clients, f.clock, nil)
	return f
}

// platformOf returns the fake platform org's credentials reach.
func (f *fixture) platformOf(org connection.Caller) *fakePlatform {
	return f.platforms[f.accounts.m[org.OrgID].creds["url"]]
}

// connect makes an A (source) – B (target) connection in the given status.
func (f *fixture) connect(status connection.Status) string {
	f.t.Helper()
	ctx := context.Background()
	created, err := f.conns.Create(ctx, orgA, connection.Source, "Managed service 2026")
	must(f.t, err)
	if status == connection.Pending {
		return created.ID
	}
	_, err = f.conns.Accept(ctx, orgB, created.VerificationCode)
	must(f.t, err)
	if status == connection.Ended {
		must(f.t, f.conns.End(ctx, orgB, created.ID))
	}
	return created.ID
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

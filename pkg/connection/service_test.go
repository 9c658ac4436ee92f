package connection_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/connection/connectiontest"
)

// The rules of connection.Service, on the in-memory store. The API tests
// check the same rules through HTTP; these pin them where they live.

var (
	orgA = connection.Caller{OrgID: "org-a", OrgName: "Org A"}
	orgB = connection.Caller{OrgID: "org-b", OrgName: "Org B"}
	orgC = connection.Caller{OrgID: "org-c", OrgName: "Org C"}
)

// t0 starts a failure window, so no test crosses one by accident.
var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// wrongCode is well formed and matches no connection.
const wrongCode = "ABCD-EFGH-JKMN-PQRS"

type fixture struct {
	ctx   context.Context
	svc   *connection.Service
	store *connectiontest.MemStore
	clock *clock.Manual
}

func newFixture() *fixture {
	store, clk := connectiontest.NewMemStore(), clock.NewManual(t0)
	return &fixture{ctx: context.Background(), svc: connection.NewService(store, clk, nil), store: store, clock: clk}
}

func (f *fixture) create(t *testing.T, caller connection.Caller) connection.Created {
	t.Helper()
	c, err := f.svc.Create(f.ctx, caller, connection.Source, "Managed service")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// failures is what the store counts for org in the current window.
func (f *fixture) failures(t *testing.T, org connection.Caller) int {
	t.Helper()
	w := f.clock.Now().Truncate(connection.FailureWindow)
	n, err := f.store.AddAcceptAttempts(f.ctx, org.OrgID, w, w.Add(time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// status is the connection's status as its creator sees it.
func (f *fixture) status(t *testing.T, id string) connection.Status {
	t.Helper()
	c, err := f.svc.Get(f.ctx, orgA, id)
	if err != nil {
		t.Fatal(err)
	}
	return c.Status
}

func TestCodeExpiresAfterSevenDays(t *testing.T) {
	for _, tc := range []struct {
		name  string
		after time.Duration
		ok    bool
	}{
		{"one second before expiry", connection.CodeLifetime - time.Second, true},
		{"at expiry", 7 * 24 * time.Hour, false},
		{"a day after, still in the table", 8 * 24 * time.Hour, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture()
			c := f.create(t, orgA)
			f.clock.Advance(tc.after)
			v, err := f.svc.Accept(f.ctx, orgB, c.VerificationCode)
			if tc.ok {
				if err != nil || v.Status != connection.Active || v.PartnerOrgID != orgA.OrgID {
					t.Fatalf("accept after %v: %+v, %v", tc.after, v, err)
				}
				return
			}
			// Expired is the uniform invalid code, counted as a failed
			// accept, and the connection stays pending.
			if !errors.Is(err, connection.ErrInvalidCode) {
				t.Fatalf("accept after %v: %v, want %v", tc.after, err, connection.ErrInvalidCode)
			}
			if n := f.failures(t, orgB); n != 1 {
				t.Fatalf("failed accepts counted: %d, want 1", n)
			}
			if s := f.status(t, c.ID); s != connection.Pending {
				t.Fatalf("status %s, want pending", s)
			}
		})
	}
}

// The creator sending its own expired code learns nothing an unknown code
// would not tell it: the own-code error would say the code exists.
func TestOwnExpiredCodeIsJustInvalid(t *testing.T) {
	f := newFixture()
	c := f.create(t, orgA)
	f.clock.Advance(connection.CodeLifetime)
	_, wrong := f.svc.Accept(f.ctx, orgA, wrongCode)
	_, own := f.svc.Accept(f.ctx, orgA, c.VerificationCode)
	if !errors.Is(own, connection.ErrInvalidCode) || errors.Is(own, connection.ErrOwnCode) {
		t.Fatalf("own expired code: %v, want %v", own, connection.ErrInvalidCode)
	}
	if wrong == nil || own.Error() != wrong.Error() {
		t.Fatalf("own expired code answers %q, a wrong code %q", own, wrong)
	}
	if n := f.failures(t, orgA); n != 2 {
		t.Fatalf("failed accepts counted: %d, want 2 (the wrong code and the expired one)", n)
	}
}

func TestExpiredCodeAttemptsCountTowardTheLimit(t *testing.T) {
	f := newFixture()
	expired := f.create(t, orgA)
	f.clock.Advance(connection.CodeLifetime)
	fresh := f.create(t, orgA)
	for i := range connection.MaxFailedAccepts {
		if _, err := f.svc.Accept(f.ctx, orgB, expired.VerificationCode); !errors.Is(err, connection.ErrInvalidCode) {
			t.Fatalf("attempt %d: %v, want %v", i+1, err, connection.ErrInvalidCode)
		}
	}
	if _, err := f.svc.Accept(f.ctx, orgB, fresh.VerificationCode); !errors.Is(err, connection.ErrRateLimited) {
		t.Fatalf("valid code after %d expired ones: %v, want %v", connection.MaxFailedAccepts, err, connection.ErrRateLimited)
	}
}

func TestFailedAcceptsAreRateLimited(t *testing.T) {
	f := newFixture()
	c := f.create(t, orgA)
	for i := range connection.MaxFailedAccepts {
		if _, err := f.svc.Accept(f.ctx, orgB, wrongCode); !errors.Is(err, connection.ErrInvalidCode) {
			t.Fatalf("attempt %d: %v, want %v", i+1, err, connection.ErrInvalidCode)
		}
	}
	// Past the limit even the right code is refused, and left unused.
	if _, err := f.svc.Accept(f.ctx, orgB, c.VerificationCode); !errors.Is(err, connection.ErrRateLimited) {
		t.Fatalf("after %d failures: %v, want %v", connection.MaxFailedAccepts, err, connection.ErrRateLimited)
	}
	if _, err := f.svc.Accept(f.ctx, orgB, wrongCode); !errors.Is(err, connection.ErrRateLimited) {
		t.Fatalf("wrong code after the limit: %v, want %v", err, connection.ErrRateLimited)
	}
	if s := f.status(t, c.ID); s != connection.Pending {
		t.Fatalf("status %s, want pending", s)
	}
	// Another organisation is not limited by org B's failures...
	if _, err := f.svc.Accept(f.ctx, orgC, wrongCode); !errors.Is(err, connection.ErrInvalidCode) {
		t.Fatalf("org C: %v, want %v", err, connection.ErrInvalidCode)
	}
	// ...and the limit lifts with the next window.
	f.clock.Advance(connection.FailureWindow)
	if v, err := f.svc.Accept(f.ctx, orgB, c.VerificationCode); err != nil || v.Status != connection.Active {
		t.Fatalf("next window: %+v, %v", v, err)
	}
}

func TestOwnCodeIsRefused(t *testing.T) {
	f := newFixture()
	c := f.create(t, orgA)
	if _, err := f.svc.Accept(f.ctx, orgA, c.VerificationCode); !errors.Is(err, connection.ErrOwnCode) {
		t.Fatalf("own code: %v, want %v", err, connection.ErrOwnCode)
	}
	if s := f.status(t, c.ID); s != connection.Pending {
		t.Fatalf("status %s after own accept, want pending", s)
	}
	// The code still works for the partner.
	if v, err := f.svc.Accept(f.ctx, orgB, c.VerificationCode); err != nil || v.PartnerOrgID != orgA.OrgID {
		t.Fatalf("partner accept after own attempt: %+v, %v", v, err)
	}
}

// Org C, a side of neither connection, cannot see, end or re-code A–B's
// active connection or A's pending one; neither can a caller without an
// organisation, though a pending connection has no acceptor yet.
func TestOrganisationsAreIsolated(t *testing.T) {
	f := newFixture()
	ab := f.create(t, orgA)
	if _, err := f.svc.Accept(f.ctx, orgB, ab.VerificationCode); err != nil {
		t.Fatal(err)
	}
	pending := f.create(t, orgA)

	for _, intruder := range []connection.Caller{orgC, {}} {
		p, a, err := f.svc.List(f.ctx, intruder)
		if err != nil || len(p)+len(a) != 0 {
			t.Fatalf("%q lists pending %+v, active %+v (%v)", intruder.OrgID, p, a, err)
		}
		for _, id := range []string{ab.ID, pending.ID} {
			if _, err := f.svc.Get(f.ctx, intruder, id); !errors.Is(err, connection.ErrNotFound) {
				t.Fatalf("%q gets %s: %v, want %v", intruder.OrgID, id, err, connection.ErrNotFound)
			}
			if err := f.svc.End(f.ctx, intruder, id); !errors.Is(err, connection.ErrNotFound) {
				t.Fatalf("%q ends %s: %v, want %v", intruder.OrgID, id, err, connection.ErrNotFound)
			}
			if _, err := f.svc.NewCode(f.ctx, intruder, id); !errors.Is(err, connection.ErrNotFound) {
				t.Fatalf("%q re-codes %s: %v, want %v", intruder.OrgID, id, err, connection.ErrNotFound)
			}
		}
	}
	// Both connections are as they were: A–B active for both, the pending
	// one still accepted with its original code.
	for _, org := range []connection.Caller{orgA, orgB} {
		_, active, err := f.svc.List(f.ctx, org)
		if err != nil || len(active) != 1 || active[0].ID != ab.ID {
			t.Fatalf("%s's active connections: %+v (%v)", org.OrgID, active, err)
		}
	}
	if _, err := f.svc.Accept(f.ctx, orgB, pending.VerificationCode); err != nil {
		t.Fatalf("pending code after the intrusions: %v", err)
	}
}

// A contract name the partner sees must read as what it is: control and
// invisible formatting characters (a right-to-left override, a zero-width
// space) are refused.
func TestContractNameMustBePlainText(t *testing.T) {
	f := newFixture()
	for _, name := range []string{"Acme\u202eecivres", "Acme\u200bservice", "Acme\x07", "Acme\nservice"} {
		if _, err := f.svc.Create(f.ctx, orgA, connection.Source, name); !errors.Is(err, connection.ErrInvalidInput) {
			t.Errorf("Create(%q) = %v, want ErrInvalidInput", name, err)
		}
	}
	if _, err := f.svc.Create(f.ctx, orgA, connection.Source, "Acme managed service – 2026 (Zürich)"); err != nil {
		t.Fatalf("a plain name with punctuation and accents was refused: %v", err)
	}
}

// gatedStore holds every code lookup until each of the parallel accepts has
// either reached a lookup or returned, so a limit checked before attempts are
// counted would let every one of them through to the lookup.
type gatedStore struct {
	*connectiontest.MemStore
	mu      sync.Mutex
	settled int
	total   int
	open    chan struct{}
}

func (g *gatedStore) settle() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.settled++
	if g.settled == g.total {
		close(g.open)
	}
}

func (g *gatedStore) ByCodeHash(ctx context.Context, hash string) (connection.Connection, error) {
	g.settle()
	<-g.open
	return g.MemStore.ByCodeHash(ctx, hash)
}

func TestParallelWrongCodesCannotOutrunTheLimit(t *testing.T) {
	const attempts = 200
	store := &gatedStore{MemStore: connectiontest.NewMemStore(), total: attempts, open: make(chan struct{})}
	svc := connection.NewService(store, clock.NewManual(t0), nil)
	errs := make(chan error, attempts)
	var wg sync.WaitGroup
	for range attempts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := svc.Accept(context.Background(), orgB, wrongCode)
			if !errors.Is(err, connection.ErrInvalidCode) {
				// This attempt never reaches a lookup: it is settled now.
				store.settle()
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	var invalid, limited int
	for err := range errs {
		switch {
		case errors.Is(err, connection.ErrInvalidCode):
			invalid++
		case errors.Is(err, connection.ErrRateLimited):
			limited++
		default:
			t.Fatalf("unexpected answer: %v", err)
		}
	}
	if invalid != connection.MaxFailedAccepts || limited != attempts-connection.MaxFailedAccepts {
		t.Fatalf("%d invalid and %d rate limited, want %d and %d", invalid, limited, connection.MaxFailedAccepts, attempts-connection.MaxFailedAccepts)
	}
}

func TestSuccessfulAcceptsDoNotUseUpAttempts(t *testing.T) {
	f := newFixture()
	for i := range connection.MaxFailedAccepts + 5 {
		c := f.create(t, orgA)
		if _, err := f.svc.Accept(f.ctx, orgB, c.VerificationCode); err != nil {
			t.Fatalf("accept %d: %v", i+1, err)
		}
	}
	if _, err := f.svc.Accept(f.ctx, orgB, wrongCode); !errors.Is(err, connection.ErrInvalidCode) {
		t.Fatalf("first wrong code after good ones: %v, want %v", err, connection.ErrInvalidCode)
	}
	if n := f.failures(t, orgB); n != 1 {
		t.Fatalf("attempts counted: %d, want 1 (only the wrong code)", n)
	}
}

func TestPendingConnectionsAreCapped(t *testing.T) {
	f := newFixture()
	var first connection.Created
	for i := range connection.MaxPending {
		c := f.create(t, orgA)
		if i == 0 {
			first = c
		}
	}
	if _, err := f.svc.Create(f.ctx, orgA, connection.Source, "One too many"); !errors.Is(err, connection.ErrTooManyPending) {
		t.Fatalf("create past the cap: %v, want %v", err, connection.ErrTooManyPending)
	}
	// The cap is the caller's own: another organisation still creates.
	if _, err := f.svc.Create(f.ctx, orgB, connection.Source, "Mine"); err != nil {
		t.Fatalf("org B: %v", err)
	}
	// An accepted connection is no longer pending, so it frees a place...
	if _, err := f.svc.Accept(f.ctx, orgB, first.VerificationCode); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Create(f.ctx, orgA, connection.Source, "Room again"); err != nil {
		t.Fatalf("create after an accept: %v", err)
	}
	// ...and so does a cancelled one, and expired codes hold none.
	if _, err := f.svc.Create(f.ctx, orgA, connection.Source, "Full again"); !errors.Is(err, connection.ErrTooManyPending) {
		t.Fatalf("create at the cap: %v, want %v", err, connection.ErrTooManyPending)
	}
	f.clock.Advance(connection.CodeLifetime)
	if _, err := f.svc.Create(f.ctx, orgA, connection.Source, "After expiry"); err != nil {
		t.Fatalf("create once the codes expired: %v", err)
	}
}

func TestCancelledConnectionsFreeAPendingPlace(t *testing.T) {
	f := newFixture()
	var last connection.Created
	for range connection.MaxPending {
		last = f.create(t, orgA)
	}
	if err := f.svc.End(f.ctx, orgA, last.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Create(f.ctx, orgA, connection.Source, "In its place"); err != nil {
		t.Fatalf("create after a cancel: %v", err)
	}
}

package connection_test

import (
	"context"
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/connection/connectiontest"
)

// A code is shown as four groups of four letters, as the UI and the README
// print it, and each new code of a connection replaces the last.
func TestCodeIsFourGroupsOfFour(t *testing.T) {
	f := newFixture()
	shape := regexp.MustCompile(`^[2-9A-HJKMNP-TW-Z]{4}(-[2-9A-HJKMNP-TW-Z]{4}){3}$`)
	c := f.create(t, orgA)
	again, err := f.svc.NewCode(f.ctx, orgA, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{c.VerificationCode, again.VerificationCode} {
		if !shape.MatchString(code) {
			t.Fatalf("code %q is not four dash-separated groups of four", code)
		}
	}
}

// Each side sees its own role: the acceptor takes the one the creator did
// not, whichever the creator chose; the expiry is shown to the creator only
// while the code can still be used.
func TestEachSideSeesItsOwnRole(t *testing.T) {
	for _, creatorRole := range []connection.Role{connection.Source, connection.Target} {
		t.Run(string(creatorRole), func(t *testing.T) {
			f := newFixture()
			c, err := f.svc.Create(f.ctx, orgA, creatorRole, "Managed service")
			if err != nil {
				t.Fatalf("create as %s: %v", creatorRole, err)
			}
			if c.Role != creatorRole {
				t.Fatalf("creator's role %s, want %s", c.Role, creatorRole)
			}
			pending, _, err := f.svc.List(f.ctx, orgA)
			if err != nil || len(pending) != 1 {
				t.Fatalf("pending %+v, %v", pending, err)
			}
			if want := t0.Add(connection.CodeLifetime); pending[0].ExpiresAt == nil || !pending[0].ExpiresAt.Equal(want) {
				t.Fatalf("creator's pending view expires %v, want %v", pending[0].ExpiresAt, want)
			}
			v, err := f.svc.Accept(f.ctx, orgB, c.VerificationCode)
			if err != nil {
				t.Fatal(err)
			}
			if v.Role != creatorRole.Other() || v.Role == creatorRole {
				t.Fatalf("acceptor's role %s, creator's %s", v.Role, creatorRole)
			}
			for _, org := range []connection.Caller{orgA, orgB} {
				_, active, err := f.svc.List(f.ctx, org)
				if err != nil || len(active) != 1 {
					t.Fatalf("%s active %+v, %v", org.OrgID, active, err)
				}
				want := creatorRole
				if org == orgB {
					want = creatorRole.Other()
				}
				if active[0].Role != want {
					t.Errorf("%s sees role %s, want %s", org.OrgID, active[0].Role, want)
				}
				if active[0].ExpiresAt != nil {
					t.Errorf("%s sees an expiry on an active connection: %v", org.OrgID, active[0].ExpiresAt)
				}
				got, err := f.svc.Get(f.ctx, org, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.RoleOf(org.OrgID) != want {
					t.Errorf("RoleOf(%s) = %s, want %s", org.OrgID, got.RoleOf(org.OrgID), want)
				}
			}
		})
	}
}

// failWindows records the expiry the service asks for with each failed
// accept: the counter must outlive its window, or the limit would lift early
// where the store deletes by that expiry (DynamoDB TTL).
type failWindows struct {
	*connectiontest.MemStore
	windows, expiries []time.Time
}

func (s *failWindows) AddAcceptAttempts(ctx context.Context, org string, window, expires time.Time, delta int) (int, error) {
	s.windows, s.expiries = append(s.windows, window), append(s.expiries, expires)
	return s.MemStore.AddAcceptAttempts(ctx, org, window, expires, delta)
}

func TestFailedAcceptCounterOutlivesItsWindow(t *testing.T) {
	f := newFixture()
	store := &failWindows{MemStore: f.store}
	svc := connection.NewService(store, f.clock, nil)
	f.clock.Advance(connection.FailureWindow / 2)
	if _, err := svc.Accept(f.ctx, orgB, wrongCode); !errors.Is(err, connection.ErrInvalidCode) {
		t.Fatal(err)
	}
	if len(store.expiries) != 1 {
		t.Fatalf("%d failed accepts recorded, want 1", len(store.expiries))
	}
	if end := store.windows[0].Add(connection.FailureWindow); store.expiries[0].Before(end) {
		t.Fatalf("counter expires %v, before its window ends at %v", store.expiries[0], end)
	}
}

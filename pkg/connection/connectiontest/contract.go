package connectiontest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/connection"
)

// RunStoreContract checks the behaviour every connection.Store must have.
// newStore must return an empty store each call.
func RunStoreContract(t *testing.T, newStore func(t *testing.T) connection.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	pending := func(id, hash string) connection.Connection {
		return connection.Connection{
			ID: id, ContractName: "Contract " + id, Status: connection.Pending,
			CreatorOrg: "org-a", CreatorName: "Org A", CreatorRole: connection.Source,
			CreatedAt: t0, CodeHash: hash, CodeExpiresAt: t0.Add(connection.CodeLifetime),
		}
	}
	activated := func(c connection.Connection, at time.Time) connection.Connection {
		c.Status = connection.Active
		c.AcceptorOrg, c.AcceptorName, c.AcceptedAt, c.CodeHash = "org-b", "Org B", at, ""
		return c
	}

	t.Run("create, get, list and find by code", func(t *testing.T) {
		s := newStore(t)
		c := pending("c1", "h1")
		must(t, s.CreatePending(ctx, c))
		got, err := s.Get(ctx, "c1")
		must(t, err)
		if got.ContractName != c.ContractName || got.Status != connection.Pending || !got.CodeExpiresAt.Equal(c.CodeExpiresAt) || got.CreatorRole != connection.Source {
			t.Fatalf("Get = %+v, want %+v", got, c)
		}
		byCode, err := s.ByCodeHash(ctx, "h1")
		must(t, err)
		if byCode.ID != "c1" {
			t.Fatalf("ByCodeHash id = %q", byCode.ID)
		}
		list, err := s.ListForOrg(ctx, "org-a")
		must(t, err)
		if len(list) != 1 || list[0].ID != "c1" {
			t.Fatalf("ListForOrg(org-a) = %+v", list)
		}
		other, err := s.ListForOrg(ctx, "org-c")
		must(t, err)
		if len(other) != 0 {
			t.Fatalf("ListForOrg(org-c) = %+v, want none", other)
		}
	})

	t.Run("missing records are ErrNotFound", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Get(ctx, "nope"); !errors.Is(err, connection.ErrNotFound) {
			t.Fatalf("Get missing: %v", err)
		}
		if _, err := s.ByCodeHash(ctx, "nope"); !errors.Is(err, connection.ErrNotFound) {
			t.Fatalf("ByCodeHash missing: %v", err)
		}
	})

	t.Run("activate once; both sides list it; code is gone", func(t *testing.T) {
		s := newStore(t)
		c := pending("c2", "h2")
		must(t, s.CreatePending(ctx, c))
		must(t, s.Activate(ctx, activated(c, t0.Add(time.Hour)), "h2"))
		if err := s.Activate(ctx, activated(c, t0.Add(time.Hour)), "h2"); !errors.Is(err, connection.ErrConflict) {
			t.Fatalf("second Activate: %v, want ErrConflict", err)
		}
		if _, err := s.ByCodeHash(ctx, "h2"); !errors.Is(err, connection.ErrNotFound) {
			t.Fatalf("code still indexed after activate: %v", err)
		}
		for _, org := range []string{"org-a", "org-b"} {
			list, err := s.ListForOrg(ctx, org)
			must(t, err)
			if len(list) != 1 || list[0].Status != connection.Active || list[0].AcceptorOrg != "org-b" {
				t.Fatalf("ListForOrg(%s) = %+v", org, list)
			}
		}
	})

	t.Run("activate refuses an expired code", func(t *testing.T) {
		s := newStore(t)
		c := pending("c3", "h3")
		must(t, s.CreatePending(ctx, c))
		late := activated(c, c.CodeExpiresAt.Add(time.Second))
		if err := s.Activate(ctx, late, "h3"); !errors.Is(err, connection.ErrConflict) {
			t.Fatalf("Activate after expiry: %v, want ErrConflict", err)
		}
	})

	t.Run("replace code: old hash stops resolving", func(t *testing.T) {
		s := newStore(t)
		c := pending("c5", "h5")
		must(t, s.CreatePending(ctx, c))
		next := c
		next.CodeHash, next.CodeExpiresAt = "h5b", t0.Add(8*24*time.Hour)
		must(t, s.ReplaceCode(ctx, next, "h5"))
		if _, err := s.ByCodeHash(ctx, "h5"); !errors.Is(err, connection.ErrNotFound) {
			t.Fatalf("old code: %v", err)
		}
		got, err := s.ByCodeHash(ctx, "h5b")
		must(t, err)
		if !got.CodeExpiresAt.Equal(next.CodeExpiresAt) {
			t.Fatalf("expiry = %v", got.CodeExpiresAt)
		}
		if err := s.ReplaceCode(ctx, next, "h5"); !errors.Is(err, connection.ErrConflict) {
			t.Fatalf("replace with stale hash: %v", err)
		}
	})

	t.Run("end is conditional and visible to both sides", func(t *testing.T) {
		s := newStore(t)
		c := pending("c6", "h6")
		must(t, s.CreatePending(ctx, c))
		act := activated(c, t0.Add(time.Minute))
		must(t, s.Activate(ctx, act, "h6"))
		ended := act
		ended.Status, ended.EndedAt, ended.EndedBy = connection.Ended, t0.Add(2*time.Minute), "org-b"
		if err := s.End(ctx, ended, connection.Pending); !errors.Is(err, connection.ErrConflict) {
			t.Fatalf("End with wrong prev: %v", err)
		}
		must(t, s.End(ctx, ended, connection.Active))
		for _, org := range []string{"org-a", "org-b"} {
			list, err := s.ListForOrg(ctx, org)
			must(t, err)
			if len(list) != 1 || list[0].Status != connection.Ended || list[0].EndedBy != "org-b" {
				t.Fatalf("ListForOrg(%s) after end = %+v", org, list)
			}
		}
	})

	t.Run("ending a pending connection removes its code", func(t *testing.T) {
		s := newStore(t)
		c := pending("c7", "h7")
		must(t, s.CreatePending(ctx, c))
		ended := c
		ended.Status, ended.EndedAt, ended.EndedBy, ended.CodeHash = connection.Ended, t0.Add(time.Minute), "org-a", ""
		must(t, s.End(ctx, ended, connection.Pending))
		if _, err := s.ByCodeHash(ctx, "h7"); !errors.Is(err, connection.ErrNotFound) {
			t.Fatalf("code after cancel: %v", err)
		}
	})

	t.Run("accept attempt counter per org and window", func(t *testing.T) {
		s := newStore(t)
		w := t0.Truncate(connection.FailureWindow)
		for i := 1; i <= 3; i++ {
			n, err := s.AddAcceptAttempts(ctx, "org-x", w, w.Add(time.Hour), 1)
			must(t, err)
			if n != i {
				t.Fatalf("count after %d = %d", i, n)
			}
		}
		if n, err := s.AddAcceptAttempts(ctx, "org-x", w, w.Add(time.Hour), -1); err != nil || n != 2 {
			t.Fatalf("after giving one back = %d, %v", n, err)
		}
		if n, err := s.AddAcceptAttempts(ctx, "org-y", w, w.Add(time.Hour), 1); err != nil || n != 1 {
			t.Fatalf("other org = %d, %v", n, err)
		}
		if n, err := s.AddAcceptAttempts(ctx, "org-x", w.Add(connection.FailureWindow), w.Add(time.Hour), 1); err != nil || n != 1 {
			t.Fatalf("next window = %d, %v", n, err)
		}
	})
}

// RunConcurrencyContract checks that conditional writes hold under
// concurrency.
func RunConcurrencyContract(t *testing.T, newStore func(t *testing.T) connection.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	c := connection.Connection{
		ID: "c4", ContractName: "Race", Status: connection.Pending,
		CreatorOrg: "org-a", CreatorName: "Org A", CreatorRole: connection.Source,
		CreatedAt: t0, CodeHash: "h4", CodeExpiresAt: t0.Add(connection.CodeLifetime),
	}
	activated := func(c connection.Connection, at time.Time) connection.Connection {
		c.Status = connection.Active
		c.AcceptorOrg, c.AcceptorName, c.AcceptedAt, c.CodeHash = "org-b", "Org B", at, ""
		return c
	}
	t.Run("concurrent activations: exactly one wins", func(t *testing.T) {
		s := newStore(t)
		must(t, s.CreatePending(ctx, c))
		var wins, conflicts atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := s.Activate(ctx, activated(c, t0.Add(time.Minute)), "h4")
				switch {
				case err == nil:
					wins.Add(1)
				case errors.Is(err, connection.ErrConflict):
					conflicts.Add(1)
				default:
					t.Errorf("Activate: %v", err)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 || conflicts.Load() != 19 {
			t.Fatalf("wins=%d conflicts=%d, want 1 and 19", wins.Load(), conflicts.Load())
		}
	})

	t.Run("concurrent accept attempts each get their own count", func(t *testing.T) {
		s := newStore(t)
		w := t0.Truncate(connection.FailureWindow)
		const n = 40
		counts := make(chan int, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := s.AddAcceptAttempts(ctx, "org-x", w, w.Add(time.Hour), 1)
				if err != nil {
					t.Errorf("AddAcceptAttempts: %v", err)
				}
				counts <- got
			}()
		}
		wg.Wait()
		close(counts)
		seen := map[int]bool{}
		for c := range counts {
			seen[c] = true
		}
		for i := 1; i <= n; i++ {
			if !seen[i] {
				t.Fatalf("no attempt was told it was number %d (saw %v): the counter is not atomic", i, seen)
			}
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(fmt.Errorf("unexpected error: %w", err))
	}
}

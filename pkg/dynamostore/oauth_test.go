package dynamostore_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/dynamostore"
	"github.com/tandemsync/tandem/pkg/oauthflow"
)

// A pending authorization is taken once: of ten callbacks with the same
// state (racing where the store serialises conditional writes as DynamoDB
// does), one gets it, and the others find nothing.
func runOAuthStateContract(t *testing.T, s *dynamostore.Store, racing bool) {
	ctx := context.Background()
	st := oauthflow.State{Hash: "abc123", OrgID: "acme", BaseURL: "https://acme.zendesk.com", Verifier: "v", ExpiresAt: time.Now().Add(time.Minute).UTC().Truncate(time.Second)}
	if err := s.PutOAuthState(ctx, st); err != nil {
		t.Fatal(err)
	}
	if err := s.PutOAuthState(ctx, st); err == nil {
		t.Fatal("a second state under the same hash was stored")
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var got []oauthflow.State
	for range 10 {
		wg.Add(1)
		take := func() {
			defer wg.Done()
			taken, err := s.TakeOAuthState(ctx, st.Hash)
			if err != nil && !errors.Is(err, oauthflow.ErrUnknownState) {
				t.Error(err)
			}
			if err == nil {
				mu.Lock()
				got = append(got, taken)
				mu.Unlock()
			}
		}
		if racing {
			go take()
		} else {
			take()
		}
	}
	wg.Wait()
	if len(got) != 1 || got[0].OrgID != "acme" || got[0].Verifier != "v" || !got[0].ExpiresAt.Equal(st.ExpiresAt) {
		t.Fatalf("takes = %+v, want the state once", got)
	}
	if _, err := s.TakeOAuthState(ctx, "unknown"); !errors.Is(err, oauthflow.ErrUnknownState) {
		t.Fatalf("unknown state: %v", err)
	}
}

// A lease has one holder until it is released by that holder or its time
// runs out.
func runLeaseContract(t *testing.T, s *dynamostore.Store) {
	ctx := context.Background()
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	if ok, err := s.AcquireLease(ctx, "acme", "refresh", "a", now, now.Add(30*time.Second)); !ok || err != nil {
		t.Fatalf("first acquire: %v %v", ok, err)
	}
	if ok, err := s.AcquireLease(ctx, "acme", "refresh", "b", now.Add(time.Second), now.Add(31*time.Second)); ok || err != nil {
		t.Fatalf("a held lease was acquired: %v %v", ok, err)
	}
	if ok, err := s.AcquireLease(ctx, "other", "refresh", "b", now, now.Add(30*time.Second)); !ok || err != nil {
		t.Fatalf("another organisation's lease: %v %v", ok, err)
	}
	if err := s.ReleaseLease(ctx, "acme", "refresh", "b"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.AcquireLease(ctx, "acme", "refresh", "b", now.Add(2*time.Second), now.Add(32*time.Second)); ok {
		t.Fatal("a non-holder released the lease")
	}
	if ok, err := s.AcquireLease(ctx, "acme", "refresh", "c", now.Add(31*time.Second), now.Add(61*time.Second)); !ok || err != nil {
		t.Fatalf("an expired lease was not taken over: %v %v", ok, err)
	}
	if err := s.ReleaseLease(ctx, "acme", "refresh", "c"); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.AcquireLease(ctx, "acme", "refresh", "d", now.Add(32*time.Second), now.Add(62*time.Second)); !ok || err != nil {
		t.Fatalf("a released lease: %v %v", ok, err)
	}
}

func TestOAuthStateAndLease(t *testing.T) {
	runOAuthStateContract(t, newStore(t), false)
	runLeaseContract(t, newStore(t))
}

func TestOAuthStateAndLeaseOnMinidyn(t *testing.T) {
	runOAuthStateContract(t, newMinidynStore(t), true)
	runLeaseContract(t, newMinidynStore(t))
}

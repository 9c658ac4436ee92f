package settings_test

import (
	"context"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/settings"
	"github.com/tandemsync/tandem/pkg/settings/settingstest"
)

// memSecrets is a settings.SecretStore in memory.
type memSecrets struct {
	mu sync.Mutex
	m  map[string][]byte
}

func newMemSecrets() *memSecrets { return &memSecrets{m: map[string][]byte{}} }

func (s *memSecrets) PutSecret(_ context.Context, name string, v []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[name] = slices.Clone(v)
	return nil
}

func (s *memSecrets) GetSecret(_ context.Context, name string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[name]
	if !ok {
		return nil, errors.New("secret not found: " + name)
	}
	return v, nil
}

func (s *memSecrets) DeleteSecret(_ context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, name)
	return nil
}

func (s *memSecrets) names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.m))
}

// liveAccounts refuses writes on an ended context, as DynamoDB calls do
// once Lambda's deadline has passed.
type liveAccounts struct{ *settingstest.MemAccounts }

func (a liveAccounts) PutAccount(ctx context.Context, acct settings.Account) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return a.MemAccounts.PutAccount(ctx, acct)
}

// hangingPlatform accepts any credentials, and its connection test answers
// only when the test's context ends — with testErr, as a client that wraps
// the cancellation in its own words would.
type hangingPlatform struct{ testErr error }

func (hangingPlatform) Validate(_ platform.Kind, c platform.Credentials) (platform.Credentials, []string, error) {
	return c, nil, nil
}

func (h hangingPlatform) Test(ctx context.Context, _ platform.Kind, _ platform.Credentials) error {
	<-ctx.Done()
	if h.testErr != nil {
		return h.testErr
	}
	return ctx.Err()
}

func newService(t *testing.T, p settings.Platforms) (*settings.Service, liveAccounts) {
	t.Helper()
	accounts := liveAccounts{settingstest.NewMemAccounts()}
	svc := settings.NewService(accounts, newMemSecrets(), p, clock.System{}, nil)
	if _, err := svc.Save(context.Background(), "acme", platform.Halo, platform.Credentials{"url": "https://acme.halopsa.com"}); err != nil {
		t.Fatal(err)
	}
	return svc, accounts
}

// A platform that hangs gets "did not answer in time", saved as the last
// test, before the caller's deadline (the settings function's timeout) —
// even when TestTimeout alone would run past it.
func TestConnectionTestThatHangsEndsInsideTheCallersDeadline(t *testing.T) {
	for name, p := range map[string]hangingPlatform{
		"context error":         {},
		"wrapped by the client": {testErr: errors.New("halo: request failed: read tcp: use of closed connection")},
	} {
		t.Run(name, func(t *testing.T) {
			svc, accounts := newService(t, p)
			svc.TestTimeout = time.Hour // longer than the function may run
			svc.RecordTime = 150 * time.Millisecond
			lambdaCtx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()

			res, err := svc.Test(lambdaCtx, "acme", "")
			if err != nil {
				t.Fatalf("Test: %v (a hang must be a result, not a 500)", err)
			}
			if lambdaCtx.Err() != nil {
				t.Fatal("Test returned after the caller's deadline")
			}
			if res.Status != settings.StatusFailed || !strings.Contains(res.Reason, "did not answer in time") || res.ReasonCode != platform.ReasonUnreachable {
				t.Errorf("result %+v, want %q with %q", res, settings.StatusFailed, "did not answer in time")
			}
			saved, err := accounts.GetAccount(context.Background(), "acme")
			if err != nil {
				t.Fatal(err)
			}
			if saved.LastTest == nil || !reflect.DeepEqual(*saved.LastTest, res) {
				t.Errorf("LastTest %+v, want the result %+v saved", saved.LastTest, res)
			}
		})
	}
}

// Without a caller's deadline (the local runner), TestTimeout bounds the test.
func TestConnectionTestTimeout(t *testing.T) {
	svc, accounts := newService(t, hangingPlatform{})
	svc.TestTimeout = 50 * time.Millisecond
	res, err := svc.Test(context.Background(), "acme", "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Reason, "did not answer in time") {
		t.Errorf("reason %q", res.Reason)
	}
	if saved, _ := accounts.GetAccount(context.Background(), "acme"); saved.LastTest == nil || !reflect.DeepEqual(*saved.LastTest, res) {
		t.Errorf("LastTest %+v, want %+v", saved.LastTest, res)
	}
}

// The settings function's timeout (infra: 25 s) leaves room for the default
// test and for saving its outcome.
func TestDefaultsFitTheSettingsFunction(t *testing.T) {
	const settingsFunctionTimeout = 25 * time.Second
	if settings.DefaultTestTimeout+settings.DefaultRecordTime >= settingsFunctionTimeout {
		t.Errorf("TestTimeout %v + RecordTime %v do not fit the settings function's %v",
			settings.DefaultTestTimeout, settings.DefaultRecordTime, settingsFunctionTimeout)
	}
}

// Stages sharing an account keep their secrets under their own prefix; the
// names Tandem records stay the same.
func TestPrefixedSecrets(t *testing.T) {
	ctx := context.Background()
	inner := newMemSecrets()
	prod := settings.PrefixedSecrets(inner, "tandem/prod/")
	for _, name := range []string{settings.SecretName("acme", platform.Halo), "tandem/acme/halo/webhook/wh_x"} {
		if err := prod.PutSecret(ctx, name, []byte("v")); err != nil {
			t.Fatal(err)
		}
		if v, err := prod.GetSecret(ctx, name); err != nil || string(v) != "v" {
			t.Errorf("get %s: %q %v", name, v, err)
		}
	}
	if want := []string{"tandem/prod/acme/halo", "tandem/prod/acme/halo/webhook/wh_x"}; !slices.Equal(inner.names(), want) {
		t.Errorf("stored %v, want %v", inner.names(), want)
	}
	if err := prod.DeleteSecret(ctx, "tandem/acme/halo"); err != nil || len(inner.names()) != 1 {
		t.Errorf("delete: %v, left %v", err, inner.names())
	}
	if err := prod.PutSecret(ctx, "other/acme", []byte("v")); err == nil {
		t.Error("a name outside tandem/ was stored")
	}
	for _, prefix := range []string{"", settings.SecretNamespace} {
		if s := settings.PrefixedSecrets(inner, prefix); s != settings.SecretStore(inner) {
			t.Errorf("prefix %q wraps the store", prefix)
		}
	}
}

package settings_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/settings"
	"github.com/tandemsync/tandem/pkg/settings/settingstest"
)

// anyPlatform accepts any credentials; "secret" is its secret field.
type anyPlatform struct{}

func (anyPlatform) Validate(_ platform.Kind, c platform.Credentials) (platform.Credentials, []string, error) {
	return c, []string{"secret"}, nil
}

func (anyPlatform) Test(context.Context, platform.Kind, platform.Credentials) error { return nil }

// endpointLog records which organisations' webhook endpoints were removed.
type endpointLog struct{ orgs []string }

func (e *endpointLog) RemoveAll(_ context.Context, org string) error {
	e.orgs = append(e.orgs, org)
	return nil
}

// An organisation has one platform. Saving again for the same platform
// replaces the credentials in place; switching platforms removes the old
// platform's webhook endpoints and its secret, so nothing of it lingers.
func TestSwitchingPlatformLeavesNothingOfTheOld(t *testing.T) {
	ctx := context.Background()
	secrets, endpoints := newMemSecrets(), &endpointLog{}
	svc := settings.NewService(settingstest.NewMemAccounts(), secrets, anyPlatform{}, clock.System{}, nil)
	svc.Endpoints = endpoints

	save := func(kind platform.Kind, creds platform.Credentials) settings.Account {
		t.Helper()
		a, err := svc.Save(ctx, "acme", kind, creds)
		if err != nil {
			t.Fatalf("save %s: %v", kind, err)
		}
		return a
	}
	stored := func(wantKind platform.Kind, want platform.Credentials) {
		t.Helper()
		kind, got, err := svc.Credentials(ctx, "acme")
		if err != nil || kind != wantKind || !maps.Equal(got, want) {
			t.Fatalf("stored %s %v (%v), want %s %v", kind, got, err, wantKind, want)
		}
		if names := secrets.names(); !slices.Equal(names, []string{settings.SecretName("acme", wantKind)}) {
			t.Fatalf("secrets %v, want only %s's", names, wantKind)
		}
	}

	first := platform.Credentials{"url": "https://acme.halopsa.com", "secret": "s1"}
	save(platform.Halo, first)
	stored(platform.Halo, first)
	if len(endpoints.orgs) != 0 {
		t.Fatalf("a first save removed endpoints of %v", endpoints.orgs)
	}

	second := platform.Credentials{"url": "https://acme.halopsa.com", "secret": "s2"}
	if a := save(platform.Halo, second); a.Masked["secret"] == "s2" || a.Masked["url"] != second["url"] {
		t.Fatalf("saved account shows %v", a.Masked)
	}
	stored(platform.Halo, second)
	if len(endpoints.orgs) != 0 {
		t.Fatalf("re-saving the same platform removed endpoints of %v", endpoints.orgs)
	}

	third := platform.Credentials{"apiUrl": "https://webservices5.autotask.net", "secret": "s3"}
	save(platform.Autotask, third)
	stored(platform.Autotask, third)
	if !slices.Equal(endpoints.orgs, []string{"acme"}) {
		t.Fatalf("switching platforms removed endpoints of %v, want [acme]", endpoints.orgs)
	}
	if a, err := svc.Get(ctx, "acme"); err != nil || a.Platform != platform.Autotask || a.Masked["secret"] == "s3" {
		t.Fatalf("account %+v, %v", a, err)
	}
}

// brokenAccounts cannot be read: not "not configured", a failure.
type brokenAccounts struct{ *settingstest.MemAccounts }

var errUnreadable = errors.New("dynamodb: throttled")

func (brokenAccounts) GetAccount(context.Context, string) (settings.Account, error) {
	return settings.Account{}, errUnreadable
}

// When the account cannot be read, Save cannot know whether it would leave
// an old platform's secret or endpoints behind: it fails, and stores nothing.
func TestSaveFailsWhenTheAccountCannotBeRead(t *testing.T) {
	secrets := newMemSecrets()
	svc := settings.NewService(brokenAccounts{settingstest.NewMemAccounts()}, secrets, anyPlatform{}, clock.System{}, nil)
	if _, err := svc.Save(context.Background(), "acme", platform.Halo, platform.Credentials{"secret": "s"}); !errors.Is(err, errUnreadable) {
		t.Fatalf("save: %v, want %v", err, errUnreadable)
	}
	if names := secrets.names(); len(names) != 0 {
		t.Fatalf("secrets stored: %v", names)
	}
	if _, _, err := svc.Credentials(context.Background(), "acme"); !errors.Is(err, errUnreadable) {
		t.Fatalf("credentials: %v, want %v", err, errUnreadable)
	}
}

// Mask shows a secret field that holds a value as asterisks, whatever the
// case of its name, leaves out one that is empty, and shows the rest as typed.
func TestMaskHidesSecretsWholly(t *testing.T) {
	got := settings.Mask(platform.Credentials{"url": "https://acme.halopsa.com", "ClientSecret": "s3cr3t-value", "privateKey": ""},
		[]string{"clientSecret", "privatekey"})
	want := map[string]string{"url": "https://acme.halopsa.com", "ClientSecret": "********"}
	if !maps.Equal(got, want) {
		t.Fatalf("Mask = %v, want %v", got, want)
	}
}

// actorLog also records, for each organisation, the saves after which its
// endpoints were asked to record the acting user again.
type actorLog struct {
	endpointLog
	reidentified []string
	// seenCred is the secret the service had stored when it asked.
	svc      *settings.Service
	seenCred []string
}

func (a *actorLog) Reidentify(ctx context.Context, org string) {
	a.reidentified = append(a.reidentified, org)
	_, c, _ := a.svc.Credentials(ctx, org)
	a.seenCred = append(a.seenCred, c["secret"])
}

// Saved credentials may act as another platform user: every save asks the
// endpoints to record the user again, once the new credentials are stored.
func TestSavingCredentialsReidentifiesTheEndpoints(t *testing.T) {
	ctx := context.Background()
	svc := settings.NewService(settingstest.NewMemAccounts(), newMemSecrets(), anyPlatform{}, clock.System{}, nil)
	endpoints := &actorLog{svc: svc}
	svc.Endpoints = endpoints
	for _, secret := range []string{"s1", "s2"} {
		if _, err := svc.Save(ctx, "acme", platform.Halo, platform.Credentials{"url": "https://acme.halopsa.com", "secret": secret}); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(endpoints.reidentified, []string{"acme", "acme"}) || !slices.Equal(endpoints.seenCred, []string{"s1", "s2"}) {
		t.Fatalf("reidentified %v with credentials %v, want acme twice, after each save", endpoints.reidentified, endpoints.seenCred)
	}
}

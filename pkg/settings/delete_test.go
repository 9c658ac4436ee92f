package settings_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/settings"
	"github.com/tandemsync/tandem/pkg/settings/settingstest"
)

// stuckEndpoints cannot remove anything, as when the endpoint table is
// unavailable.
type stuckEndpoints struct{}

func (stuckEndpoints) RemoveAll(context.Context, string) error {
	return errors.New("endpoint table unavailable")
}

// Deleting an organisation's credentials removes its webhook endpoints
// first, then its secret and account, and touches no other organisation.
// If the endpoints cannot be removed, nothing is deleted: credentials gone
// with endpoints left would leave deliveries verifying for a platform the
// organisation no longer has, and the delete can be tried again.
func TestDeleteRemovesEndpointsFirstThenTheCredentials(t *testing.T) {
	ctx := context.Background()
	secrets, endpoints := newMemSecrets(), &endpointLog{}
	svc := settings.NewService(settingstest.NewMemAccounts(), secrets, anyPlatform{}, clock.System{}, nil)
	svc.Endpoints = endpoints
	var changed []string
	svc.Changed = func(org string) { changed = append(changed, org) }
	for _, org := range []string{"acme", "globex"} {
		if _, err := svc.Save(ctx, org, platform.Halo, platform.Credentials{"url": "https://" + org + ".halopsa.com", "secret": "s-" + org}); err != nil {
			t.Fatal(err)
		}
	}

	svc.Endpoints = stuckEndpoints{}
	changed = nil
	if err := svc.Delete(ctx, "acme"); err == nil {
		t.Fatal("deleted while the webhook endpoints could not be removed")
	}
	if _, creds, err := svc.Credentials(ctx, "acme"); err != nil || creds["secret"] != "s-acme" || len(changed) != 0 {
		t.Fatalf("after a failed delete: credentials %v (%v), changed %v; want them kept and no change announced", creds, err, changed)
	}

	svc.Endpoints = endpoints
	if err := svc.Delete(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(endpoints.orgs, []string{"acme"}) || !slices.Equal(changed, []string{"acme"}) {
		t.Fatalf("endpoints removed for %v, change announced for %v; want acme's, once", endpoints.orgs, changed)
	}
	if _, _, err := svc.Credentials(ctx, "acme"); !errors.Is(err, settings.ErrNotConfigured) {
		t.Fatalf("acme's credentials after delete: %v, want ErrNotConfigured", err)
	}
	if names := secrets.names(); !slices.Equal(names, []string{settings.SecretName("globex", platform.Halo)}) {
		t.Fatalf("secrets after delete %v, want only globex's", names)
	}
	if _, creds, err := svc.Credentials(ctx, "globex"); err != nil || creds["secret"] != "s-globex" {
		t.Fatalf("globex's credentials after acme's delete: %v (%v)", creds, err)
	}
	if err := svc.Delete(ctx, "acme"); err == nil {
		t.Fatal("deleting credentials that are not there succeeded")
	}
}

package halo_test

import (
	"errors"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/halo"
	"github.com/tandemsync/tandem/pkg/halo/halosim"
	"github.com/tandemsync/tandem/pkg/platform"
)

// newClient connects user to the simulator in local/test mode, with short
// backoff so retry tests stay fast.
func newClient(t testing.TB, s *halosim.Server, user halosim.APIUser) *halo.Client {
	t.Helper()
	creds, err := halo.ParseCredentials(s.Credentials(user), true)
	if err != nil {
		t.Fatalf("ParseCredentials: %v", err)
	}
	return halo.New(creds, halo.Options{AllowPrivate: true, HTTP: fastHTTP()})
}

func fastHTTP() *egress.Client {
	return egress.New(egress.Options{AllowPrivate: true, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond})
}

// platformError asserts err carries a *platform.Error with the reason.
func platformError(t *testing.T, err error, want platform.Reason) *platform.Error {
	t.Helper()
	var pe *platform.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *platform.Error", err, err)
	}
	if pe.Reason != want {
		t.Fatalf("reason = %s, want %s (error: %v)", pe.Reason, want, err)
	}
	if pe.Platform != platform.Halo {
		t.Fatalf("platform = %s, want halo", pe.Platform)
	}
	return pe
}

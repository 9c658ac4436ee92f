package connectwise

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/connectwise/connectwisesim"
	"github.com/tandemsync/tandem/pkg/platform"
)

// clientFor builds a client for member m of the simulator in local mode.
func clientFor(t testing.TB, s *connectwisesim.Server, m connectwisesim.Member, opts Options) *Client {
	t.Helper()
	creds, err := ParseCredentials(s.Credentials(m), true)
	if err != nil {
		t.Fatalf("simulator credentials rejected: %v", err)
	}
	opts.AllowPrivate = true
	if opts.Company == "" {
		opts.Company = strconv.Itoa(connectwisesim.CustomerCompanyID)
	}
	return New(creds, opts)
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// platformErr asserts err is a *platform.Error with the given reason.
func platformErr(t testing.TB, err error, want platform.Reason) *platform.Error {
	t.Helper()
	var pe *platform.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *platform.Error", err, err)
	}
	if pe.Reason != want {
		t.Fatalf("reason = %s, want %s (error: %v)", pe.Reason, want, err)
	}
	return pe
}

func mustID(t testing.TB, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("id %q: %v", s, err)
	}
	return n
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

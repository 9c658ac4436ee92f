package halo_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/halo"
	"github.com/tandemsync/tandem/pkg/halo/halosim"
	"github.com/tandemsync/tandem/pkg/platform"
)

func TestConnectionTestSucceeds(t *testing.T) {
	for _, tenant := range []string{"", "acme"} {
		t.Run("tenant="+tenant, func(t *testing.T) {
			s := halosim.New(t, halosim.Options{Tenant: tenant})
			c := newClient(t, s, halosim.Integration)
			if err := c.Test(context.Background()); err != nil {
				t.Fatalf("Test: %v", err)
			}
			// One token request, one authenticated read.
			if c.Requests() != 2 || s.Requests() != 2 {
				t.Fatalf("requests: client %d, simulator %d, want 2", c.Requests(), s.Requests())
			}
		})
	}
}

func TestConnectionTestFailures(t *testing.T) {
	s := halosim.New(t, halosim.Options{Tenant: "acme"})
	closed := httptest.NewServer(nil)
	closedURL := closed.URL
	closed.Close()

	cases := []struct {
		name    string
		creds   platform.Credentials
		reason  platform.Reason
		message string
	}{
		{"wrong secret", with(s.Credentials(halosim.Integration), "clientSecret", "not-the-secret"),
			platform.ReasonAuthFailed, "Authentication failed. Check the Client ID"},
		{"unknown client id", with(s.Credentials(halosim.Integration), "clientId", "11111111-2222-3333-4444-555555555555"),
			platform.ReasonAuthFailed, "Authentication failed."},
		{"wrong URL: not a Halo", with(s.Credentials(halosim.Integration), "url", s.URL+"/not-halo"),
			platform.ReasonNotFound, "Check the Halo address"},
		{"wrong URL: nothing listening", with(s.Credentials(halosim.Integration), "url", closedURL),
			platform.ReasonUnreachable, "could not be reached"},
		{"wrong tenant", with(s.Credentials(halosim.Integration), "tenant", "other"),
			platform.ReasonInvalid, "the tenant (tenant_id at /api/instanceinfo)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			creds, err := halo.ParseCredentials(tc.creds, true)
			if err != nil {
				t.Fatal(err)
			}
			c := halo.New(creds, halo.Options{AllowPrivate: true, HTTP: fastHTTP()})
			err = c.Test(context.Background())
			pe := platformError(t, err, tc.reason)
			if !strings.Contains(pe.Message, tc.message) {
				t.Fatalf("message %q does not contain %q", pe.Message, tc.message)
			}
			if strings.Contains(err.Error(), halosim.Integration.ClientSecret) || strings.Contains(err.Error(), "not-the-secret") {
				t.Fatalf("error reveals a secret: %v", err)
			}
		})
	}
}

func with(c platform.Credentials, k, v string) platform.Credentials {
	out := platform.Credentials{}
	for key, val := range c {
		out[key] = val
	}
	out[k] = v
	return out
}

func TestSSRFRefusesPrivateAddressOutsideLocalMode(t *testing.T) {
	s := halosim.New(t, halosim.Options{})
	// Credentials validated in local mode, then used by a production client:
	// the egress policy must still refuse the loopback simulator.
	creds, err := halo.ParseCredentials(s.Credentials(halosim.Integration), true)
	if err != nil {
		t.Fatal(err)
	}
	c := halo.New(creds, halo.Options{})
	err = c.Test(context.Background())
	platformError(t, err, platform.ReasonInvalid)
	if s.Requests() != 0 {
		t.Fatalf("simulator received %d requests", s.Requests())
	}
	if _, err := halo.ParseCredentials(s.Credentials(halosim.Integration), false); err == nil {
		t.Fatal("ParseCredentials accepted a loopback http URL outside local mode")
	}
}

func TestRateLimitedReportsRetryAfter(t *testing.T) {
	s := halosim.New(t, halosim.Options{})
	c := newClient(t, s, halosim.Integration)
	if err := c.Test(context.Background()); err != nil { // token cached
		t.Fatal(err)
	}
	s.InjectFault(halosim.Fault{Status: 429, RetryAfter: 30 * time.Second, Count: 1})
	// The 30s wait does not fit the deadline, so the throttling answer is
	// handed back at once instead of sleeping.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := c.GetTicket(ctx, "1000")
	pe := platformError(t, err, platform.ReasonRateLimited)
	if pe.RetryAfter != 30*time.Second || !pe.Temporary() || pe.Status != 429 {
		t.Fatalf("RetryAfter %v, Temporary %v, Status %d", pe.RetryAfter, pe.Temporary(), pe.Status)
	}
}

func TestRetriedThenSucceeded(t *testing.T) {
	cases := []struct {
		name  string
		fault halosim.Fault
	}{
		{"429 with Retry-After 0", halosim.Fault{Status: 429, Count: 2}},
		{"500", halosim.Fault{Status: 500, Count: 2}},
		{"503", halosim.Fault{Status: 503, Count: 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := halosim.New(t, halosim.Options{})
			c := newClient(t, s, halosim.Integration)
			s.InjectFault(tc.fault)
			if err := c.Test(context.Background()); err != nil {
				t.Fatalf("Test: %v", err)
			}
			// Two refused token requests, the token, the read.
			if c.Requests() != 4 || s.Requests() != 4 {
				t.Fatalf("requests: client %d, simulator %d, want 4", c.Requests(), s.Requests())
			}
		})
	}
}

func TestPermissionRefused(t *testing.T) {
	s := halosim.New(t, halosim.Options{})
	c := newClient(t, s, halosim.Integration)
	if err := c.Test(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.InjectFault(halosim.Fault{Status: 403, Count: 1})
	pe := platformError(t, c.Test(context.Background()), platform.ReasonNotPermitted)
	if pe.Temporary() || !strings.Contains(pe.Message, "Give the API application's agent access") {
		t.Fatalf("403: %+v", pe)
	}
}

func TestServerErrorIsTemporary(t *testing.T) {
	s := halosim.New(t, halosim.Options{})
	c := newClient(t, s, halosim.Integration)
	if err := c.Test(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.InjectFault(halosim.Fault{Status: 500, Count: 10})
	_, err := c.GetTicket(context.Background(), "1000")
	pe := platformError(t, err, platform.ReasonServer)
	if !pe.Temporary() {
		t.Fatal("server error not temporary")
	}
}

func TestFractionalFaultsAreDeterministic(t *testing.T) {
	run := func() int64 {
		s := halosim.New(t, halosim.Options{Seed: 42})
		c := newClient(t, s, halosim.Integration)
		s.InjectFault(halosim.Fault{Status: 503, Rate: 0.3})
		for range 10 {
			_ = c.Test(context.Background())
		}
		return s.Requests()
	}
	if a, b := run(), run(); a != b {
		t.Fatalf("same seed, different request counts: %d and %d", a, b)
	}
}

func TestTokenIsCachedAndRefreshedOn401(t *testing.T) {
	s := halosim.New(t, halosim.Options{})
	c := newClient(t, s, halosim.Integration)
	ctx := context.Background()
	for range 3 {
		if err := c.Test(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if c.Requests() != 4 { // one token, three reads
		t.Fatalf("requests = %d, want 4: token not cached", c.Requests())
	}
	s.RevokeTokens()
	if err := c.Test(ctx); err != nil {
		t.Fatalf("after revocation: %v", err)
	}
	if c.Requests() != 7 { // refused read, new token, read
		t.Fatalf("requests = %d, want 7", c.Requests())
	}
}

func TestNoCredentialInErrorsOrLogs(t *testing.T) {
	s := halosim.New(t, halosim.Options{})
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	newLogged := func(cr platform.Credentials) *halo.Client {
		creds, err := halo.ParseCredentials(cr, true)
		if err != nil {
			t.Fatal(err)
		}
		return halo.New(creds, halo.Options{AllowPrivate: true, HTTP: fastHTTP(), Logger: logger})
	}
	good := newLogged(s.Credentials(halosim.Integration))
	bad := newLogged(with(s.Credentials(halosim.Integration), "clientSecret", "wrong-"+halosim.Integration.ClientSecret))
	ctx := context.Background()
	var errs []error
	errs = append(errs, bad.Test(ctx))
	if err := good.Test(ctx); err != nil {
		t.Fatal(err)
	}
	s.RevokeTokens() // forces a logged refresh
	_, err := good.GetTicket(ctx, "999999")
	errs = append(errs, err)
	_, err = good.AddNote(ctx, "999999", platform.Note{Kind: "1", Body: "x"})
	errs = append(errs, err)
	if !strings.Contains(logs.String(), "access token refused") {
		t.Fatalf("refresh not logged: %q", logs.String())
	}
	for _, secret := range []string{halosim.Integration.ClientSecret, halosim.Integration.ClientID} {
		if strings.Contains(logs.String(), secret) {
			t.Fatalf("log contains a credential: %s", logs.String())
		}
		for _, err := range errs {
			if err == nil {
				t.Fatal("expected an error")
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("error contains a credential: %v", err)
			}
		}
	}
}

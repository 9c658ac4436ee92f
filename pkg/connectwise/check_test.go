package connectwise

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/connectwise/connectwisesim"
	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

func TestConnectionTest(t *testing.T) {
	s := connectwisesim.New(t)
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	notCW := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(notCW.Close)
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("<html>welcome</html>"))
	}))
	t.Cleanup(html.Close)

	cases := []struct {
		name   string
		edit   func(platform.Credentials)
		reason platform.Reason
		status int
		phrase string
	}{
		{"valid integration member", nil, "", 0, ""},
		{"wrong private key", func(c platform.Credentials) { c["privateKey"] = "WrongWrongWrong1" },
			platform.ReasonAuthFailed, 401, "Authentication failed. Check that the company ID, public key and private key"},
		{"keys of another site", func(c platform.Credentials) { c["publicKey"] = "NotAKeyOfThisSit" },
			platform.ReasonAuthFailed, 401, "API Members"},
		{"unknown company", func(c platform.Credentials) { c["companyId"] = "nosuchco" },
			platform.ReasonAuthFailed, 0, "does not know that company ID"},
		{"site that is not ConnectWise", func(c platform.Credentials) { c["site"] = notCW.URL },
			platform.ReasonNotFound, 404, "No ConnectWise site answered"},
		{"site answering HTML", func(c platform.Credentials) { c["site"] = html.URL },
			platform.ReasonNotFound, 200, "No ConnectWise site answered"},
		{"site nobody listens on", func(c platform.Credentials) { c["site"] = closedURL },
			platform.ReasonUnreachable, 0, "could not be reached"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := s.Credentials(s.Integration)
			if c.edit != nil {
				c.edit(f)
			}
			creds, err := ParseCredentials(f, true)
			if err != nil {
				t.Fatal(err)
			}
			// One attempt keeps the unreachable case from backing off.
			cl := New(creds, Options{AllowPrivate: true, HTTP: egress.New(egress.Options{AllowPrivate: true, MaxAttempts: 1})})
			err = cl.Test(testCtx(t))
			if c.reason == "" {
				if err != nil {
					t.Fatalf("Test: %v", err)
				}
				return
			}
			pe := platformErr(t, err, c.reason)
			if pe.Status != c.status {
				t.Fatalf("status = %d, want %d", pe.Status, c.status)
			}
			if !strings.Contains(pe.Message, c.phrase) {
				t.Fatalf("message %q lacks %q", pe.Message, c.phrase)
			}
			if pe.Temporary() != (c.reason == platform.ReasonUnreachable) {
				t.Fatalf("Temporary() = %v for %s", pe.Temporary(), c.reason)
			}
		})
	}
}

func TestConnectionTestAsAgent(t *testing.T) {
	s := connectwisesim.New(t)
	if err := clientFor(t, s, s.Agent, Options{}).Test(testCtx(t)); err != nil {
		t.Fatalf("agent Test: %v", err)
	}
}

func TestRateLimited(t *testing.T) {
	s := connectwisesim.New(t)
	cl := clientFor(t, s, s.Integration, Options{})
	if err := cl.Test(testCtx(t)); err != nil { // discovers the codebase
		t.Fatal(err)
	}
	s.FailNext(100, connectwisesim.Fault{Status: http.StatusTooManyRequests, RetryAfter: 30 * time.Second})
	// The wait does not fit the deadline, so egress hands the 429 back.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := cl.GetTicket(ctx, "1001")
	pe := platformErr(t, err, platform.ReasonRateLimited)
	if pe.RetryAfter != 30*time.Second || pe.Status != 429 || !pe.Temporary() {
		t.Fatalf("got %+v, want 429 with RetryAfter 30s", pe)
	}
	if !strings.Contains(err.Error(), "get ticket 1001") {
		t.Fatalf("error lacks operation context: %v", err)
	}
}

func TestRateLimitRetriedThenSucceeds(t *testing.T) {
	s := connectwisesim.New(t)
	cl := clientFor(t, s, s.Integration, Options{})
	ctx := testCtx(t)
	if err := cl.Test(ctx); err != nil {
		t.Fatal(err)
	}
	before := cl.Requests()
	s.FailNext(2, connectwisesim.Fault{Status: http.StatusTooManyRequests, RetryAfter: 0})
	if err := cl.Test(ctx); err != nil {
		t.Fatalf("Test after two 429s: %v", err)
	}
	if got := cl.Requests() - before; got != 3 {
		t.Fatalf("requests = %d, want 3 (two throttled, one answered)", got)
	}
}

func TestServerErrorIsTemporary(t *testing.T) {
	s := connectwisesim.New(t)
	cl := clientFor(t, s, s.Integration, Options{HTTP: egress.New(egress.Options{AllowPrivate: true, MaxAttempts: 1})})
	if err := cl.Test(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	s.FailNext(1, connectwisesim.Fault{Status: http.StatusInternalServerError})
	err := cl.Test(testCtx(t))
	pe := platformErr(t, err, platform.ReasonServer)
	if !pe.Temporary() || pe.Status != 500 {
		t.Fatalf("got %+v", pe)
	}
}

func TestPrivateSiteRefusedOutsideLocalMode(t *testing.T) {
	s := connectwisesim.New(t)
	creds, err := ParseCredentials(s.Credentials(s.Integration), true)
	if err != nil {
		t.Fatal(err)
	}
	before := s.Requests()
	err = New(creds, Options{AllowPrivate: false}).Test(testCtx(t))
	platformErr(t, err, platform.ReasonInvalid)
	if !errors.Is(err, egress.ErrForbiddenDestination) {
		t.Fatalf("err = %v, want ErrForbiddenDestination", err)
	}
	if s.Requests() != before {
		t.Fatal("a request reached the loopback simulator")
	}
	if _, err := ParseCredentials(s.Credentials(s.Integration), false); err == nil {
		t.Fatal("ParseCredentials accepted a loopback http site outside local mode")
	}
}

func TestConcurrentFirstUseDiscoversOnce(t *testing.T) {
	s := connectwisesim.New(t)
	cl := clientFor(t, s, s.Integration, Options{})
	ctx := testCtx(t)
	errs := make(chan error, 8)
	for range 8 {
		go func() { errs <- cl.Test(ctx) }()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got := cl.Requests(); got != 9 {
		t.Fatalf("requests = %d, want 9 (one codebase discovery, eight tests)", got)
	}
}

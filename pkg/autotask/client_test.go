package autotask

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/autotask/autotasksim"
	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// testHTTP is the guarded client in local mode with fast backoff, so retry
// paths run in milliseconds; otherwise the policy New builds.
func testHTTP() *egress.Client {
	return egress.New(egress.Options{AllowPrivate: true, MaxConcurrent: 3, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, Refusal: isRefusal})
}

func clientFor(t *testing.T, raw platform.Credentials) *Client {
	t.Helper()
	creds, err := ParseCredentials(raw, true)
	if err != nil {
		t.Fatalf("ParseCredentials: %v", err)
	}
	return New(creds, Options{AllowPrivate: true, HTTP: testHTTP()})
}

func newSim(t *testing.T) (*autotasksim.Server, *Client) {
	t.Helper()
	sim := autotasksim.New(t, autotasksim.Options{Seed: 1})
	return sim, clientFor(t, sim.Credentials(sim.Integration))
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func wantReason(t *testing.T, err error, want platform.Reason) *platform.Error {
	t.Helper()
	var pe *platform.Error
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v (%T), want *platform.Error", err, err)
	}
	if pe.Reason != want {
		t.Fatalf("reason = %s (%v), want %s", pe.Reason, err, want)
	}
	if pe.Platform != platform.Autotask {
		t.Errorf("platform = %q", pe.Platform)
	}
	return pe
}

func TestTestSucceedsWithValidCredentials(t *testing.T) {
	sim, c := newSim(t)
	if err := c.Test(ctxTimeout(t, 5*time.Second)); err != nil {
		t.Fatalf("Test: %v", err)
	}
	if c.Requests() != 1 || sim.Requests() != 1 {
		t.Errorf("requests = %d (sim %d), want 1", c.Requests(), sim.Requests())
	}
}

func TestTestFailures(t *testing.T) {
	sim := autotasksim.New(t, autotasksim.Options{})
	notFound := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(notFound.Close)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	tests := []struct {
		name   string
		change map[string]string
		want   platform.Reason
		msg    string
	}{
		{"wrong secret", map[string]string{"secret": "not-the-secret"}, platform.ReasonAuthFailed, "Authentication failed. Check that both the API username and secret"},
		{"e-mail instead of integration key", map[string]string{"username": "jane.doe@example.com"}, platform.ReasonAuthFailed, "rather than the user's e-mail address"},
		{"wrong tracking identifier", map[string]string{"integrationCode": "WRONGCODE"}, platform.ReasonAuthFailed, "API tracking identifier"},
		{"url that is not Autotask", map[string]string{"apiUrl": notFound.URL}, platform.ReasonNotFound, "Invalid API URL"},
		{"nothing listening", map[string]string{"apiUrl": closed.URL}, platform.ReasonUnreachable, "Could not reach Autotask"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := sim.Credentials(sim.Integration)
			for k, v := range tt.change {
				raw[k] = v
			}
			err := clientFor(t, raw).Test(ctxTimeout(t, 5*time.Second))
			pe := wantReason(t, err, tt.want)
			if !strings.Contains(pe.Message, tt.msg) {
				t.Errorf("message %q does not contain %q", pe.Message, tt.msg)
			}
		})
	}
}

func TestRateLimitedReportsRetryAfter(t *testing.T) {
	sim, c := newSim(t)
	sim.FailNext(1, autotasksim.Fault{Status: http.StatusTooManyRequests, RetryAfter: 30 * time.Second})
	// The 30 s wait does not fit the deadline, so egress hands the 429 back.
	err := c.Test(ctxTimeout(t, 2*time.Second))
	pe := wantReason(t, err, platform.ReasonRateLimited)
	if pe.RetryAfter != 30*time.Second {
		t.Errorf("RetryAfter = %v, want 30s", pe.RetryAfter)
	}
	if !pe.Temporary() || pe.Status != http.StatusTooManyRequests {
		t.Errorf("Temporary = %v, Status = %d", pe.Temporary(), pe.Status)
	}
	if c.Requests() != 1 {
		t.Errorf("requests = %d, want 1", c.Requests())
	}
}

func TestRetriedThenSucceeded(t *testing.T) {
	tests := []struct {
		name  string
		fault autotasksim.Fault
		n     int
	}{
		{"429 with Retry-After 0", autotasksim.Fault{Status: http.StatusTooManyRequests}, 2},
		{"500", autotasksim.Fault{Status: http.StatusInternalServerError}, 1},
		{"503", autotasksim.Fault{Status: http.StatusServiceUnavailable}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, c := newSim(t)
			sim.FailNext(tt.n, tt.fault)
			if err := c.Test(ctxTimeout(t, 5*time.Second)); err != nil {
				t.Fatalf("Test: %v", err)
			}
			if want := int64(tt.n + 1); c.Requests() != want || sim.Requests() != want {
				t.Errorf("requests = %d (sim %d), want %d", c.Requests(), sim.Requests(), want)
			}
		})
	}
}

func TestPersistentServerErrorIsTemporary(t *testing.T) {
	sim, c := newSim(t)
	sim.FailNext(10, autotasksim.Fault{Status: http.StatusBadGateway})
	_, err := c.GetTicket(ctxTimeout(t, 5*time.Second), "1")
	pe := wantReason(t, err, platform.ReasonServer)
	if !pe.Temporary() {
		t.Error("502 not temporary")
	}
	if c.Requests() != 4 {
		t.Errorf("requests = %d, want egress's 4 attempts", c.Requests())
	}
}

func TestPrivateURLRefusedWithoutAllowPrivate(t *testing.T) {
	sim := autotasksim.New(t, autotasksim.Options{})
	creds, err := ParseCredentials(sim.Credentials(sim.Integration), true)
	if err != nil {
		t.Fatal(err)
	}
	c := New(creds, Options{})
	err = c.Test(ctxTimeout(t, 5*time.Second))
	wantReason(t, err, platform.ReasonInvalid)
	if !errors.Is(err, egress.ErrForbiddenDestination) {
		t.Errorf("err = %v, want ErrForbiddenDestination", err)
	}
	if sim.Requests() != 0 {
		t.Errorf("simulator saw %d requests", sim.Requests())
	}
}

// A vendor error body that echoes a header back must not leak it.
func TestErrorBodyEchoingSecretIsRedacted(t *testing.T) {
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"errors":["bad secret ` + r.Header.Get("Secret") + ` for ` + r.Header.Get("ApiIntegrationCode") + `"]}`))
	}))
	t.Cleanup(echo.Close)
	raw := with("apiUrl", echo.URL)
	c := clientFor(t, raw)
	err := c.Test(ctxTimeout(t, 5*time.Second))
	wantReason(t, err, platform.ReasonInvalid)
	for _, v := range []string{raw["secret"], raw["integrationCode"]} {
		if strings.Contains(err.Error(), v) {
			t.Errorf("error %q contains a credential", err)
		}
	}
	if !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("error %q lost the vendor message", err)
	}
}

func TestResponseNextPageOnOtherHostRefused(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Host != strings.TrimPrefix(srv.URL, "http://") {
			t.Errorf("credentials sent to %s", r.Host)
		}
		_, _ = w.Write([]byte(`{"items":[],"pageDetails":{"nextPageUrl":"http://localhost:1/ATServicesRest/V1.0/TicketNotes/query/next"}}`))
	}))
	t.Cleanup(srv.Close)
	c := clientFor(t, with("apiUrl", srv.URL))
	_, err := c.ListNotes(ctxTimeout(t, 5*time.Second), "7", time.Time{})
	wantReason(t, err, platform.ReasonInvalid)
}

func TestSlowAutotaskTimesOutAsUnreachable(t *testing.T) {
	sim, c := newSim(t)
	sim.FailNext(1, autotasksim.Fault{Latency: 300 * time.Millisecond})
	err := c.Test(ctxTimeout(t, 50*time.Millisecond))
	pe := wantReason(t, err, platform.ReasonUnreachable)
	if !pe.Temporary() || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v", err)
	}
}

// No credential value may appear in any error a caller could log or show.
func TestNoCredentialInErrors(t *testing.T) {
	sim, c := newSim(t)
	raw := sim.Credentials(sim.Integration)
	secrets := []string{raw["secret"], raw["integrationCode"], sim.Agent.Secret}
	bad := func(k, v string) *Client {
		r := sim.Credentials(sim.Integration)
		r[k] = v
		return clientFor(t, r)
	}
	tid := itoa(sim.SeedTicket("Seeded", 1, 2))
	ctx := func() context.Context { return ctxTimeout(t, 5*time.Second) }
	_, errPicklist := c.Picklist(ctx(), "nope", "")
	_, errAttach := c.AddAttachment(ctx(), tid, platform.Attachment{Name: "x", Data: make([]byte, MaxAttachmentSize+1)})
	_, errCreate := c.CreateTicket(ctx(), platform.Ticket{Summary: "x", Priority: "77"})
	_, errHook := c.RegisterWebhook(ctx(), platform.WebhookSpec{URL: "http://x", Secret: raw["secret"]})
	_, errCreds := ParseCredentials(platform.Credentials{"apiUrl": "https://" + raw["secret"] + ".example.com/", "username": raw["secret"], "secret": raw["secret"], "integrationCode": raw["integrationCode"] + " x"}, false)
	sim.FailNext(1, autotasksim.Fault{Status: http.StatusTooManyRequests, RetryAfter: time.Minute})
	errs := []error{
		c.Test(ctxTimeout(t, time.Second)), // the 429
		bad("secret", "wrong").Test(ctx()),
		bad("username", raw["secret"]+"@example.com").Test(ctx()),
		bad("integrationCode", "WRONG").Test(ctx()),
		errPicklist, errAttach, errCreate, errHook, errCreds,
	}
	for i, err := range errs {
		if err == nil {
			t.Errorf("case %d: no error", i)
			continue
		}
		for _, form := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
			for _, s := range secrets {
				if strings.Contains(form, s) {
					t.Errorf("case %d: error %q contains a credential", i, form)
				}
			}
		}
	}
}

func TestTestPointsToTheUsersZone(t *testing.T) {
	home := autotasksim.New(t, autotasksim.Options{})
	other := autotasksim.New(t, autotasksim.Options{})
	other.SetZone(home.Integration.Username, home.URL+"/ATServicesRest/")
	raw := home.Credentials(home.Integration)
	raw["apiUrl"] = other.URL
	err := clientFor(t, raw).Test(ctxTimeout(t, 5*time.Second))
	pe := wantReason(t, err, platform.ReasonAuthFailed)
	if !strings.Contains(pe.Message, "another Autotask zone. Use "+home.URL+"/ as the API URL") {
		t.Errorf("message = %q", pe.Message)
	}
	// Only the configured zone was asked; the home zone saw nothing.
	if home.Requests() != 0 {
		t.Errorf("home zone saw %d requests", home.Requests())
	}
}

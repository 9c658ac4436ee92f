package graph_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/graph"
	"github.com/tandemsync/tandem/pkg/graph/graphsim"
	"github.com/tandemsync/tandem/pkg/platform"
)

func TestTestConnection(t *testing.T) {
	sim := graphsim.New(t)
	closedURL := "http://" + closedAddr(t)
	tests := []struct {
		name    string
		edit    func(platform.Credentials)
		setup   func()
		reason  platform.Reason
		mention string
	}{
		{name: "valid", reason: ""},
		{name: "wrong secret", edit: func(c platform.Credentials) { c["clientSecret"] = "Wrong8Q~secretvalue" }, reason: platform.ReasonAuthFailed, mention: "Authentication failed. Check that the client secret"},
		{name: "unknown app", edit: func(c platform.Credentials) { c["clientId"] = "11111111-2222-3333-4444-555555555555" }, reason: platform.ReasonAuthFailed, mention: "No application with this client ID"},
		{name: "unknown tenant", edit: func(c platform.Credentials) { c["tenantId"] = "fabrikam.example" }, reason: platform.ReasonNotFound, mention: "Tenant not found"},
		{name: "unknown mailbox", edit: func(c platform.Credentials) { c["mailbox"] = "nobody@contoso.example" }, reason: platform.ReasonNotFound, mention: "Mailbox not found"},
		{name: "graph unreachable", edit: func(c platform.Credentials) { c["graphUrl"] = closedURL + "/v1.0" }, reason: platform.ReasonUnreachable, mention: "could not reach"},
		{name: "login unreachable", edit: func(c platform.Credentials) { c["loginUrl"] = closedURL }, reason: platform.ReasonUnreachable, mention: "could not reach"},
		{name: "no admin consent", setup: func() { sim.SetConsent(sim.Agent.ClientID, false) }, reason: platform.ReasonNotPermitted, mention: "Mail.ReadWrite and Mail.Send"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			acct := sim.Integration
			if tt.setup != nil {
				tt.setup()
				acct = sim.Agent
				t.Cleanup(func() { sim.SetConsent(sim.Agent.ClientID, true) })
			}
			raw := sim.Credentials(acct)
			if tt.edit != nil {
				tt.edit(raw)
			}
			err := clientWith(t, raw).Test(ctxT(t))
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("Test: %v", err)
				}
				return
			}
			pe := platformErr(t, err, tt.reason)
			if !strings.Contains(pe.Message, tt.mention) {
				t.Fatalf("message %q does not mention %q", pe.Message, tt.mention)
			}
			if pe.Temporary() != (tt.reason == platform.ReasonUnreachable) {
				t.Fatalf("Temporary() = %v for %s", pe.Temporary(), tt.reason)
			}
		})
	}
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestRateLimitedReportsRetryAfter(t *testing.T) {
	sim := graphsim.New(t)
	c := clientFor(t, sim, sim.Integration)
	if err := c.Test(ctxT(t)); err != nil { // token cached, so only Graph calls follow
		t.Fatal(err)
	}
	sim.FailNext(1, graphsim.Fault{Status: http.StatusTooManyRequests, RetryAfter: 30 * time.Second})
	// The deadline is shorter than Retry-After, so egress hands the 429 back.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := c.GetTicket(ctx, seededTicket(t, sim).ID)
	pe := platformErr(t, err, platform.ReasonRateLimited)
	if pe.RetryAfter != 30*time.Second || !pe.Temporary() || pe.Status != http.StatusTooManyRequests {
		t.Fatalf("RetryAfter=%v Temporary=%v Status=%d", pe.RetryAfter, pe.Temporary(), pe.Status)
	}
	if !strings.Contains(pe.Message, "throttling") {
		t.Fatalf("message %q", pe.Message)
	}
}

func TestRetriedThenSucceeded(t *testing.T) {
	tests := []struct {
		name  string
		fault graphsim.Fault
	}{
		{"429 with Retry-After 0", graphsim.Fault{Status: http.StatusTooManyRequests}},
		{"500", graphsim.Fault{Status: http.StatusInternalServerError}},
		{"503", graphsim.Fault{Status: http.StatusServiceUnavailable}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := graphsim.New(t)
			c := clientFor(t, sim, sim.Integration)
			if err := c.Test(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			before := c.Requests()
			sim.FailNext(2, tt.fault)
			tk, err := c.GetTicket(ctxT(t), seededTicket(t, sim).ID)
			if err != nil {
				t.Fatalf("GetTicket after transient faults: %v", err)
			}
			if tk.Summary == "" {
				t.Fatal("empty ticket")
			}
			if got := c.Requests() - before; got != 3 {
				t.Fatalf("requests for one read with two faults = %d, want 3", got)
			}
		})
	}
}

func TestServerErrorAfterRetries(t *testing.T) {
	sim := graphsim.New(t)
	c := clientFor(t, sim, sim.Integration)
	sim.FailNext(10, graphsim.Fault{Status: http.StatusInternalServerError})
	_, err := c.GetTicket(ctxT(t), seededTicket(t, sim).ID)
	if pe := platformErr(t, err, platform.ReasonServer); !pe.Temporary() {
		t.Fatal("server error should be temporary")
	}
}

func TestFractionalFaultsAreSurvivable(t *testing.T) {
	sim := graphsim.New(t)
	c := clientFor(t, sim, sim.Integration)
	if err := c.Test(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	sim.FailFraction(0.3, graphsim.Fault{Status: http.StatusServiceUnavailable, Latency: time.Millisecond})
	id := seededTicket(t, sim).ID
	for range 10 {
		if _, err := c.GetTicket(ctxT(t), id); err != nil {
			t.Fatalf("GetTicket under 30%% faults: %v", err)
		}
	}
	sim.ClearFaults()
}

func TestTokenIsCachedAndRenewedOn401(t *testing.T) {
	sim := graphsim.New(t)
	c := clientFor(t, sim, sim.Integration)
	ctx := ctxT(t)
	for range 3 {
		if err := c.Test(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := c.Requests(); got != 4 {
		t.Fatalf("requests = %d, want 1 token + 3 reads", got)
	}
	sim.ExpireTokens()
	if err := c.Test(ctx); err != nil {
		t.Fatalf("Test after token revocation: %v", err)
	}
	if got := c.Requests(); got != 7 {
		t.Fatalf("requests = %d, want 4 + refused read + token + read", got)
	}
}

func TestPrivateDestinationRefusedWithoutAllowPrivate(t *testing.T) {
	sim := graphsim.New(t)
	creds, err := graph.ParseCredentials(sim.Credentials(sim.Integration), true)
	if err != nil {
		t.Fatal(err)
	}
	// The overrides are honoured, but the guarded client runs the
	// production policy: a loopback simulator must be refused.
	c := graph.New(creds, graph.Options{AllowPrivate: true, HTTP: egress.New(egress.Options{})})
	err = c.Test(ctxT(t))
	platformErr(t, err, platform.ReasonInvalid)
	if !errors.Is(err, egress.ErrForbiddenDestination) {
		t.Fatalf("err = %v, want ErrForbiddenDestination", err)
	}
	if sim.Requests() != 0 {
		t.Fatalf("simulator saw %d requests", sim.Requests())
	}
	// And a production client refuses private notification URLs before
	// calling Graph at all.
	prod := graph.New(creds, graph.Options{})
	_, err = prod.RegisterWebhook(ctxT(t), platform.WebhookSpec{URL: "https://10.0.0.7/hook", Secret: "s3cret"})
	platformErr(t, err, platform.ReasonInvalid)
	if prod.Requests() != 0 {
		t.Fatalf("production client sent %d requests", prod.Requests())
	}
}

// TestForeignNextLinkRefused: a next page link on another host would carry
// the bearer token there, so paging stops with an error instead.
func TestForeignNextLinkRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/token") {
			_, _ = io.WriteString(w, `{"token_type":"Bearer","expires_in":3599,"access_token":"tok"}`)
			return
		}
		_, _ = io.WriteString(w, `{"value":[{"id":"1","displayName":"New"}],"@odata.nextLink":"https://attacker.example/v1.0/next"}`)
	}))
	t.Cleanup(srv.Close)
	raw := validRaw()
	raw["loginUrl"], raw["graphUrl"] = srv.URL, srv.URL+"/v1.0"
	c := clientWith(t, raw)
	_, err := c.Picklist(ctxT(t), platform.PickStatuses, "")
	pe := platformErr(t, err, platform.ReasonServer)
	if !strings.Contains(pe.Message, "outside its own address") {
		t.Fatalf("message %q", pe.Message)
	}
}

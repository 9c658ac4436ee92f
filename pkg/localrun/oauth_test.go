package localrun_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/localrun"
	"github.com/tandemsync/tandem/pkg/settings"
	"github.com/tandemsync/tandem/pkg/zendesk"
)

// oauthWorld is a local Tandem whose clock the test moves.
func oauthWorld(t *testing.T) (*world, *clock.Manual) {
	t.Helper()
	clk := clock.NewManual(time.Now())
	r, err := localrun.Start(context.Background(), localrun.Options{Addr: "127.0.0.1:0", ManualQueues: true, Simulators: true,
		Clock: clk, WrapHTTP: contracted(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return &world{t: t, r: r}, clk
}

// generate presses Generate token as org and follows the browser to
// Zendesk, which answers with the redirect to Tandem's callback.
func (w *world) generate(org string) string {
	w.t.Helper()
	out := w.mustAPI(org, "POST", "/v1/settings/platform/oauth/zendesk/start", map[string]string{"subdomain": w.r.Sims.Zendesk.URL}, 200)
	authorize, _ := out["authorizeUrl"].(string)
	u, err := url.Parse(authorize)
	if err != nil || u.Query().Get("state") != out["state"] || u.Query().Get("code_challenge_method") != "S256" || u.Query().Get("code_challenge") == "" {
		w.t.Fatalf("authorize URL %q", authorize)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(authorize)
	if err != nil {
		w.t.Fatal(err)
	}
	resp.Body.Close()
	callback := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(callback, w.r.URL+"/v1/oauth/zendesk/callback?") {
		w.t.Fatalf("Zendesk sent the browser to %q (%d)", callback, resp.StatusCode)
	}
	return callback
}

// visit opens url in the browser tab and returns the page's status and text.
func visit(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("callback answered %s, want a page", ct)
	}
	return resp.StatusCode, string(b)
}

func TestGenerateTokenRoundTrip(t *testing.T) {
	w, _ := oauthWorld(t)
	status, page := visit(t, w.generate("cust"))
	if status != http.StatusOK || !strings.Contains(page, "Token processed — you can close this window") {
		t.Fatalf("callback: %d %s", status, page)
	}
	got := w.mustAPI("cust", "GET", "/v1/settings/platform", nil, 200)
	creds := got["credentials"].(map[string]any)
	if got["platform"] != "zendesk" || creds["accessToken"] != "********" || creds["refreshToken"] != "********" || creds["subdomain"] == "" {
		t.Fatalf("settings after Generate token: %v", got)
	}
	if res := w.mustAPI("cust", "POST", "/v1/settings/platform/test", nil, 200); res["status"] != settings.StatusTested {
		t.Fatalf("connection test with the generated token: %v", res)
	}
	// The state named the organisation: nobody else got the tokens.
	if status, _ := w.api("msp", "GET", "/v1/settings/platform", nil); status != http.StatusNotFound {
		t.Fatalf("another organisation has settings: %d", status)
	}
}

func TestGenerateTokenRefusesForgedReplayedAndExpiredState(t *testing.T) {
	w, clk := oauthWorld(t)
	callback := w.generate("cust")
	u, _ := url.Parse(callback)

	forged := *u
	q := forged.Query()
	q.Set("state", "forged-"+q.Get("state"))
	forged.RawQuery = q.Encode()
	if status, page := visit(t, forged.String()); status != http.StatusBadRequest || !strings.Contains(page, "not valid") {
		t.Fatalf("forged state: %d %s", status, page)
	}
	if status, _ := visit(t, callback); status != http.StatusOK {
		t.Fatalf("the genuine callback after a forgery: %d", status)
	}
	if status, page := visit(t, callback); status != http.StatusBadRequest || !strings.Contains(page, "already used") {
		t.Fatalf("replayed state: %d %s", status, page)
	}

	late := w.generate("msp")
	clk.Advance(11 * time.Minute)
	if status, page := visit(t, late); status != http.StatusBadRequest || !strings.Contains(page, "too long") {
		t.Fatalf("expired state: %d %s", status, page)
	}
	if status, _ := w.api("msp", "GET", "/v1/settings/platform", nil); status != http.StatusNotFound {
		t.Fatalf("an expired authorization saved credentials: %d", status)
	}
	// A refused state cannot be retried either.
	if status, _ := visit(t, late); status != http.StatusBadRequest {
		t.Fatalf("expired state used again: %d", status)
	}
}

// Two functions find the access token expired at the same moment: one
// refreshes under the DynamoDB lease, the other takes what it stored. One
// refresh token is left, it is the stored one, and it works.
func TestRefreshRaceLeavesOneStoredWorkingRefreshToken(t *testing.T) {
	w, _ := oauthWorld(t)
	if status, _ := visit(t, w.generate("cust")); status != http.StatusOK {
		t.Fatal("no token")
	}
	sim := w.r.Sims.Zendesk
	sim.ExpireAccessTokens()
	var wg sync.WaitGroup
	results := make([]map[string]any, 3)
	for i := range results {
		wg.Add(1)
		go func() { defer wg.Done(); _, results[i] = w.api("cust", "POST", "/v1/settings/platform/test", nil) }()
	}
	wg.Wait()
	for i, res := range results {
		if res["status"] != settings.StatusTested {
			t.Fatalf("test %d: %v", i, res)
		}
	}
	_, creds, err := w.r.Deps.Settings.Credentials(context.Background(), "cust")
	if err != nil {
		t.Fatal(err)
	}
	stored := creds[zendesk.FieldRefreshToken]
	if sim.Refreshes() != 1 || sim.ValidRefreshTokens() != 1 || !sim.RefreshTokenValid(stored) {
		t.Fatalf("refreshes=%d valid refresh tokens=%d stored one valid=%v", sim.Refreshes(), sim.ValidRefreshTokens(), sim.RefreshTokenValid(stored))
	}
	sim.ExpireAccessTokens()
	if res := w.mustAPI("cust", "POST", "/v1/settings/platform/test", nil, 200); res["status"] != settings.StatusTested || sim.Refreshes() != 2 {
		t.Fatalf("the stored refresh token: %v (refreshes %d)", res, sim.Refreshes())
	}
}

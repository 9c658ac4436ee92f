package console_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tandemsync/tandem/pkg/console"
)

// fakeCognito plays Cognito managed login's OAuth endpoints closely enough
// to hold the console's browser side to the authorization code grant with
// PKCE: /oauth2/authorize remembers the S256 challenge and sends the browser
// back with a code (as if the person had signed in), /oauth2/token redeems
// the code only with the matching verifier, client and redirect URI, and
// /logout returns to the logout URI.
type fakeCognito struct {
	t        *testing.T
	srv      *httptest.Server
	clientID string
	idToken  string

	mu         sync.Mutex
	challenges map[string]string // code -> challenge
	redirects  map[string]string // code -> redirect_uri
	authorize  url.Values
	redeemed   int
	loggedOut  bool
}

func newFakeCognito(t *testing.T) *fakeCognito {
	f := &fakeCognito{t: t, clientID: "console-client", challenges: map[string]string{}, redirects: map[string]string{}}
	f.idToken = fakeJWT(map[string]any{
		"custom:org_id": "acme", "custom:org_name": "Acme Ltd", "email": "admin@acme.example",
		"exp": time.Now().Add(time.Hour).Unix(), "aud": f.clientID,
	})
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func fakeJWT(claims map[string]any) string {
	enc := base64.RawURLEncoding
	head, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT"})
	body, _ := json.Marshal(claims)
	return enc.EncodeToString(head) + "." + enc.EncodeToString(body) + ".c2lnbmF0dXJl"
}

func (f *fakeCognito) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch r.URL.Path {
	case "/oauth2/authorize":
		q := r.URL.Query()
		f.authorize = q
		if q.Get("response_type") != "code" || q.Get("client_id") != f.clientID || q.Get("code_challenge_method") != "S256" ||
			len(q.Get("code_challenge")) != 43 || q.Get("state") == "" || q.Get("redirect_uri") == "" {
			http.Error(w, "bad authorize request "+q.Encode(), http.StatusBadRequest)
			return
		}
		code := fmt.Sprintf("code-%d", len(f.challenges)+1)
		f.challenges[code] = q.Get("code_challenge")
		f.redirects[code] = q.Get("redirect_uri")
		back, _ := url.Parse(q.Get("redirect_uri"))
		bq := back.Query()
		bq.Set("code", code)
		bq.Set("state", q.Get("state"))
		back.RawQuery = bq.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
	case "/oauth2/token":
		// The token endpoint answers browsers cross-origin, as Cognito's does.
		w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
		if r.Method != http.MethodPost || r.ParseForm() != nil {
			http.Error(w, "POST a form", http.StatusBadRequest)
			return
		}
		fv := r.PostForm
		code := fv.Get("code")
		sum := sha256.Sum256([]byte(fv.Get("code_verifier")))
		ok := fv.Get("grant_type") == "authorization_code" && fv.Get("client_id") == f.clientID &&
			f.challenges[code] != "" && base64.RawURLEncoding.EncodeToString(sum[:]) == f.challenges[code] &&
			fv.Get("redirect_uri") == f.redirects[code]
		w.Header().Set("Content-Type", "application/json")
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		delete(f.challenges, code) // a code works once
		f.redeemed++
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id_token": f.idToken, "access_token": "access", "refresh_token": "refresh", "expires_in": 3600, "token_type": "Bearer",
		})
	case "/logout":
		if r.URL.Query().Get("client_id") != f.clientID {
			http.Error(w, "unknown client", http.StatusBadRequest)
			return
		}
		f.loggedOut = true
		http.Redirect(w, r, r.URL.Query().Get("logout_uri"), http.StatusFound)
	default:
		http.NotFound(w, r)
	}
}

// The deployed console's sign-in, in a real browser against a stand-in for
// Cognito managed login: the PKCE round trip, the ID token as the API's
// bearer, nothing in localStorage, no token in sessionStorage, the code
// gone from the address bar, a forged callback refused, sign-out through
// the managed login's logout endpoint. What this cannot cover is Cognito
// itself (its pages, MFA, the app client's registered callback URLs).
func TestCognitoSignInWithPKCE(t *testing.T) {
	idp := newFakeCognito(t)
	var (
		mu      sync.Mutex
		bearers []string
	)
	ui := console.Handler(console.Options{Cognito: console.Cognito{Domain: idp.srv.URL, ClientID: idp.clientID}})
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/v1/") {
			ui.ServeHTTP(w, r)
			return
		}
		// The API stands in for the JWT authorizer: the ID token or 401.
		mu.Lock()
		bearers = append(bearers, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "Bearer "+idp.idToken {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"message":"Unauthorized"}`))
			return
		}
		switch r.URL.Path {
		case "/v1/settings/platform":
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":{"code":"not_configured","message":"no platform credentials saved yet: PUT /v1/settings/platform first"}}`))
		case "/v1/connections":
			_, _ = w.Write([]byte(`{"pending":[],"active":[]}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(site.Close)

	b := newBrowser(t)
	tb := b.tab("cognito", site.URL)
	tb.open("#/connections")
	tb.waitText("Sign in to Tandem")
	tb.accessible("cognito sign-in")
	tb.click("main", "Sign in")
	tb.waitText("A connection links your organisation")
	if who := tb.text("#who-org"); who != "Signed in as Acme Ltd" {
		t.Errorf("header says %q", who)
	}
	if loc := run(tb, chromedp.Location()); loc != site.URL+"/#/connections" {
		t.Errorf("after sign-in the address is %q: the code and state must leave it, the page return", loc)
	}
	idp.mu.Lock()
	q, redeemed := idp.authorize, idp.redeemed
	idp.mu.Unlock()
	if q.Get("redirect_uri") != site.URL+"/" || q.Get("scope") != "openid email profile" || redeemed != 1 {
		t.Errorf("authorize %v, %d codes redeemed", q, redeemed)
	}
	type storage struct {
		Local   int    `json:"local"`
		Session string `json:"session"`
	}
	st := run(tb, chromedp.Evaluate[storage](`({ local: localStorage.length, session: JSON.stringify(sessionStorage) })`))
	if st.Local != 0 || strings.Contains(st.Session, idp.idToken) || strings.Contains(st.Session, "refresh") || st.Session != "{}" {
		t.Errorf("browser storage after sign-in: localStorage has %d keys, sessionStorage %s (want nothing)", st.Local, st.Session)
	}
	mu.Lock()
	for _, b := range bearers {
		if b != "Bearer "+idp.idToken {
			t.Errorf("the API got Authorization %q, want the ID token", b)
		}
	}
	if len(bearers) == 0 {
		t.Error("the console never called the API")
	}
	mu.Unlock()
	tb.healthy()

	// Tokens live in memory: a reload asks to sign in again.
	tb.do(chromedp.Reload())
	tb.waitText("Sign in to Tandem")

	// A callback that no sign-in in this tab started is refused.
	tb.do(chromedp.Navigate(site.URL + "/?code=code-1&state=forged"))
	tb.waitText("this answer does not belong to a sign-in started in this tab")
	if loc := run(tb, chromedp.Location()); strings.Contains(loc, "code=") {
		t.Errorf("the forged code stays in the address: %s", loc)
	}

	// Sign in again, then out: through managed login's logout endpoint.
	tb.click("main", "Sign in")
	tb.waitText("Platform connection credentials")
	tb.click("#who", "Sign out")
	tb.waitText("Sign in to Tandem")
	idp.mu.Lock()
	out := idp.loggedOut
	idp.mu.Unlock()
	if !out {
		t.Error("sign-out did not end the managed login session")
	}
	tb.healthy()
}

package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeCognito is the token endpoint of a managed login domain. It redeems
// code "the-code" once, for the verifier whose challenge the authorize URL
// carried, and answers with an ID token.
type fakeCognito struct {
	t         *testing.T
	mu        sync.Mutex
	challenge string
	redirect  string
}

func (f *fakeCognito) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/oauth2/token" || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		f.t.Error(err)
	}
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.PostForm.Get("grant_type") != "authorization_code", r.PostForm.Get("client_id") != "client-1",
		r.PostForm.Get("code") != "the-code", r.PostForm.Get("redirect_uri") != f.redirect:
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant"})
	case base64.RawURLEncoding.EncodeToString(sum[:]) != f.challenge:
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant", "error_description": "PKCE verification failed"})
	default:
		_ = json.NewEncoder(w).Encode(map[string]any{"id_token": "header.claims.signature", "access_token": "a", "token_type": "Bearer", "expires_in": 3600})
	}
}

// browser follows the authorize URL as the managed login would after a
// successful sign-in: back to the redirect URI with a code and the state.
func browser(t *testing.T, f *fakeCognito, state func(string) string) func(string) error {
	return func(authorize string) error {
		u, err := url.Parse(authorize)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		if u.Path != "/oauth2/authorize" || q.Get("response_type") != "code" || q.Get("client_id") != "client-1" ||
			q.Get("code_challenge_method") != "S256" || !strings.Contains(q.Get("scope"), "openid") {
			t.Errorf("authorize URL %s", authorize)
		}
		f.mu.Lock()
		f.challenge, f.redirect = q.Get("code_challenge"), q.Get("redirect_uri")
		f.mu.Unlock()
		back := q.Get("redirect_uri") + "?code=the-code&state=" + url.QueryEscape(state(q.Get("state")))
		go func() {
			// Login's result tells whether this worked; once it has
			// returned, its listener may be gone.
			if resp, err := http.Get(back); err == nil {
				resp.Body.Close()
			}
		}()
		return nil
	}
}

func TestLoginReturnsTheIDToken(t *testing.T) {
	f := &fakeCognito{t: t}
	srv := httptest.NewServer(f)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	token, err := Login(ctx, LoginConfig{
		Domain: srv.URL, ClientID: "client-1", Listen: "127.0.0.1:0", Log: io.Discard,
		Open: browser(t, f, func(s string) string { return s }),
	})
	if err != nil || token != "header.claims.signature" {
		t.Fatalf("token %q, %v", token, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !strings.HasPrefix(f.redirect, "http://localhost:") || !strings.HasSuffix(f.redirect, "/callback") {
		t.Errorf("redirect %q: want the loopback callback registered on the app client", f.redirect)
	}
}

// A redirect carrying another state is someone else's sign-in.
func TestLoginRefusesAnotherState(t *testing.T) {
	f := &fakeCognito{t: t}
	srv := httptest.NewServer(f)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := Login(ctx, LoginConfig{
		Domain: srv.URL, ClientID: "client-1", Listen: "127.0.0.1:0", Log: io.Discard,
		Open: browser(t, f, func(string) string { return "forged" }),
	})
	if err == nil || !strings.Contains(err.Error(), "state") {
		t.Fatalf("got %v, want a state mismatch", err)
	}
}

func TestLoginNeedsAnHTTPSDomain(t *testing.T) {
	_, err := Login(context.Background(), LoginConfig{Domain: "http://tandem-dev.auth.eu-west-1.amazoncognito.com", ClientID: "c"})
	if err == nil || !strings.Contains(err.Error(), "https") {
		t.Errorf("got %v", err)
	}
}

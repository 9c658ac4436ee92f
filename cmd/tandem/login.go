package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultListen is where `tandem login` waits for the browser; infra
// registers http://localhost:8976/callback as a callback URL of the app
// client in every stage (tandem.LoginCallbackURL).
const DefaultListen = "127.0.0.1:8976"

// LoginConfig is one sign-in.
type LoginConfig struct {
	// Domain is the managed login's base URL (the AuthDomain output).
	Domain   string
	ClientID string
	// Listen is the loopback address the redirect comes back to.
	Listen string
	// Open shows the sign-in URL to the user (a browser).
	Open func(url string) error
	// Log receives the instructions for the user.
	Log io.Writer
	// HTTP redeems the code; http.DefaultClient when nil.
	HTTP *http.Client
}

// Login runs the authorization code flow with PKCE and returns the ID token.
func Login(ctx context.Context, c LoginConfig) (string, error) {
	base, err := checkDomain(c.Domain)
	if err != nil {
		return "", err
	}
	if c.ClientID == "" {
		return "", errors.New("no client id: pass -client-id (the stack's UserPoolClientId output)")
	}
	if c.HTTP == nil {
		c.HTTP = http.DefaultClient
	}
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return "", fmt.Errorf("listen on %s for the redirect: %w", c.Listen, err)
	}
	redirect := fmt.Sprintf("http://localhost:%d/callback", ln.Addr().(*net.TCPAddr).Port)

	verifier, state := random(32), random(16)
	sum := sha256.Sum256([]byte(verifier))
	authorize := base + "/oauth2/authorize?" + url.Values{
		"response_type":         {"code"},
		"client_id":             {c.ClientID},
		"redirect_uri":          {redirect},
		"scope":                 {"openid email profile"},
		"state":                 {state},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
	}.Encode()

	type result struct {
		code string
		err  error
	}
	done := make(chan result, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		var res result
		switch {
		case q.Get("state") != state:
			res.err = errors.New("the sign-in answered with another state: start again")
		case q.Get("error") != "":
			res.err = fmt.Errorf("sign-in failed: %s %s", q.Get("error"), q.Get("error_description"))
		case q.Get("code") == "":
			res.err = errors.New("the sign-in answered without a code")
		default:
			res.code = q.Get("code")
		}
		if res.err != nil {
			http.Error(w, res.err.Error(), http.StatusBadRequest)
		} else {
			fmt.Fprintln(w, "Signed in to Tandem. You can close this tab.")
		}
		select {
		case done <- res:
		default:
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	fmt.Fprintf(c.Log, "Sign in to Tandem in your browser:\n\n  %s\n\n", authorize)
	if err := c.Open(authorize); err != nil {
		fmt.Fprintln(c.Log, "(could not open a browser; open the URL above yourself)")
	}
	var res result
	select {
	case res = <-done:
	case <-ctx.Done():
		return "", fmt.Errorf("no sign-in: %w", ctx.Err())
	}
	if res.err != nil {
		return "", res.err
	}
	return redeem(ctx, c.HTTP, base, url.Values{
		"grant_type":    {"authorization_code"},
		"client_id":     {c.ClientID},
		"code":          {res.code},
		"redirect_uri":  {redirect},
		"code_verifier": {verifier},
	})
}

// redeem exchanges the code at the token endpoint.
func redeem(ctx context.Context, client *http.Client, base string, form url.Values) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("redeem the code: %w", err)
	}
	defer resp.Body.Close()
	var body struct {
		IDToken string `json:"id_token"`
		Error   string `json:"error"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body); err != nil {
		return "", fmt.Errorf("redeem the code: status %d: %w", resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusOK || body.IDToken == "" {
		return "", fmt.Errorf("redeem the code: status %d %s", resp.StatusCode, body.Error)
	}
	return body.IDToken, nil
}

// checkDomain wants https (http only on loopback, for tests) and no path.
func checkDomain(s string) (string, error) {
	u, err := url.Parse(strings.TrimRight(s, "/"))
	if err != nil || u.Host == "" {
		return "", errors.New("no sign-in domain: pass -domain (the stack's AuthDomain output, https://<prefix>.auth.<region>.amazoncognito.com)")
	}
	loopback := u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost"
	if u.Scheme != "https" && !(u.Scheme == "http" && loopback) {
		return "", fmt.Errorf("sign-in domain %q: https only", s)
	}
	return u.Scheme + "://" + u.Host, nil
}

func random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

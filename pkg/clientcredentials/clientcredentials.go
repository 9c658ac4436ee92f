// Package clientcredentials gets OAuth 2.0 access tokens with the client
// credentials grant (RFC 6749 section 4.4) and keeps each until shortly
// before it expires. Halo and Microsoft Graph sign in with it.
//
// A failed token request comes back as an *Error that keeps what the token
// endpoint said (status, headers, body, OAuth error code), so each platform
// package turns it into its own actionable message.
package clientcredentials

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/tandemsync/tandem/pkg/egress"
)

// DefaultLifetime is assumed for a token whose answer has no expires_in.
const DefaultLifetime = time.Hour

// maxAnswer bounds what is read from a token answer.
const maxAnswer = 1 << 20

// Config is one application's grant.
type Config struct {
	TokenURL     string
	ClientID     string
	ClientSecret string
	Scope        string
	// HTTP sends the token requests, under the caller's egress policy.
	HTTP *egress.Client
	// Margin is how long before its expiry a token is replaced, so that a
	// request never leaves with a token that lapses on the way. At most a
	// tenth of a token's lifetime is given up.
	Margin time.Duration
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Source hands out access tokens for one Config. It is safe for concurrent
// use.
type Source struct {
	cfg      Config
	fetching chan struct{} // held by the one caller fetching a token

	mu      sync.Mutex
	token   string
	expires time.Time
}

// New returns a Source; nothing is sent until the first Token.
func New(cfg Config) *Source {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Source{cfg: cfg, fetching: make(chan struct{}, 1)}
}

// Token returns the cached token, or fetches a new one. Concurrent callers
// share one fetch: they wait for it (or for their own context) and use its
// token. A failure is an *Error.
func (s *Source) Token(ctx context.Context) (string, error) {
	if tok, ok := s.cached(); ok {
		return tok, nil
	}
	select {
	case s.fetching <- struct{}{}:
	case <-ctx.Done():
		return "", &Error{Failure: Unanswered, Err: ctx.Err()}
	}
	defer func() { <-s.fetching }()
	if tok, ok := s.cached(); ok { // fetched while this caller waited
		return tok, nil
	}
	tok, lifetime, err := s.fetch(ctx)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.token, s.expires = tok, s.cfg.Now().Add(lifetime-min(s.cfg.Margin, lifetime/10))
	return tok, nil
}

// Drop forgets token, one the resource server refused with 401 (tokens can
// be revoked before they expire), unless another caller already replaced
// it; the next Token fetches a new one.
func (s *Source) Drop(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token == token {
		s.token = ""
	}
}

func (s *Source) cached() (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token, s.token != "" && s.cfg.Now().Before(s.expires)
}

// answer is the token response (RFC 6749 section 5.1) and its error form
// (section 5.2).
type answer struct {
	AccessToken      string `json:"access_token"`
	ExpiresIn        int64  `json:"expires_in"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

func (s *Source) fetch(ctx context.Context) (string, time.Duration, error) {
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {s.cfg.ClientID},
		"client_secret": {s.cfg.ClientSecret},
		"scope":         {s.cfg.Scope},
	}
	// A token request may repeat, even on the way to a create whose own
	// request must not (egress.NotIdempotent).
	req, err := http.NewRequestWithContext(egress.Idempotent(ctx), http.MethodPost, s.cfg.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, &Error{Failure: InvalidURL, Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := s.cfg.HTTP.Do(req)
	if err != nil {
		return "", 0, &Error{Failure: Unanswered, Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return "", 0, &Error{Failure: Unanswered, Err: err}
	}
	var a answer
	jsonErr := json.Unmarshal(body, &a)
	if resp.StatusCode/100 == 2 && jsonErr == nil && a.AccessToken != "" {
		lifetime := time.Duration(a.ExpiresIn) * time.Second
		if lifetime <= 0 {
			lifetime = DefaultLifetime
		}
		return a.AccessToken, lifetime, nil
	}
	return "", 0, &Error{
		Failure: Refused, Err: jsonErr, Status: resp.StatusCode, Header: resp.Header, Body: body,
		Code: a.Error, Description: a.ErrorDescription, NotJSON: jsonErr != nil,
	}
}

// Failure says how a token request failed.
type Failure int

const (
	// InvalidURL: no request could be built from the token URL; Err says why.
	InvalidURL Failure = iota + 1
	// Unanswered: no complete answer came (network, egress policy, the
	// caller's deadline); Err says why.
	Unanswered
	// Refused: the token endpoint answered without a token; Status, Header,
	// Body and the OAuth error fields say how.
	Refused
)

// Error is a token request that produced no token.
type Error struct {
	Failure Failure
	// Err is the cause of InvalidURL and Unanswered, and for Refused the
	// reason the body did not decode as JSON, if it did not.
	Err    error
	Status int
	Header http.Header
	// Body is the answer, at most 1 MiB. It may echo what was sent: keep it
	// out of messages.
	Body []byte
	// Code and Description are the OAuth error response (RFC 6749 section
	// 5.2), when the body carries them.
	Code        string
	Description string
	// NotJSON is set when the body is not a JSON object (an HTML page, an
	// empty answer).
	NotJSON bool
}

func (e *Error) Error() string {
	switch e.Failure {
	case InvalidURL:
		return "token request: unusable token URL: " + e.Err.Error()
	case Unanswered:
		return "token request: " + e.Err.Error()
	}
	return fmt.Sprintf("token request refused: status %d %s", e.Status, e.Code)
}

func (e *Error) Unwrap() error { return e.Err }

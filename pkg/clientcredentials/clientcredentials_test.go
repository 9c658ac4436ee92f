package clientcredentials_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/clientcredentials"
	"github.com/tandemsync/tandem/pkg/egress"
)

// endpoint is a token endpoint that counts its requests and answers with
// answer(n) for the n-th (from 1).
type endpoint struct {
	srv      *httptest.Server
	requests atomic.Int64
}

func newEndpoint(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, n int64)) *endpoint {
	e := &endpoint{}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := e.requests.Add(1)
		if err := r.ParseForm(); err != nil || r.Method != http.MethodPost ||
			r.PostForm.Get("grant_type") != "client_credentials" || r.PostForm.Get("client_id") != "app" ||
			r.PostForm.Get("client_secret") != "s3cret" || r.PostForm.Get("scope") != "all" {
			t.Errorf("token request %s %v", r.Method, r.PostForm)
		}
		answer(w, r, n)
	}))
	t.Cleanup(e.srv.Close)
	return e
}

// tokens answers token-n valid for lifetime.
func tokens(lifetime time.Duration) func(http.ResponseWriter, *http.Request, int64) {
	return func(w http.ResponseWriter, _ *http.Request, n int64) {
		fmt.Fprintf(w, `{"access_token":"token-%d","token_type":"Bearer","expires_in":%d}`, n, int(lifetime/time.Second))
	}
}

func (e *endpoint) source(margin time.Duration, now func() time.Time) *clientcredentials.Source {
	return clientcredentials.New(clientcredentials.Config{
		TokenURL: e.srv.URL + "/token", ClientID: "app", ClientSecret: "s3cret", Scope: "all",
		HTTP:   egress.New(egress.Options{AllowPrivate: true, MaxAttempts: 1}),
		Margin: margin, Now: now,
	})
}

func mustToken(t *testing.T, s *clientcredentials.Source) string {
	t.Helper()
	tok, err := s.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestTokenIsKeptUntilTheMarginBeforeExpiry(t *testing.T) {
	for _, tc := range []struct {
		name     string
		lifetime time.Duration
		margin   time.Duration
		renewAt  time.Duration // the token is replaced from this age on
	}{
		{"margin", time.Hour, 5 * time.Minute, 55 * time.Minute},
		{"a tenth of a short lifetime", 10 * time.Minute, 5 * time.Minute, 9 * time.Minute},
		{"no expires_in: one hour", 0, time.Minute, 59 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEndpoint(t, tokens(tc.lifetime))
			now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			var mu sync.Mutex
			clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			set := func(d time.Duration) {
				mu.Lock()
				now = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(d)
				mu.Unlock()
			}
			s := e.source(tc.margin, clock)
			if tok := mustToken(t, s); tok != "token-1" {
				t.Fatalf("first token %q", tok)
			}
			set(tc.renewAt - time.Second)
			if tok := mustToken(t, s); tok != "token-1" || e.requests.Load() != 1 {
				t.Fatalf("just before the margin: %q after %d requests", tok, e.requests.Load())
			}
			set(tc.renewAt)
			if tok := mustToken(t, s); tok != "token-2" || e.requests.Load() != 2 {
				t.Fatalf("at the margin: %q after %d requests", tok, e.requests.Load())
			}
		})
	}
}

// heldEndpoint answers tokens once release is closed.
func heldEndpoint(t *testing.T) (*endpoint, chan struct{}) {
	release := make(chan struct{})
	return newEndpoint(t, func(w http.ResponseWriter, r *http.Request, n int64) {
		<-release
		tokens(time.Hour)(w, r, n)
	}), release
}

func TestConcurrentCallersShareOneFetch(t *testing.T) {
	e, release := heldEndpoint(t)
	s := e.source(time.Minute, nil)
	var wg sync.WaitGroup
	got := make([]string, 20)
	errs := make([]error, 20)
	for i := range got {
		wg.Go(func() { got[i], errs[i] = s.Token(context.Background()) })
	}
	time.Sleep(50 * time.Millisecond) // let the callers pile up behind the first
	close(release)
	wg.Wait()
	for i := range got {
		if errs[i] != nil || got[i] != "token-1" {
			t.Fatalf("caller %d: %q %v", i, got[i], errs[i])
		}
	}
	if n := e.requests.Load(); n != 1 {
		t.Fatalf("%d token requests for 20 concurrent callers, want 1", n)
	}
}

func TestWaitingCallerKeepsItsOwnDeadline(t *testing.T) {
	e, release := heldEndpoint(t)
	s := e.source(time.Minute, nil)
	first := make(chan error, 1)
	go func() { _, err := s.Token(context.Background()); first <- err }()
	for e.requests.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := s.Token(ctx)
	var ce *clientcredentials.Error
	if !errors.As(err, &ce) || ce.Failure != clientcredentials.Unanswered || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiting caller past its deadline: %v", err)
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
}

func TestDropOn401(t *testing.T) {
	e := newEndpoint(t, tokens(time.Hour))
	s := e.source(time.Minute, nil)
	old := mustToken(t, s)
	s.Drop(old) // the resource server answered 401
	fresh := mustToken(t, s)
	if fresh == old || e.requests.Load() != 2 {
		t.Fatalf("after Drop: %q (was %q), %d requests", fresh, old, e.requests.Load())
	}
	s.Drop(old) // a late caller drops the token already replaced
	if tok := mustToken(t, s); tok != fresh || e.requests.Load() != 2 {
		t.Fatalf("dropping a stale token replaced the fresh one: %q, %d requests", tok, e.requests.Load())
	}
}

func TestFailuresAreClassified(t *testing.T) {
	refusal := func(status int, body string) func(http.ResponseWriter, *http.Request, int64) {
		return func(w http.ResponseWriter, _ *http.Request, _ int64) {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
		}
	}
	for _, tc := range []struct {
		name   string
		answer func(http.ResponseWriter, *http.Request, int64)
		check  func(*clientcredentials.Error) bool
	}{
		{"OAuth error", refusal(400, `{"error":"invalid_client","error_description":"bad secret","error_codes":[7000215]}`),
			func(e *clientcredentials.Error) bool {
				return e.Failure == clientcredentials.Refused && e.Status == 400 && e.Code == "invalid_client" &&
					e.Description == "bad secret" && !e.NotJSON && string(e.Body) != "" && e.Header.Get("Retry-After") == "7"
			}},
		{"HTML page", refusal(404, `<html>not here</html>`),
			func(e *clientcredentials.Error) bool {
				return e.Failure == clientcredentials.Refused && e.Status == 404 && e.NotJSON && e.Err != nil
			}},
		{"2xx without a token", refusal(200, `{"token_type":"Bearer"}`),
			func(e *clientcredentials.Error) bool {
				return e.Failure == clientcredentials.Refused && e.Status == 200 && !e.NotJSON
			}},
		{"throttled", refusal(429, ``),
			func(e *clientcredentials.Error) bool {
				return e.Failure == clientcredentials.Refused && e.Status == 429 && e.Header.Get("Retry-After") == "7"
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newEndpoint(t, tc.answer).source(time.Minute, nil)
			_, err := s.Token(context.Background())
			var e *clientcredentials.Error
			if !errors.As(err, &e) || !tc.check(e) {
				t.Fatalf("got %#v", err)
			}
		})
	}

	t.Run("unusable URL", func(t *testing.T) {
		s := clientcredentials.New(clientcredentials.Config{TokenURL: "http://bad host/", HTTP: egress.New(egress.Options{AllowPrivate: true})})
		_, err := s.Token(context.Background())
		var e *clientcredentials.Error
		if !errors.As(err, &e) || e.Failure != clientcredentials.InvalidURL || e.Err == nil {
			t.Fatalf("got %#v", err)
		}
	})
	t.Run("refused by the egress policy", func(t *testing.T) {
		e := newEndpoint(t, tokens(time.Hour))
		s := clientcredentials.New(clientcredentials.Config{TokenURL: e.srv.URL, HTTP: egress.New(egress.Options{})})
		_, err := s.Token(context.Background())
		var ce *clientcredentials.Error
		if !errors.As(err, &ce) || ce.Failure != clientcredentials.Unanswered || !errors.Is(err, egress.ErrForbiddenDestination) {
			t.Fatalf("got %#v", err)
		}
		if e.requests.Load() != 0 {
			t.Fatal("the policy let the request through")
		}
	})
	t.Run("no secret in the message", func(t *testing.T) {
		s := newEndpoint(t, refusal(401, `{"error":"invalid_client","error_description":"secret s3cret is wrong"}`)).source(time.Minute, nil)
		_, err := s.Token(context.Background())
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Fatalf("error %v", err)
		}
	})
}

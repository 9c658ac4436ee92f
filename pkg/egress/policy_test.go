package egress

import (
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// The zero Options are the production policy, with the defaults the
// Options fields document; values that are set are kept.
func TestZeroOptionsTakeTheDocumentedDefaults(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   Options
		want Options
	}{
		{"zero", Options{}, Options{MaxConcurrent: 4, MaxAttempts: 4, BaseDelay: 200 * time.Millisecond, MaxDelay: 10 * time.Second,
			AttemptTimeout: 30 * time.Second, MaxRetryAfter: 30 * time.Second}},
		{"set", Options{MaxConcurrent: 1, MaxAttempts: 1, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond, AttemptTimeout: time.Second,
			MaxRetryAfter: 3 * time.Second}, Options{MaxConcurrent: 1, MaxAttempts: 1, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond,
			AttemptTimeout: time.Second, MaxRetryAfter: 3 * time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := New(tc.in)
			got, want := c.opts, tc.want
			type limits struct {
				private                                            bool
				concurrent, attempts                               int
				baseDelay, maxDelay, attemptTimeout, maxRetryAfter time.Duration
			}
			of := func(o Options) limits {
				return limits{o.AllowPrivate, o.MaxConcurrent, o.MaxAttempts, o.BaseDelay, o.MaxDelay, o.AttemptTimeout, o.MaxRetryAfter}
			}
			if of(got) != of(want) {
				t.Fatalf("policy %+v, want %+v", of(got), of(want))
			}
			if cap(c.sem) != tc.want.MaxConcurrent {
				t.Fatalf("%d requests may be in flight, want %d", cap(c.sem), tc.want.MaxConcurrent)
			}
			tr, ok := c.http.Transport.(*http.Transport)
			if !ok {
				t.Fatalf("transport %T", c.http.Transport)
			}
			if tr.ResponseHeaderTimeout != tc.want.AttemptTimeout || tr.Proxy != nil || tr.MaxIdleConnsPerHost != tc.want.MaxConcurrent {
				t.Fatalf("transport: header timeout %v, proxy set %v, idle per host %d", tr.ResponseHeaderTimeout, tr.Proxy != nil, tr.MaxIdleConnsPerHost)
			}
		})
	}
}

// Backoff doubles from BaseDelay up to MaxDelay (an attempt count large
// enough to overflow the shift included) with full jitter over the upper
// half: clients that failed together spread their retries.
func TestBackoffDoublesWithJitterUpToTheCap(t *testing.T) {
	c := New(Options{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second})
	for _, tc := range []struct {
		attempt int
		d       time.Duration
	}{{1, 100 * time.Millisecond}, {2, 200 * time.Millisecond}, {3, 400 * time.Millisecond}, {4, 800 * time.Millisecond},
		{5, time.Second}, {6, time.Second}, {40, time.Second}, {64, time.Second}, {70, time.Second}} {
		lo, hi := tc.d/2, tc.d
		least, most := hi, lo
		for range 2000 {
			w := c.backoff(tc.attempt)
			if w < lo || w > hi {
				t.Fatalf("attempt %d waits %v, want within [%v, %v]", tc.attempt, w, lo, hi)
			}
			least, most = min(least, w), max(most, w)
		}
		if least > lo+tc.d/10 || most < hi-tc.d/10 {
			t.Fatalf("attempt %d waits only within [%v, %v] in 2000 draws: not jittered over [%v, %v]", tc.attempt, least, most, lo, hi)
		}
	}
}

// Internal names are refused whatever their case, down to the bare suffix.
func TestCheckURLRefusesInternalNamesInAnyCase(t *testing.T) {
	for _, raw := range []string{"https://.localhost/", "https://.internal/", "https://LocalHost/", "https://api.LOCALHOST/",
		"https://metadata.google.Internal/", "https://x.internal/", "https://x.INTERNAL/", "https://LOCALHOST/"} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if err := CheckURL(u, false); !errors.Is(err, ErrForbiddenDestination) {
			t.Errorf("CheckURL(%s) = %v, want %v", raw, err, ErrForbiddenDestination)
		}
	}
	for _, raw := range []string{"https://internal.example.com/", "https://localhostess.example/", "https://a.localhost.example/"} {
		u, _ := url.Parse(raw)
		if err := CheckURL(u, false); err != nil {
			t.Errorf("CheckURL(%s) = %v, want it allowed", raw, err)
		}
	}
}

// The edges of Retry-After: zero means now, a decimal may have a zero
// fraction, and a decimal may name up to a day.
func TestRetryAfterEdges(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"0", 0, true},
		{"2.0", 2 * time.Second, true},
		{"0.5", 500 * time.Millisecond, true},
		{"86400.5", 86400*time.Second + 500*time.Millisecond, true},
		{"86401.5", 0, false},
	} {
		got, ok := RetryAfter(http.Header{"Retry-After": {tc.v}}, time.Now())
		if got != tc.want || ok != tc.ok {
			t.Errorf("Retry-After %q = %v, %v; want %v, %v", tc.v, got, ok, tc.want, tc.ok)
		}
	}
}

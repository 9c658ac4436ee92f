package egress

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Every attempt of a retried request carries the whole body, not what the
// first attempt left of it.
func TestRetriedRequestsCarryTheirBody(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		n := len(bodies)
		mu.Unlock()
		if n < 3 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	c := newTestClient(Options{})
	req, _ := http.NewRequest("PUT", srv.URL, strings.NewReader(`{"status":8}`))
	resp, err := c.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("Do: %v %v", resp, err)
	}
	resp.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 3 {
		t.Fatalf("%d attempts, want 3", len(bodies))
	}
	for i, b := range bodies {
		if b != `{"status":8}` {
			t.Fatalf("attempt %d carried %q", i+1, b)
		}
	}
}

// A Retry-After the client may wait out itself (up to MaxRetryAfter, and
// inside the caller's deadline) is waited out and the request sent again;
// the wait is the one the platform asked for.
func TestRetryAfterThatFitsIsWaitedOut(t *testing.T) {
	for _, tc := range []struct {
		name     string
		deadline time.Duration // 0: none
	}{{"no deadline", 0}, {"deadline far enough", time.Hour}} {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) == 1 {
					w.Header().Set("Retry-After", "2")
					w.WriteHeader(http.StatusTooManyRequests)
					return
				}
				w.WriteHeader(http.StatusOK)
			}))
			defer srv.Close()
			c := newTestClient(Options{MaxRetryAfter: 2 * time.Second})
			var waited []time.Duration
			c.sleep = func(ctx context.Context, d time.Duration) error { waited = append(waited, d); return ctx.Err() }
			ctx := context.Background()
			if tc.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.deadline)
				defer cancel()
			}
			req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
			resp, err := c.Do(req)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("Do: %v %v", resp, err)
			}
			resp.Body.Close()
			if n.Load() != 2 || len(waited) != 1 || waited[0] != 2*time.Second {
				t.Fatalf("%d requests after waiting %v, want 2 after [2s]", n.Load(), waited)
			}
		})
	}
}

// A write whose connection is reset after it was sent may have been
// applied: it is not sent again. A read is.
func TestResetAfterSendingRepeatsOnlyReads(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var conns atomic.Int32
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				buf := make([]byte, 4096)
				_, _ = conn.Read(buf) // the whole request has arrived
				if tc, ok := conn.(*net.TCPConn); ok {
					_ = tc.SetLinger(0) // close with a reset, as a crashing server does
				}
				conn.Close()
			}()
		}
	}()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		want int32
	}{{"write", NotIdempotent(context.Background()), 1}, {"read", context.Background(), 3}} {
		t.Run(tc.name, func(t *testing.T) {
			conns.Store(0)
			c := newTestClient(Options{MaxAttempts: 3})
			method := map[string]string{"write": "POST", "read": "GET"}[tc.name]
			req, _ := http.NewRequestWithContext(tc.ctx, method, "http://"+ln.Addr().String()+"/tickets", strings.NewReader(`{"title":"x"}`))
			if _, err := c.Do(req); err == nil {
				t.Fatal("a reset connection gave no error")
			}
			if got := conns.Load(); got != tc.want {
				t.Fatalf("%d connections, want %d", got, tc.want)
			}
		})
	}
}

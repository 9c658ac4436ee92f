package egress

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// A create or a note that may have reached the platform is not sent again:
// a 5xx, a timeout or a dropped connection can follow a write the platform
// applied, and a second send would apply it twice. The caller gets the
// failure and checks before writing again.
func TestNotIdempotentWriteIsNotRepeated(t *testing.T) {
	tests := []struct {
		name    string
		answer  func(w http.ResponseWriter, r *http.Request, n int32)
		wantErr bool
		want    int32 // requests the server saw
		status  int
	}{
		{"500", func(w http.ResponseWriter, _ *http.Request, _ int32) { w.WriteHeader(500) }, false, 1, 500},
		{"502", func(w http.ResponseWriter, _ *http.Request, _ int32) { w.WriteHeader(502) }, false, 1, 502},
		{"503", func(w http.ResponseWriter, _ *http.Request, _ int32) { w.WriteHeader(503) }, false, 1, 503},
		{"dropped connection", func(w http.ResponseWriter, _ *http.Request, _ int32) { panic(http.ErrAbortHandler) }, true, 1, 0},
		// A 429 says the request was not served: safe to send again.
		{"429 then ok", func(w http.ResponseWriter, _ *http.Request, n int32) {
			if n == 1 {
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(429)
				return
			}
			w.WriteHeader(201)
		}, false, 2, 201},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.ReadAll(r.Body)
				tt.answer(w, r, n.Add(1))
			}))
			defer srv.Close()
			c := newTestClient(Options{})
			req, _ := http.NewRequestWithContext(NotIdempotent(context.Background()), "POST", srv.URL, strings.NewReader(`{"title":"x"}`))
			resp, err := c.Do(req)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode != tt.status {
					t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
				}
			}
			if n.Load() != tt.want {
				t.Fatalf("server saw %d requests, want %d", n.Load(), tt.want)
			}
		})
	}
}

// The same failures are retried for an ordinary request, and for a read
// made under a context marked for a write.
func TestIdempotentRequestsAreRetried(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			panic(http.ErrAbortHandler)
		}
		w.WriteHeader(200)
	}))
	defer srv.Close()
	ctx := NotIdempotent(context.Background())
	for _, req := range []*http.Request{
		mustRequest(t, context.Background(), "PATCH", srv.URL),
		mustRequest(t, ctx, "GET", srv.URL),
		mustRequest(t, Idempotent(ctx), "POST", srv.URL),
	} {
		n.Store(0)
		resp, err := newTestClient(Options{}).Do(req)
		if err != nil || resp.StatusCode != 200 || n.Load() != 2 {
			t.Fatalf("%s: resp=%v err=%v requests=%d", req.Method, resp, err, n.Load())
		}
		resp.Body.Close()
	}
}

// A connection that was never made cannot have applied anything, so even a
// create is tried again.
func TestNotIdempotentRetriedWhenNeverSent(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: every dial is refused
	c := newTestClient(Options{MaxAttempts: 3})
	req := mustRequest(t, NotIdempotent(context.Background()), "POST", "http://"+addr+"/Tickets")
	if _, err := c.Do(req); err == nil {
		t.Fatal("no error from a refused connection")
	}
	if c.Requests() != 3 {
		t.Fatalf("attempts = %d, want 3", c.Requests())
	}
}

// A 5xx the platform uses for a refusal (Autotask's validation errors) is
// not retried, and the caller still reads the whole body.
func TestRefusalIsNotRetried(t *testing.T) {
	var n atomic.Int32
	body := `{"errors":["Missing Required Field: title"]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(500)
		_, _ = w.Write([]byte(body))
	}))
	defer srv.Close()
	c := newTestClient(Options{Refusal: func(status int, b []byte) bool {
		return status == 500 && strings.Contains(string(b), "Missing Required Field")
	}})
	resp, err := c.Do(mustRequest(t, context.Background(), "PATCH", srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(got) != body || n.Load() != 1 {
		t.Fatalf("body %q after %d requests", got, n.Load())
	}
}

func mustRequest(t *testing.T, ctx context.Context, method, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	return req
}

package simfault_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/simfault"
)

// sim is a minimal simulator: it counts the requests it served and answers
// faults with "mode status message".
type sim struct {
	*simfault.Faults
	served atomic.Int64
	srv    *httptest.Server
}

func newSim(t *testing.T, opts simfault.Options) *sim {
	s := &sim{Faults: simfault.New(opts)}
	answer := func(w http.ResponseWriter, _ *http.Request, f simfault.Fault) {
		status := f.Status
		if f.Mode == simfault.Invalid && status == 0 {
			status = http.StatusBadRequest
		}
		w.WriteHeader(status)
		fmt.Fprintf(w, "%d %d %s %s", f.Mode, f.Status, f.Field, f.Message)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		simfault.Serve(s.Faults, w, r, answer, func(w http.ResponseWriter, r *http.Request) {
			s.served.Add(1)
			_, _ = io.WriteString(w, "served")
		})
	}))
	t.Cleanup(s.srv.Close)
	return s
}

type result struct {
	status int
	header http.Header
	body   string
	err    error
}

func (s *sim) do(t *testing.T, ctx context.Context, method, path string) result {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, s.srv.URL+path, strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return result{err: err}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return result{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func (s *sim) get(t *testing.T, path string) result {
	return s.do(t, context.Background(), http.MethodGet, path)
}

func TestFailNextCountsAndFiltersByPathAndMethod(t *testing.T) {
	s := newSim(t, simfault.Options{})
	s.FailNext(2, simfault.Fault{Status: 500, Path: "/tickets"})
	s.FailNext(1, simfault.Fault{Status: 409, Method: "POST"})
	if r := s.get(t, "/notes"); r.status != 200 {
		t.Fatalf("other path: %d", r.status)
	}
	if r := s.do(t, context.Background(), "POST", "/notes"); r.status != 409 {
		t.Fatalf("POST: %d", r.status)
	}
	for i := range 2 {
		if r := s.get(t, "/API/Tickets/1"); r.status != 500 {
			t.Fatalf("request %d on the path: %d", i, r.status)
		}
	}
	if r := s.get(t, "/api/tickets/1"); r.status != 200 || r.body != "served" {
		t.Fatalf("after the count: %d %q", r.status, r.body)
	}
	if s.served.Load() != 2 {
		t.Fatalf("served %d", s.served.Load())
	}
}

func TestCountedFaultsComeBeforeFractions(t *testing.T) {
	s := newSim(t, simfault.Options{})
	s.FailFraction(1, simfault.Fault{Status: 503})
	s.FailNext(1, simfault.Fault{Status: 429})
	if r := s.get(t, "/"); r.status != 429 {
		t.Fatalf("first: %d, want the counted 429", r.status)
	}
	if r := s.get(t, "/"); r.status != 503 {
		t.Fatalf("second: %d, want the fraction's 503", r.status)
	}
	s.FailFraction(0, simfault.Fault{})
	if r := s.get(t, "/"); r.status != 200 {
		t.Fatalf("FailFraction(0) did not turn it off: %d", r.status)
	}
}

func TestFractionsAreSeeded(t *testing.T) {
	pattern := func(seed uint64) string {
		s := newSim(t, simfault.Options{Seed: seed})
		s.FailFraction(0.3, simfault.Fault{Status: 503})
		s.FailFraction(0.5, simfault.Fault{Status: 500}) // replaces the 0.3
		var b strings.Builder
		for range 40 {
			switch s.get(t, "/").status {
			case 200:
				b.WriteByte('.')
			case 500:
				b.WriteByte('x')
			default:
				b.WriteByte('?')
			}
		}
		return b.String()
	}
	a, b := pattern(42), pattern(42)
	if a != b {
		t.Fatalf("same seed, different runs:\n%s\n%s", a, b)
	}
	if !strings.Contains(a, "x") || !strings.Contains(a, ".") || strings.Contains(a, "?") {
		t.Fatalf("pattern %s: want some 500s, some successes, nothing else", a)
	}
	if c := pattern(7); c == a {
		t.Fatalf("another seed gave the same pattern %s", c)
	}
}

func TestStandingFaultsStayUntilCleared(t *testing.T) {
	s := newSim(t, simfault.Options{})
	s.InjectFault(simfault.Fault{Status: 502})
	for range 3 {
		if r := s.get(t, "/"); r.status != 502 {
			t.Fatalf("standing fault: %d", r.status)
		}
	}
	s.FailNext(3, simfault.Fault{Status: 500})
	s.ClearFaults()
	if r := s.get(t, "/"); r.status != 200 {
		t.Fatalf("after ClearFaults: %d", r.status)
	}
}

func TestRetryAfter(t *testing.T) {
	s := newSim(t, simfault.Options{RetryAfterOn: []int{429}})
	for _, tc := range []struct {
		fault simfault.Fault
		want  string
	}{
		{simfault.Fault{Status: 429}, "0"},
		{simfault.Fault{Status: 429, RetryAfter: 1500 * time.Millisecond}, "2"},
		{simfault.Fault{Status: 503, RetryAfter: 30 * time.Second}, "30"},
		{simfault.Fault{Status: 503}, ""},
		{simfault.Fault{Status: 500}, ""},
	} {
		s.FailNext(1, tc.fault)
		r := s.get(t, "/")
		if r.status != tc.fault.Status || r.header.Get("Retry-After") != tc.want {
			t.Errorf("%+v: %d Retry-After %q, want %q", tc.fault, r.status, r.header.Get("Retry-After"), tc.want)
		}
	}
}

func TestLatency(t *testing.T) {
	s := newSim(t, simfault.Options{})
	s.FailNext(1, simfault.Fault{Latency: 30 * time.Millisecond})
	start := time.Now()
	if r := s.get(t, "/"); r.status != 200 || time.Since(start) < 30*time.Millisecond {
		t.Fatalf("latency-only fault: %d after %v", r.status, time.Since(start))
	}

	s.FailNext(1, simfault.Fault{Latency: time.Minute, Status: 500})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start = time.Now()
	if r := s.do(t, ctx, "GET", "/"); r.err == nil {
		t.Fatalf("the client should have given up, got %d", r.status)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatal("latency ignored the client giving up")
	}
	if r := s.get(t, "/"); r.status != 200 {
		t.Fatalf("after the abandoned fault: %d", r.status)
	}
	if s.served.Load() != 2 {
		t.Fatalf("served %d, want 2: an abandoned request is not served", s.served.Load())
	}
}

func TestApplyThenFail(t *testing.T) {
	s := newSim(t, simfault.Options{RetryAfterOn: []int{503}})
	s.FailNext(1, simfault.Fault{Mode: simfault.ApplyThenFail, Status: 503, Method: "POST"})
	s.FailNext(1, simfault.Fault{Mode: simfault.ApplyThenFail, Method: "POST"})
	r := s.do(t, context.Background(), "POST", "/tickets")
	if r.status != 503 || r.header.Get("Retry-After") != "0" || strings.Contains(r.body, "served") {
		t.Fatalf("first: %d %q %v", r.status, r.body, r.header)
	}
	if r := s.do(t, context.Background(), "POST", "/tickets"); r.status != 500 {
		t.Fatalf("Status 0 answers 500, got %d", r.status)
	}
	if s.served.Load() != 2 {
		t.Fatalf("served %d, want both writes applied", s.served.Load())
	}
}

func TestApplyThenDrop(t *testing.T) {
	s := newSim(t, simfault.Options{})
	s.FailNext(1, simfault.Fault{Mode: simfault.ApplyThenDrop})
	r := s.do(t, context.Background(), "POST", "/tickets")
	if r.err == nil {
		t.Fatalf("got an answer %d %q, want a dropped connection", r.status, r.body)
	}
	if s.served.Load() != 1 {
		t.Fatalf("served %d, want the write applied", s.served.Load())
	}
	if r := s.get(t, "/"); r.status != 200 {
		t.Fatalf("after the drop: %d", r.status)
	}
}

func TestInvalidHandsTheRefusalToTheSimulator(t *testing.T) {
	s := newSim(t, simfault.Options{RetryAfterOn: []int{429}})
	s.FailNext(1, simfault.Fault{Mode: simfault.Invalid, Field: "status_id", Message: "Status not allowed"})
	r := s.do(t, context.Background(), "POST", "/tickets")
	want := fmt.Sprintf("%d 0 status_id Status not allowed", simfault.Invalid)
	if r.status != 400 || r.body != want || r.header.Get("Retry-After") != "" {
		t.Fatalf("%d %q %v, want 400 %q", r.status, r.body, r.header, want)
	}
	if s.served.Load() != 0 {
		t.Fatal("a refused request was served")
	}
}

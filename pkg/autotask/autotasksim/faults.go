package autotasksim

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Fault is an injected answer: a status (429 with RetryAfter, 500, 503...)
// and/or added latency before the request is served normally.
type Fault struct {
	Status     int
	RetryAfter time.Duration // sent as whole seconds with 429/503
	Latency    time.Duration
	// Path limits the fault to requests whose path contains it (case
	// insensitive), e.g. "/ExcludedResources"; empty matches every request.
	Path string
}

// FailNext answers the next n requests (matching f.Path) with f, in order,
// before any fractional fault applies.
func (s *Server) FailNext(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, f)
	}
}

// FailFraction answers a fraction p (0..1) of requests with f, drawn from the
// seeded generator so a run repeats. p = 0 turns it off.
func (s *Server) FailFraction(p float64, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fraction, s.fractionF = p, f
}

// injectFault reports whether it answered the request.
func (s *Server) injectFault(w http.ResponseWriter, path string) bool {
	s.mu.Lock()
	var f Fault
	hit := false
	for i, q := range s.faults {
		if applies(q, path) {
			f, hit = q, true
			s.faults = slices.Delete(s.faults, i, i+1)
			break
		}
	}
	if !hit && s.fraction > 0 && applies(s.fractionF, path) && s.rng.Float64() < s.fraction {
		f, hit = s.fractionF, true
	}
	s.mu.Unlock()
	if !hit {
		return false
	}
	if f.Latency > 0 {
		time.Sleep(f.Latency) // simulated slowness, not synchronisation
	}
	if f.Status == 0 {
		return false
	}
	if f.Status == http.StatusTooManyRequests || f.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", strconv.Itoa(int(f.RetryAfter/time.Second)))
	}
	msg := "The request failed."
	if f.Status == http.StatusTooManyRequests {
		msg = "Request rejected: the API request threshold has been exceeded."
	}
	writeErrors(w, f.Status, msg)
	return true
}

func applies(f Fault, path string) bool {
	return f.Path == "" || strings.Contains(strings.ToLower(path), strings.ToLower(f.Path))
}

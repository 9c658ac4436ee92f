package connectwisesim

import (
	"math"
	"net/http"
	"strconv"
	"time"
)

// Fault is an injected answer for API calls (codebase discovery and the
// signing-key URL are never faulted, so a fault always hits the call under
// test).
type Fault struct {
	Status     int           // 429, 500, 503…; 0 answers normally after Delay
	RetryAfter time.Duration // sent as delta-seconds with any Status when > 0 or Status is 429
	Delay      time.Duration // added latency before answering
}

type faultPlan struct {
	next     int
	nextF    Fault
	fraction float64
	fracF    Fault
}

// FailNext answers the next n API requests with f.
func (s *Server) FailNext(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.next, s.faults.nextF = n, f
}

// FailFraction answers a fraction p of API requests with f. Which requests
// fail is drawn from the server's seeded generator, so a run is repeatable.
func (s *Server) FailFraction(p float64, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.fraction, s.faults.fracF = p, f
}

// ClearFaults stops all injected faults.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = faultPlan{}
}

func (s *Server) injectFault(w http.ResponseWriter) bool {
	s.mu.Lock()
	var f Fault
	hit := false
	switch {
	case s.faults.next > 0:
		s.faults.next--
		f, hit = s.faults.nextF, true
	case s.faults.fraction > 0 && s.rnd.Float64() < s.faults.fraction:
		f, hit = s.faults.fracF, true
	}
	s.mu.Unlock()
	if !hit {
		return false
	}
	if f.Delay > 0 {
		time.Sleep(f.Delay)
	}
	if f.Status == 0 {
		return false
	}
	if f.RetryAfter > 0 || f.Status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(f.RetryAfter.Seconds()))))
	}
	switch {
	case f.Status == http.StatusTooManyRequests:
		writeError(w, f.Status, "TooManyRequests", "Rate limit exceeded. Try again later.")
	case f.Status >= 500:
		writeError(w, f.Status, "InternalServerError", "An error occurred while processing the request.")
	default:
		writeError(w, f.Status, "Injected", "Injected fault.")
	}
	return true
}

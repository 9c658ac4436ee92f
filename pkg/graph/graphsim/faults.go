package graphsim

import (
	"math"
	"net/http"
	"strconv"
	"time"
)

// Fault is an injected answer to a Graph API request (the token endpoint
// and upload URLs are not affected).
type Fault struct {
	// Status to answer with: 429 and 503 carry Retry-After; 0 answers
	// normally after Latency.
	Status int
	// RetryAfter is sent in whole seconds, rounded up.
	RetryAfter time.Duration
	// Latency is added before answering.
	Latency time.Duration
}

type faults struct {
	nextN    int
	next     Fault
	fraction float64
	frac     Fault
}

// FailNext answers the next n Graph API requests with f.
func (s *Server) FailNext(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.nextN, s.faults.next = n, f
}

// FailFraction answers each Graph API request with f with probability p,
// drawn from the seeded generator so a run is reproducible.
func (s *Server) FailFraction(p float64, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.fraction, s.faults.frac = p, f
}

// ClearFaults stops all fault injection.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = faults{}
}

// injectFault answers w with a due fault and reports whether it did.
func (s *Server) injectFault(w http.ResponseWriter) bool {
	s.mu.Lock()
	var f Fault
	var hit bool
	switch {
	case s.faults.nextN > 0:
		s.faults.nextN--
		f, hit = s.faults.next, true
	case s.faults.fraction > 0 && s.rng.Float64() < s.faults.fraction:
		f, hit = s.faults.frac, true
	}
	s.mu.Unlock()
	if !hit {
		return false
	}
	if f.Latency > 0 {
		time.Sleep(f.Latency)
	}
	switch f.Status {
	case 0:
		return false
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(f.RetryAfter.Seconds()))))
		writeError(w, f.Status, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.")
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(f.RetryAfter.Seconds()))))
		writeError(w, f.Status, "ServiceNotAvailable", "The service is temporarily unavailable. Please try again later.")
	default:
		writeError(w, f.Status, "InternalServerError", "An internal server error occurred. The operation failed.")
	}
	return true
}

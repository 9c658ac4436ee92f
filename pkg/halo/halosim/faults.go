package halosim

import (
	"net/http"
	"strconv"
	"time"
)

// Fault is an injected failure or delay.
type Fault struct {
	// Status answers the request with this status (429, 500, 503…) instead
	// of serving it; 0 only adds Latency.
	Status int
	// RetryAfter is sent as Retry-After in whole seconds; 429 and 503 always
	// carry the header, so 0 means "retry now".
	RetryAfter time.Duration
	// Latency delays the answer (or the real handling when Status is 0).
	Latency time.Duration
	// Count applies the fault to the next Count requests. With Count 0 the
	// fault stays until ClearFaults and applies to a Rate fraction of
	// requests, drawn from the seeded generator (every request when Rate is
	// 0).
	Count int
	Rate  float64
}

// InjectFault queues f; faults are consulted in the order they were added.
func (s *Server) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// ClearFaults removes every pending fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// injectFault applies the first matching fault and reports whether it
// answered the request.
func (s *Server) injectFault(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	var fault Fault
	found := false
	for i := range s.faults {
		c := &s.faults[i]
		if c.Count > 0 {
			fault, found = *c, true
			if c.Count--; c.Count == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			break
		}
		if c.Rate <= 0 || s.rng.Float64() < c.Rate {
			fault, found = *c, true
			break
		}
	}
	s.mu.Unlock()
	if !found {
		return false
	}
	if fault.Latency > 0 {
		t := time.NewTimer(fault.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true
		}
	}
	if fault.Status == 0 {
		return false
	}
	if fault.RetryAfter > 0 || fault.Status == http.StatusTooManyRequests || fault.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", strconv.Itoa(int(fault.RetryAfter/time.Second)))
	}
	writeJSON(w, fault.Status, map[string]string{"message": http.StatusText(fault.Status)})
	return true
}

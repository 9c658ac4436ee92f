// Package simfault injects faults into the platform simulators: throttling
// (429 with Retry-After), server errors, added latency, writes that are
// applied and then answered with an error or a dropped connection, and
// validation refusals. Which requests fail at a rate is drawn from a seeded
// generator, so a run repeats.
//
// simfault decides when and how a request fails; the simulator writes what
// its vendor would send (the error body and any vendor header), through the
// Answer it passes to Serve.
package simfault

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Mode is how a fault answers once its Latency has passed.
type Mode int

const (
	// Reject answers Status instead of serving the request; with Status 0
	// the request is served normally (a latency-only fault).
	Reject Mode = iota
	// ApplyThenFail serves the request (a write takes effect), discards its
	// answer and answers Status instead (500 when Status is 0): the client
	// sees a failure for a change that was made.
	ApplyThenFail
	// ApplyThenDrop serves the request, then drops the connection without an
	// answer: the client cannot tell whether the change was made.
	ApplyThenDrop
	// Invalid refuses the request the way the platform refuses invalid
	// input: the simulator's validation error with Message (and Field, where
	// the platform names one). Status 0 leaves the status to the simulator.
	Invalid
)

// Fault is one injected behaviour.
type Fault struct {
	// Status is the HTTP status to answer with (429, 500, 503…).
	Status int
	// RetryAfter is sent as Retry-After in whole seconds, rounded up. Any
	// fault with RetryAfter > 0 carries the header; so does every fault whose
	// Status is one of the simulator's Options.RetryAfterOn, as "0" when
	// RetryAfter is 0.
	RetryAfter time.Duration
	// Latency is added before the fault answers (or the request is served).
	// A client that gives up while waiting gets nothing, and nothing is
	// served.
	Latency time.Duration
	// Mode says how the fault answers; the zero value is Reject.
	Mode Mode
	// Message and Field describe an Invalid refusal.
	Message string
	Field   string

	// Path limits the fault to requests whose path contains it (case
	// insensitive), e.g. "/ExcludedResources"; empty matches every request.
	Path string
	// Method limits the fault to one HTTP method (e.g. "POST" for creates);
	// empty matches every method.
	Method string

	// Count applies the fault to the next Count matching requests. With
	// Count 0 the fault stays until ClearFaults and applies to a Rate
	// fraction of matching requests (every one when Rate is 0).
	Count int
	Rate  float64
}

func (f Fault) matches(r *http.Request) bool {
	return (f.Method == "" || strings.EqualFold(f.Method, r.Method)) &&
		(f.Path == "" || strings.Contains(strings.ToLower(r.URL.Path), strings.ToLower(f.Path)))
}

// Options configure a Faults.
type Options struct {
	// Seed drives the fractional draws, so a run repeats.
	Seed uint64
	// RetryAfterOn lists the statuses that always carry Retry-After.
	RetryAfterOn []int
}

// Faults is one simulator's plan of injected faults. Its methods are safe
// for concurrent use. A simulator embeds it, so its users call FailNext,
// FailFraction, InjectFault and ClearFaults on the simulator itself, and
// serves its requests through Serve.
type Faults struct {
	retryAfterOn []int

	mu   sync.Mutex
	rng  *rand.Rand
	plan []planned
}

type planned struct {
	Fault
	fraction bool // set by FailFraction, which replaces its own
}

// New returns an empty plan.
func New(opts Options) *Faults {
	return &Faults{
		retryAfterOn: slices.Clone(opts.RetryAfterOn),
		rng:          rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)),
	}
}

// InjectFault adds f to the plan. Counted faults are consulted before
// standing ones, each kind in the order it was added.
func (s *Faults) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.plan = append(s.plan, planned{Fault: f})
}

// FailNext answers the next n matching requests with f, before any
// fractional fault applies.
func (s *Faults) FailNext(n int, f Fault) {
	if n <= 0 {
		return
	}
	f.Count, f.Rate = n, 0
	s.InjectFault(f)
}

// FailFraction answers a fraction p (0..1] of matching requests with f,
// replacing the fault an earlier FailFraction set; p <= 0 turns it off.
func (s *Faults) FailFraction(p float64, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.plan = slices.DeleteFunc(s.plan, func(q planned) bool { return q.fraction })
	if p > 0 {
		f.Count, f.Rate = 0, p
		s.plan = append(s.plan, planned{Fault: f, fraction: true})
	}
}

// ClearFaults empties the plan.
func (s *Faults) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.plan = nil
}

// take returns the fault due for r, if any, and consumes one use of a
// counted fault.
func (s *Faults) take(r *http.Request) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.plan {
		q := &s.plan[i]
		if q.Count <= 0 || !q.matches(r) {
			continue
		}
		f := q.Fault
		if q.Count--; q.Count == 0 {
			s.plan = slices.Delete(s.plan, i, i+1)
		}
		return f, true
	}
	for _, q := range s.plan {
		if q.Count > 0 || !q.matches(r) {
			continue
		}
		if q.Rate <= 0 || s.rng.Float64() < q.Rate {
			return q.Fault, true
		}
	}
	return Fault{}, false
}

// Answer writes a simulator's own answer for a fault: its error body for
// f.Status, or its validation error when f.Mode is Invalid. Serve has
// already set Retry-After.
type Answer func(w http.ResponseWriter, r *http.Request, f Fault)

// Serve applies the fault of plan s due for r, if any, and otherwise (or
// after a latency-only fault) serves r with next. It is a function rather
// than a method so that a simulator embedding Faults does not offer it.
func Serve(s *Faults, w http.ResponseWriter, r *http.Request, answer Answer, next http.HandlerFunc) {
	f, ok := s.take(r)
	if !ok {
		next(w, r)
		return
	}
	if f.Latency > 0 && !wait(r, f.Latency) {
		return // the client gave up: nothing is served
	}
	switch f.Mode {
	case Reject:
		if f.Status == 0 {
			next(w, r)
			return
		}
	case ApplyThenFail, ApplyThenDrop:
		next(httptest.NewRecorder(), r) // the change is made, its answer is lost
		if f.Mode == ApplyThenDrop {
			panic(http.ErrAbortHandler) // closes the connection without an answer
		}
		if f.Status == 0 {
			f.Status = http.StatusInternalServerError
		}
	}
	if f.RetryAfter > 0 || slices.Contains(s.retryAfterOn, f.Status) {
		w.Header().Set("Retry-After", strconv.Itoa(int((f.RetryAfter+time.Second-1)/time.Second)))
	}
	answer(w, r, f)
}

// wait sleeps d (simulated slowness, not synchronisation) and reports
// whether the client still wants the answer. It reads the body first:
// net/http notices a client that gives up only once the body is read.
func wait(r *http.Request, d time.Duration) bool {
	if r.Body != nil {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return false
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

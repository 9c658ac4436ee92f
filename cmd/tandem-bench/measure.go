package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tandemsync/tandem/pkg/halo/halosim"
	"github.com/tandemsync/tandem/pkg/localrun"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/queue/memqueue"
	"github.com/tandemsync/tandem/pkg/relay"
)

// ---- the listener tap ---------------------------------------------------------

type heldDelivery struct {
	path   string
	header http.Header
	body   []byte
}

// tap stands in front of Tandem's listener: it timestamps deliveries, can
// hold them, and counts the ones inside the handler.
type tap struct {
	next     http.Handler
	meter    *lambdaMeter // bills each delivery as a webhook invocation
	hold     atomic.Bool
	inflight atomic.Int64
	// echoes counts the events the receiver answered as Tandem's own
	// echoes, acknowledged and not queued.
	echoes atomic.Int64

	mu       sync.Mutex
	held     []heldDelivery
	atSeen   map[string]time.Time      // Autotask ticket id → first Ticket Create delivery
	haloWait map[string]chan time.Time // summary → waiter for Halo's New Ticket Logged
}

func newTap() *tap {
	return &tap{atSeen: map[string]time.Time{}, haloWait: map[string]chan time.Time{}}
}

const releaseHeader = "X-Tandem-Bench-Release"

func (t *tap) wrap(next http.Handler) http.Handler {
	t.next = next
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/webhooks/") {
			next.ServeHTTP(w, r)
			return
		}
		now := time.Now()
		t.inflight.Add(1)
		defer t.inflight.Add(-1)
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "read", http.StatusBadRequest)
			return
		}
		if r.Header.Get(releaseHeader) == "" && t.hold.Load() {
			h := r.Header.Clone()
			h.Set(releaseHeader, "1")
			t.mu.Lock()
			t.held = append(t.held, heldDelivery{path: r.URL.Path, header: h, body: body})
			t.mu.Unlock()
			w.WriteHeader(http.StatusAccepted)
			return
		}
		t.observe(r.URL.Path, body, now)
		r.Body = io.NopCloser(bytes.NewReader(body))
		start := time.Now()
		rec := &answer{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		var a struct{ Echoes int64 }
		if json.Unmarshal(rec.body.Bytes(), &a) == nil {
			t.echoes.Add(a.Echoes)
		}
		if t.meter != nil {
			t.meter.record("webhook", time.Since(start), localrun.ToEvent(r, body))
		}
	})
}

// answer keeps the body of the receiver's answer, which says how many of a
// delivery's events were echoes it did not queue.
type answer struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (a *answer) Write(p []byte) (int, error) {
	a.body.Write(p)
	return a.ResponseWriter.Write(p)
}

func (t *tap) observe(path string, body []byte, at time.Time) {
	switch {
	case strings.HasPrefix(path, "/webhooks/autotask/"):
		var p struct {
			Action, EntityType string
			ID                 json.Number `json:"Id"`
		}
		if json.Unmarshal(body, &p) == nil && p.EntityType == "Ticket" && p.Action == "Create" {
			t.mu.Lock()
			if _, ok := t.atSeen[p.ID.String()]; !ok {
				t.atSeen[p.ID.String()] = at
			}
			t.mu.Unlock()
		}
	case strings.HasPrefix(path, "/webhooks/halo/"):
		var p struct {
			Event  string `json:"event"`
			Ticket struct {
				Summary string `json:"summary"`
			} `json:"ticket"`
		}
		if json.Unmarshal(body, &p) == nil && p.Event == halosim.EventNewTicket {
			t.mu.Lock()
			ch, ok := t.haloWait[p.Ticket.Summary]
			delete(t.haloWait, p.Ticket.Summary)
			t.mu.Unlock()
			if ok {
				ch <- at
			}
		}
	}
}

func (t *tap) expectHalo(summary string) <-chan time.Time {
	ch := make(chan time.Time, 1)
	t.mu.Lock()
	t.haloWait[summary] = ch
	t.mu.Unlock()
	return ch
}

func (t *tap) autotaskArrival(id string) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	at, ok := t.atSeen[id]
	return at, ok
}

func (t *tap) heldCount() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.held)
}

func (t *tap) takeHeld() []heldDelivery {
	t.mu.Lock()
	defer t.mu.Unlock()
	h := t.held
	t.held = nil
	return h
}

// ---- echo meter -------------------------------------------------------------

// echoMeter wraps the Halo sync function and, for each halo-events batch
// made only of Tandem's own writes coming back (the event's actor is Halo's
// integration agent), counts the platform and DynamoDB requests made while
// the batch ran. The per-change workload runs one change at a time, so
// nothing else calls a platform meanwhile.
type echoMeter struct {
	r          *localrun.Runner
	meter      *capacityMeter // its own requests are not the echo's
	mu         sync.Mutex
	n          int
	calls, ddb int64
}

func (m *echoMeter) reset() {
	m.mu.Lock()
	m.n, m.calls, m.ddb = 0, 0, 0
	m.mu.Unlock()
}

func (m *echoMeter) totals() (int, int64, int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.n, m.calls, m.ddb
}

func (m *echoMeter) wrap(k platform.Kind, h memqueue.Handler) memqueue.Handler {
	if k != platform.Halo {
		return h
	}
	self := strconv.Itoa(halosim.Integration.AgentID)
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		echoes := 0
		for _, rec := range ev.Records {
			var env relay.Envelope
			if strings.Contains(rec.EventSourceARN, "-events") && json.Unmarshal([]byte(rec.Body), &env) == nil &&
				env.Event != nil && env.Event.ActorID == self {
				echoes++
			}
		}
		if echoes == 0 || echoes != len(ev.Records) {
			return h(ctx, ev)
		}
		p0, d0 := m.r.Deps.PlatformRequests(), (m.r.DynamoDBRequests() - m.meter.own.Load())
		resp, err := h(ctx, ev)
		m.mu.Lock()
		m.n += echoes
		m.calls += m.r.Deps.PlatformRequests() - p0
		m.ddb += (m.r.DynamoDBRequests() - m.meter.own.Load()) - d0
		m.mu.Unlock()
		return resp, err
	}
}

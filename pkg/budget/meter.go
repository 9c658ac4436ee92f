package budget

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tandemsync/tandem/pkg/clock"
)

// FlushInterval bounds how long a warm instance keeps calls it counted
// before writing them (FlushDue, at the end of each invocation, and Check),
// and how long it trusts the shared count it last read. Calls an instance
// has not written are invisible to the others, and lost if Lambda retires
// the instance before its next invocation: at most this long's worth of one
// instance's calls, which HoldShare's margin absorbs. Writing per
// invocation instead would cost a store request per message at low volume.
const FlushInterval = 30 * time.Second

// idleAfter is how long a tracked client may send nothing before the meter
// forgets it: clients are kept per organisation for five minutes
// (app.orgPlatformsTTL), so one idle for longer is no longer handed out.
const idleAfter = 15 * time.Minute

// Requester is what the meter reads from a platform client: how many HTTP
// requests it has sent, retries included (platform.Client.Requests).
type Requester interface{ Requests() int64 }

// Meter counts organisations' platform calls into a Counter and decides
// whether sync may go on. Calls are written in batches, once per flush and
// organisation, not once per call: a partner call costs no store request.
// Safe for concurrent use.
type Meter struct {
	counter Counter
	clock   clock.Clock

	mu   sync.Mutex
	orgs map[string]*orgMeter
}

type orgMeter struct {
	clients []*tracked
	// pending are calls counted here and not yet written, per hour.
	pending map[time.Time]int64
	flushed time.Time
	// shared is the hour's count as last read from the counter, plus what
	// this instance wrote since.
	shared     int64
	sharedHour time.Time
	readAt     time.Time
}

type tracked struct {
	c     Requester
	seen  int64
	moved time.Time
}

// NewMeter counts into c; clk decides the hour.
func NewMeter(c Counter, clk clock.Clock) *Meter {
	if clk == nil {
		clk = clock.System{}
	}
	return &Meter{counter: c, clock: clk, orgs: map[string]*orgMeter{}}
}

func (m *Meter) org(org string) *orgMeter {
	o := m.orgs[org]
	if o == nil {
		o = &orgMeter{pending: map[time.Time]int64{}}
		m.orgs[org] = o
	}
	return o
}

// Track counts c's requests from now on as org's. Call it each time c is
// handed out: a client idle for idleAfter is forgotten, and tracked again
// from then on.
func (m *Meter) Track(org string, c Requester) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.clock.Now()
	o := m.org(org)
	for _, t := range o.clients {
		if t.c == c {
			t.moved = now
			return
		}
	}
	o.clients = append(o.clients, &tracked{c: c, seen: c.Requests(), moved: now})
}

// collect moves what org's clients sent since the last look into pending,
// counted in the hour of now. Calls made just before an hour ends may land
// in the next one: the next look is at most one invocation or FlushInterval
// later.
func (m *Meter) collect(o *orgMeter, now time.Time) {
	kept := o.clients[:0]
	for _, t := range o.clients {
		if n := t.c.Requests(); n != t.seen {
			o.pending[HourOf(now)] += n - t.seen
			t.seen, t.moved = n, now
		}
		if now.Sub(t.moved) < idleAfter {
			kept = append(kept, t)
		}
	}
	clear(o.clients[len(kept):])
	o.clients = kept
}

// Flush writes every organisation's counted calls.
func (m *Meter) Flush(ctx context.Context) error { return m.flushAll(ctx, true) }

// FlushDue writes the counted calls of the organisations last written
// FlushInterval ago or more (or never): at most one store request per
// organisation and interval, however many messages an instance handles.
func (m *Meter) FlushDue(ctx context.Context) error { return m.flushAll(ctx, false) }

func (m *Meter) flushAll(ctx context.Context, all bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var errs []error
	now := m.clock.Now()
	for org, o := range m.orgs {
		if !all && now.Sub(o.flushed) < FlushInterval {
			continue
		}
		errs = append(errs, m.flush(ctx, org, o))
		if len(o.clients) == 0 && len(o.pending) == 0 && now.Sub(o.readAt) > idleAfter {
			delete(m.orgs, org)
		}
	}
	return errors.Join(errs...)
}

func (m *Meter) flush(ctx context.Context, org string, o *orgMeter) error {
	now := m.clock.Now()
	m.collect(o, now)
	o.flushed = now
	for hour, n := range o.pending {
		if n == 0 {
			delete(o.pending, hour)
			continue
		}
		if err := m.counter.AddCalls(ctx, org, hour, n); err != nil {
			// Kept for the next flush; the hold decision still sees them.
			return fmt.Errorf("count platform calls of %s: %w", org, err)
		}
		delete(o.pending, hour)
		if hour.Equal(o.sharedHour) {
			o.shared += n
		}
	}
	return nil
}

// Check returns a *HoldError when org's calls this hour, as far as this
// instance can tell, reached the threshold of limit. It reads the shared
// count at most once per FlushInterval and writes what it counted when
// that is older than FlushInterval, so a check costs no store request on
// most messages.
func (m *Meter) Check(ctx context.Context, org string, limit int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.clock.Now()
	hour := HourOf(now)
	o := m.org(org)
	m.collect(o, now)
	if now.Sub(o.flushed) >= FlushInterval {
		if err := m.flush(ctx, org, o); err != nil {
			return err
		}
	}
	if !o.sharedHour.Equal(hour) || now.Sub(o.readAt) >= FlushInterval {
		hours, err := m.counter.Calls(ctx, org, hour, hour.Add(time.Hour))
		if err != nil {
			return fmt.Errorf("read platform calls of %s: %w", org, err)
		}
		o.shared, o.sharedHour, o.readAt = 0, hour, now
		for _, h := range hours {
			o.shared += h.Calls
		}
	}
	calls := o.shared + o.pending[hour]
	if th := Threshold(limit); calls >= th {
		return &HoldError{Org: org, Calls: calls, Threshold: th, Until: hour.Add(time.Hour)}
	}
	return nil
}

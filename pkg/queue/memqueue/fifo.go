package memqueue

import (
	"time"

	"github.com/tandemsync/tandem/pkg/queue"
)

// fifo is one queue. All methods need the Broker's lock.
type fifo struct {
	name    string
	handler Handler
	cfg     QueueConfig
	groups  map[string]*group
	// ready holds the groups whose first message may be delivered now, in
	// the order they became ready, so no group starves.
	ready   []*group
	waiting []*group // blocked until visibleAt after a failure
	dedup   map[string]time.Time
	// dedupOrder lists dedup ids by send time so expired ones are pruned
	// from the front without scanning the map.
	dedupOrder []dedupMark
	dlq        []queue.Message
	metrics    Metrics
	// inflight are the delivered messages by receipt handle, for
	// ChangeVisibility.
	inflight map[string]*entry
}

type dedupMark struct {
	id     string
	expiry time.Time
}

type groupState int

const (
	idle     groupState = iota // deliverable if it has messages
	inFlight                   // a batch holds its first messages
	waiting                    // failed messages wait out the visibility timeout
)

type group struct {
	id        string
	msgs      []*entry
	state     groupState
	inReady   bool
	visibleAt time.Time
}

type entry struct {
	msg      queue.Message
	id       string
	seq      uint64
	sentAt   time.Time
	receives int
	group    *group
	// visibility, when set by ChangeVisibility during a receive, replaces
	// the queue's visibility timeout if the message comes back.
	visibility time.Duration
}

func newFIFO(name string, h Handler, c QueueConfig) *fifo {
	return &fifo{name: name, handler: h, cfg: c, groups: map[string]*group{}, dedup: map[string]time.Time{}, inflight: map[string]*entry{}}
}

func (q *fifo) isDuplicate(id string, now time.Time, window time.Duration) bool {
	for len(q.dedupOrder) > 0 && !now.Before(q.dedupOrder[0].expiry) {
		if q.dedup[q.dedupOrder[0].id] == q.dedupOrder[0].expiry {
			delete(q.dedup, q.dedupOrder[0].id)
		}
		q.dedupOrder = q.dedupOrder[1:]
	}
	if exp, ok := q.dedup[id]; ok && now.Before(exp) {
		q.metrics.Deduplicated++
		return true
	}
	q.dedup[id] = now.Add(window)
	q.dedupOrder = append(q.dedupOrder, dedupMark{id, now.Add(window)})
	return false
}

func (q *fifo) push(e *entry) {
	g, ok := q.groups[e.msg.Group]
	if !ok {
		g = &group{id: e.msg.Group}
		q.groups[g.id] = g
	}
	e.group = g
	g.msgs = append(g.msgs, e)
	q.metrics.Sent++
	q.markReady(g)
}

func (q *fifo) markReady(g *group) {
	if g.state == idle && !g.inReady && len(g.msgs) > 0 {
		g.inReady = true
		q.ready = append(q.ready, g)
	}
}

// release ends the waits that are over at now, or all of them if force
// (Drain skipping the visibility timeout).
func (q *fifo) release(now time.Time, force bool) {
	kept := q.waiting[:0]
	for _, g := range q.waiting {
		if force || !now.Before(g.visibleAt) {
			g.state = idle
			q.markReady(g)
		} else {
			kept = append(kept, g)
		}
	}
	clear(q.waiting[len(kept):])
	q.waiting = kept
}

// nextVisible is when the earliest wait ends; zero if none.
func (q *fifo) nextVisible() time.Time {
	var next time.Time
	for _, g := range q.waiting {
		if next.IsZero() || g.visibleAt.Before(next) {
			next = g.visibleAt
		}
	}
	return next
}

// receive takes the next batch: the first messages of ready groups, a
// group's messages kept together and in order. Every group it touches is
// in flight until complete.
func (q *fifo) receive(now time.Time) []*entry {
	q.release(now, false)
	var batch []*entry
	for len(q.ready) > 0 && len(batch) < q.cfg.BatchSize {
		g := q.ready[0]
		q.ready[0] = nil
		q.ready = q.ready[1:]
		g.inReady = false
		n := min(len(g.msgs), q.cfg.BatchSize-len(batch))
		batch = append(batch, g.msgs[:n]...)
		g.msgs = g.msgs[n:]
		g.state = inFlight
	}
	for _, e := range batch {
		e.receives++
		q.inflight[receipt(e)] = e
		q.metrics.Delivered++
		if e.receives > 1 {
			q.metrics.Redelivered++
		}
	}
	return batch
}

// complete settles a delivered batch. failed holds the ids the consumer
// reported, or is nil for a whole-batch failure. Within each group the
// first failed message and everything after it return to the front of the
// group (or to the DLQ once out of receives), and the group waits out the
// visibility timeout, as an SQS FIFO group does.
func (q *fifo) complete(batch []*entry, failed map[string]bool, now time.Time) (unreported int) {
	for _, e := range batch {
		delete(q.inflight, receipt(e))
	}
	for from := 0; from < len(batch); {
		g := batch[from].group
		to := from
		for to < len(batch) && batch[to].group == g {
			to++
		}
		cut := to
		for i := from; i < to; i++ {
			if failed == nil || failed[batch[i].id] {
				cut = i
				break
			}
		}
		q.metrics.Deleted += cut - from
		var back []*entry
		for _, e := range batch[cut:to] {
			if failed != nil && !failed[e.id] {
				unreported++
			}
			if e.receives >= q.cfg.MaxReceiveCount {
				q.dlq = append(q.dlq, e.msg)
				q.metrics.DeadLettered++
				continue
			}
			back = append(back, e)
		}
		g.msgs = append(back, g.msgs...)
		g.state = idle
		if len(back) > 0 {
			vis := q.cfg.VisibilityTimeout
			if back[0].visibility > 0 {
				vis = back[0].visibility
			}
			for _, e := range back {
				e.visibility = 0
			}
			g.state, g.visibleAt = waiting, now.Add(vis)
			q.waiting = append(q.waiting, g)
		} else if len(g.msgs) == 0 {
			delete(q.groups, g.id)
		}
		q.markReady(g)
		from = to
	}
	q.metrics.Unreported += unreported
	return unreported
}

// empty reports whether nothing is queued, in flight or waiting.
func (q *fifo) empty() bool { return len(q.groups) == 0 }

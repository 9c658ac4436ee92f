package memqueue

import (
	"context"
	"sync"
	"time"
)

// Run consumes every subscribed queue with its Concurrency consumers until
// ctx ends, then waits for the batches in progress and returns nil. It
// fails at once if Run, Tick or Drain is already active. Failed messages
// come back when the clock passes their visibility timeout, so Run wants the
// system clock (or a short VisibilityTimeout).
func (b *Broker) Run(ctx context.Context) error {
	if err := b.enterSync(); err != nil {
		return err
	}
	defer b.leaveSync()
	var wg sync.WaitGroup
	for _, q := range b.sortedQueues() {
		for range q.cfg.Concurrency {
			wg.Go(func() { b.consume(ctx, q) })
		}
	}
	wg.Wait()
	return nil
}

func (b *Broker) consume(ctx context.Context, q *fifo) {
	for ctx.Err() == nil {
		b.mu.Lock()
		now := b.opts.Clock.Now()
		batch := q.receive(now)
		if len(batch) > 0 {
			b.mu.Unlock()
			b.process(ctx, q, batch)
			continue
		}
		changed, next := b.changed, q.nextVisible()
		b.mu.Unlock()
		b.wait(ctx, changed, next.Sub(now), !next.IsZero())
	}
}

// wait blocks until ctx ends, a queue changes, or, if timed, d has passed
// (the earliest visibility timeout).
func (b *Broker) wait(ctx context.Context, changed <-chan struct{}, d time.Duration, timed bool) {
	var wake <-chan time.Time
	if timed {
		t := time.NewTimer(d)
		defer t.Stop()
		wake = t.C
	}
	select {
	case <-ctx.Done():
	case <-changed:
	case <-wake:
	}
}

package memqueue

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// ErrDrainLimit is wrapped by Drain's error when Options.DrainLimit is hit.
var ErrDrainLimit = errors.New("queues still not empty")

// Tick delivers one batch from each queue that has a message visible by the
// clock now, in queue-name order, and returns how many batches it delivered.
// Failed messages come back only once the clock has passed their visibility
// timeout, so a test with a clock.Manual decides exactly when.
func (b *Broker) Tick(ctx context.Context) (int, error) {
	if err := b.enterSync(); err != nil {
		return 0, err
	}
	defer b.leaveSync()
	return b.round(ctx, false), nil
}

// Drain delivers until every queue is empty, redeliveries included, treating
// each visibility timeout as elapsed when nothing else is deliverable (the
// clock is not moved). Messages that keep failing end in the DLQ after
// MaxReceiveCount, so Drain ends; Options.DrainLimit bounds handlers that
// keep sending to each other.
func (b *Broker) Drain(ctx context.Context) error {
	if err := b.enterSync(); err != nil {
		return err
	}
	defer b.leaveSync()
	for batches := 0; ; {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("drain: %w", err)
		}
		n := b.round(ctx, false)
		if n == 0 {
			if b.allEmpty() {
				return nil
			}
			if n = b.round(ctx, true); n == 0 {
				return errors.New("drain: queues not empty but nothing deliverable (memqueue bug)")
			}
		}
		batches += n
		if batches > b.opts.DrainLimit {
			return fmt.Errorf("drain: %w after %d batches (DrainLimit); do handlers keep sending to each other?", ErrDrainLimit, batches)
		}
	}
}

// round delivers at most one batch per queue; force skips visibility waits.
func (b *Broker) round(ctx context.Context, force bool) int {
	n := 0
	for _, q := range b.sortedQueues() {
		b.mu.Lock()
		now := b.opts.Clock.Now()
		if force {
			q.release(now, true)
		}
		batch := q.receive(now)
		b.mu.Unlock()
		if len(batch) > 0 {
			b.process(ctx, q, batch)
			n++
		}
	}
	return n
}

func (b *Broker) sortedQueues() []*fifo {
	b.mu.Lock()
	defer b.mu.Unlock()
	names := slices.Sorted(maps.Keys(b.queues))
	qs := make([]*fifo, len(names))
	for i, n := range names {
		qs[i] = b.queues[n]
	}
	return qs
}

func (b *Broker) allEmpty() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, q := range b.queues {
		if !q.empty() {
			return false
		}
	}
	return true
}

// enterSync lets one of Run, Tick or Drain drive the broker at a time: a
// synchronous delivery racing consumers would make tests nondeterministic.
func (b *Broker) enterSync() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.running {
		return errors.New("memqueue: Run, Tick or Drain is already active")
	}
	b.running = true
	return nil
}

func (b *Broker) leaveSync() {
	b.mu.Lock()
	b.running = false
	b.mu.Unlock()
}

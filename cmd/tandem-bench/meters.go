package main

import (
	"context"
	"encoding/json"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/queue/memqueue"
)

// lambdaMeter counts what the in-process functions would be billed for:
// invocations and handler durations per function (a sync function's batch,
// the webhook's delivery), and keeps the first few events of each for the
// RSS replay. It counts only while on.
type lambdaMeter struct {
	on atomic.Bool

	mu          sync.Mutex
	invocations map[string]int64
	billedMS    map[string]int64
	batches     int64
	recorded    map[string][][]byte // function → Lambda events, JSON
	keep        int
}

func newLambdaMeter(keep int) *lambdaMeter {
	return &lambdaMeter{invocations: map[string]int64{}, billedMS: map[string]int64{},
		recorded: map[string][][]byte{}, keep: keep}
}

func (m *lambdaMeter) record(fn string, d time.Duration, event any) {
	if !m.on.Load() {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.invocations[fn]++
	m.billedMS[fn] += ceilMS(float64(d.Microseconds()) / 1000)
	if len(m.recorded[fn]) < m.keep {
		if raw, err := json.Marshal(event); err == nil {
			m.recorded[fn] = append(m.recorded[fn], raw)
		}
	}
}

func (m *lambdaMeter) wrap(k platform.Kind, h memqueue.Handler) memqueue.Handler {
	fn := "sync-" + string(k)
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		start := time.Now()
		resp, err := h(ctx, ev)
		m.record(fn, time.Since(start), ev)
		if m.on.Load() {
			m.mu.Lock()
			m.batches++
			m.mu.Unlock()
		}
		return resp, err
	}
}

func (m *lambdaMeter) snapshot() (inv, ms map[string]int64, batches int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	inv, ms = map[string]int64{}, map[string]int64{}
	for k, v := range m.invocations {
		inv[k] = v
	}
	for k, v := range m.billedMS {
		ms[k] = v
	}
	return inv, ms, m.batches
}

func (m *lambdaMeter) events(fn string) [][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.recorded[fn]
}

// countingWriter counts the bytes of log output the functions write.
type countingWriter struct {
	w io.Writer
	n atomic.Int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n.Add(int64(len(p)))
	return c.w.Write(p)
}

package relay_test

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/queue"
	"github.com/tandemsync/tandem/pkg/relay"
)

// groupedSender keeps queued messages by message group, so each benchmark
// worker takes the commands of its own ticket, in order, as a FIFO queue's
// consumer would.
type groupedSender struct {
	mu     sync.Mutex
	groups map[string][]queue.Message
}

func (s *groupedSender) Send(_ context.Context, _ string, msgs ...queue.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range msgs {
		s.groups[m.Group] = append(s.groups[m.Group], m)
	}
	return nil
}

func (s *groupedSender) take(group string) []queue.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.groups[group]
	delete(s.groups, group)
	return m
}

// BenchmarkEngineThroughput is the engine alone on the in-memory store and
// in-memory platforms: per iteration a ticket is escalated (its event, the
// create command) and gets a note (its event, the note command), every
// payload delivered whole as Halo and Autotask deliver them. It reports
// events/s — events handled, commands included in the time — across
// GOMAXPROCS workers, each on its own tickets like the sync functions'
// concurrent batches of different message groups. It also reports
// events per CPU-second of the process (user + system time), the figure
// that does not depend on what else the shared machine runs.
//
//	go test -run='^$' -bench=EngineThroughput -benchtime=20000x -cpu 2 ./pkg/relay
func BenchmarkEngineThroughput(b *testing.B) {
	f := newFixture(&testing.T{})
	out := &groupedSender{groups: map[string][]queue.Message{}}
	e := *f.engine
	e.Out = out
	engine := relay.NewEngine(e)
	ctx := context.Background()
	var next atomic.Int64
	handle := func(group string) {
		for _, m := range out.take(group) {
			var env relay.Envelope
			if err := json.Unmarshal(m.Body, &env); err != nil {
				b.Fatal(err)
			}
			if err := engine.Handle(ctx, env); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := next.Add(1)
			id := "A" + strconv.FormatInt(n, 10)
			group := queue.GroupID(f.conn.ID, "cust#"+id)
			t := platform.Ticket{ID: id, Summary: "Printer " + id, Status: "1", Queue: "L2"}
			ev := platform.Event{Type: platform.EventTicketCreated, TicketID: id, Sequence: 1, DeliveryID: "c" + id, Ticket: &t}
			if err := engine.HandleEvent(ctx, "cust", ev); err != nil {
				b.Fatal(err)
			}
			handle(group)
			note := platform.Note{ID: "n" + id, TicketID: id, Kind: "note", Body: "hello from " + id, Public: true}
			ev = platform.Event{Type: platform.EventNoteCreated, TicketID: id, NoteID: note.ID, Sequence: 2, DeliveryID: "n" + id, Ticket: &t, Note: &note}
			if err := engine.HandleEvent(ctx, "cust", ev); err != nil {
				b.Fatal(err)
			}
			handle(group)
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(2*b.N)/time.Since(start).Seconds(), "events/s")
	b.ReportMetric(float64(2*b.N)/(cpuTime()-cpu0).Seconds(), "events/cpu-s")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

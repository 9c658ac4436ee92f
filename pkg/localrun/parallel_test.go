package localrun_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/queue/memqueue"
	"github.com/tandemsync/tandem/pkg/relay"
)

// bound is how long a step may take before the test calls it stuck. It is a
// failure bound, never a synchronisation: every wait below ends on a signal.
const bound = 30 * time.Second

// stage is one queue a change crosses: the source's events (webhook to
// engine) or the target's commands (engine to the partner's API).
type stage string

const (
	eventsStage   stage = "events"
	commandsStage stage = "commands"
)

// barrier holds, at each stage, the first of two tickets to arrive there
// until the other ticket's message at that stage has been handled. If the
// two tickets shared a FIFO message group, the second would queue behind
// the held first and the barrier would never open. At the commands stage
// the held ticket also waits until its own next change has been queued, so
// that change is in the queue while the create is in flight.
type barrier struct {
	t       *testing.T
	known   chan struct{} // closed once tickets is set
	tickets [2]string     // source ticket ids

	mu      sync.Mutex
	held    map[stage]string        // the ticket held at each stage
	heldNow map[stage]chan struct{} // closed when a ticket is held
	done    map[stage]map[string]chan struct{}
	// engine is what of each ticket reached the engine at each stage, in order.
	engine map[stage]map[string][]string
	// changeQueued is closed once the held ticket's second event was handled.
	changeQueued chan struct{}
	// changed is closed once the held ticket's second command was handled.
	changed chan struct{}
	stuck   []string
}

func newBarrier(t *testing.T) *barrier {
	b := &barrier{t: t, known: make(chan struct{}), held: map[stage]string{}, heldNow: map[stage]chan struct{}{},
		done: map[stage]map[string]chan struct{}{}, engine: map[stage]map[string][]string{}, changeQueued: make(chan struct{}), changed: make(chan struct{})}
	for _, s := range []stage{eventsStage, commandsStage} {
		b.heldNow[s], b.done[s], b.engine[s] = make(chan struct{}), map[string]chan struct{}{}, map[string][]string{}
	}
	return b
}

func (b *barrier) setTickets(x, y string) {
	b.tickets = [2]string{x, y}
	for _, s := range []stage{eventsStage, commandsStage} {
		for _, id := range b.tickets {
			b.done[s][id] = make(chan struct{})
		}
	}
	close(b.known)
}

func (b *barrier) other(id string) string {
	if id == b.tickets[0] {
		return b.tickets[1]
	}
	return b.tickets[0]
}

// of reads a record: its stage, source ticket and what it does.
func of(m events.SQSMessage) (stage, string, string) {
	var env relay.Envelope
	_ = json.Unmarshal([]byte(m.Body), &env)
	switch {
	case env.Event != nil:
		return eventsStage, env.Event.TicketID, string(env.Event.Type)
	case env.Command != nil:
		return commandsStage, env.Command.FromTicketID, string(env.Command.Do.Op)
	}
	return "", "", ""
}

func (b *barrier) wait(what string, ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	case <-time.After(bound):
		b.mu.Lock()
		b.stuck = append(b.stuck, what)
		b.mu.Unlock()
		return false
	}
}

func (b *barrier) wrap(_ platform.Kind, h memqueue.Handler) memqueue.Handler {
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		if len(ev.Records) != 1 {
			b.t.Errorf("batch of %d records: the test needs BatchSize 1", len(ev.Records))
			return h(ctx, ev)
		}
		st, ticket, what := of(ev.Records[0])
		if st == "" || !b.wait("both tickets to exist", b.known) || (ticket != b.tickets[0] && ticket != b.tickets[1]) {
			return h(ctx, ev) // the partner's echoes, say
		}
		b.mu.Lock()
		hold := b.held[st] == ""
		if hold {
			b.held[st] = ticket
			close(b.heldNow[st])
		}
		b.mu.Unlock()
		if hold {
			b.wait("ticket "+b.other(ticket)+"'s "+string(st)+" while "+ticket+"'s was held", b.done[st][b.other(ticket)])
			if st == commandsStage {
				b.wait("ticket "+ticket+"'s change to be queued", b.changeQueued)
			}
		}
		b.mu.Lock()
		b.engine[st][ticket] = append(b.engine[st][ticket], what)
		n := len(b.engine[st][ticket])
		b.mu.Unlock()
		resp, err := h(ctx, ev)
		b.mu.Lock()
		defer b.mu.Unlock()
		if n == 1 {
			close(b.done[st][ticket])
		}
		if n == 2 && ticket == b.held[commandsStage] {
			if st == eventsStage {
				close(b.changeQueued)
			} else {
				close(b.changed)
			}
		}
		return resp, err
	}
}

// Two tickets' changes are handled in parallel while one ticket's changes
// stay in order, through the webhook receiver, the FIFO queues and the
// engine, with consumers running concurrently (as Lambda's event source
// mappings do). At each queue the first ticket to arrive is held until the
// other ticket's message has been handled there: that can only happen if
// the other is not queued behind it. While one ticket's create is held at
// the partner, that ticket changes again; the change must reach the engine
// after the create and land on the partner's ticket.
//
// Batches are one message each so a batch never mixes the two tickets: a
// batch is handled in order, and that is not what is under test.
func TestTicketsSyncInParallelWhileEachStaysInOrderEndToEnd(t *testing.T) {
	p := pairs[0] // Autotask customer, Halo MSP
	gate := newBarrier(t)
	w := p.world(t, worldOptions{wrap: gate.wrap, queue: memqueue.QueueConfig{BatchSize: 1, Concurrency: 2}})
	runCtx, stop := context.WithCancel(context.Background())
	running := make(chan struct{})
	go func() { defer close(running); _ = w.r.Broker.Run(runCtx) }()
	defer func() { stop(); <-running }()
	ctx := context.Background()
	src := w.source.agent

	ticketA, ticketB := p.escalate, p.escalate
	ticketA.Summary, ticketB.Summary = "A: printer jams", "B: scanner offline"
	a, err := src.CreateTicket(ctx, ticketA)
	if err != nil {
		t.Fatal(err)
	}
	b, err := src.CreateTicket(ctx, ticketB)
	if err != nil {
		t.Fatal(err)
	}
	gate.setTickets(a.ID, b.ID)
	// Only the source's deliveries are awaited: the runner is writing to
	// the partner's simulator meanwhile, and its Flush (WaitGroup.Wait)
	// must not run beside those writes' Add (a data race under -race).
	w.r.Sims.Autotask.Flush()

	// One ticket's create is held at the partner: it changes while in flight.
	if !gate.wait("a create to reach the partner", gate.heldNow[commandsStage]) {
		t.Fatalf("stuck: %v", gate.stuck)
	}
	gate.mu.Lock()
	heldID := gate.held[commandsStage]
	gate.mu.Unlock()
	renamed := map[string]string{a.ID: "A: printer jams on every job", b.ID: "B: scanner offline since Monday"}[heldID]
	if err := src.UpdateTicket(ctx, heldID, platform.TicketUpdate{Summary: ptr(renamed)}); err != nil {
		t.Fatal(err)
	}
	w.r.Sims.Autotask.Flush()

	// The held ticket's change reaches the partner once its create is done.
	if !gate.wait("the held ticket's change to reach the partner", gate.changed) {
		t.Fatalf("stuck: %v (reached the engine: %v)", gate.stuck, gate.engine)
	}
	gate.mu.Lock()
	stuck, cmds := gate.stuck, gate.engine[commandsStage][heldID]
	gate.mu.Unlock()
	if len(stuck) > 0 {
		t.Fatalf("tickets did not sync in parallel: waited for %v", stuck)
	}
	if cmds[0] != string(integration.OpCreateTicket) {
		t.Fatalf("ticket %s's commands reached the engine as %v, want its create first", heldID, cmds)
	}
	if got := w.partnerTicket(heldID); got.Summary != renamed {
		t.Fatalf("partner's copy of %s reads %q, want %q: the change was lost or applied before the create", heldID, got.Summary, renamed)
	}
	otherID := gate.other(heldID)
	if got := w.partnerTicket(otherID); got.Summary != map[string]string{a.ID: ticketA.Summary, b.ID: ticketB.Summary}[otherID] {
		t.Fatalf("partner's copy of %s reads %q", otherID, got.Summary)
	}
}

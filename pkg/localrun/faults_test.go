package localrun_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tandemsync/tandem/pkg/autotask/autotasksim"
	"github.com/tandemsync/tandem/pkg/connectwise/connectwisesim"
	"github.com/tandemsync/tandem/pkg/halo/halosim"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/queue/memqueue"
	"github.com/tandemsync/tandem/pkg/simfault"
	"github.com/tandemsync/tandem/pkg/zendesk"
)

// deliveryJuggler stands between the platforms and Tandem's webhook
// endpoint: it acknowledges each delivery, holds it, and on release hands
// them to Tandem newest first, three times each — late, reordered and
// duplicated, as real platforms sometimes deliver.
type deliveryJuggler struct {
	next    http.Handler
	mu      sync.Mutex
	held    []*http.Request
	bodies  [][]byte
	replays atomic.Int64
}

func (j *deliveryJuggler) wrap(next http.Handler) http.Handler {
	j.next = next
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/webhooks/") || r.URL.Query().Has("validationToken") {
			next.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		j.mu.Lock()
		j.held = append(j.held, r.Clone(context.Background()))
		j.bodies = append(j.bodies, body)
		j.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	})
}

func (j *deliveryJuggler) release(t *testing.T) {
	j.mu.Lock()
	held, bodies := j.held, j.bodies
	j.held, j.bodies = nil, nil
	j.mu.Unlock()
	for i := len(held) - 1; i >= 0; i-- {
		for n := 0; n < 3; n++ {
			r := held[i].Clone(context.Background())
			r.Body = io.NopCloser(bytes.NewReader(bodies[i]))
			rec := httptest.NewRecorder()
			j.next.ServeHTTP(rec, r)
			if rec.Code >= 300 {
				t.Fatalf("held delivery refused: %d %s", rec.Code, rec.Body)
			}
			j.replays.Add(1)
		}
	}
}

// crashOnce makes one sync function die after the first record of the
// first commands batch that carries two or more, as a Lambda killed
// mid-batch would: the record it finished wrote to the platform, and the
// batch as a whole is redelivered, that record included.
type crashOnce struct{ done atomic.Bool }

func (c *crashOnce) wrap(_ platform.Kind, h memqueue.Handler) memqueue.Handler {
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		if len(ev.Records) >= 2 && strings.Contains(ev.Records[0].EventSourceARN, "-commands") && c.done.CompareAndSwap(false, true) {
			first := ev
			first.Records = ev.Records[:1]
			if _, err := h(ctx, first); err != nil {
				return events.SQSEventResponse{}, err
			}
			panic("sync function crashed mid-batch")
		}
		return h(ctx, ev)
	}
}

// script drives one pair through a ticket's life with several changes
// between settles, so webhooks for one ticket are in flight together.
func script(t *testing.T, w *world, p pair, settle func()) {
	ctx := context.Background()
	src, dst := w.source.agent, w.target.agent
	st, err := src.CreateTicket(ctx, p.escalate)
	if err != nil {
		t.Fatal(err)
	}
	mustNote(t, src, st.ID, platform.Note{Kind: p.srcNote, Body: "Customer: started after the update", Public: true})
	settle()
	l, err := w.r.Deps.Store.LinkByTicket(ctx, w.connID, w.source.org, st.ID)
	if err != nil || l.Target.TicketID == "" {
		t.Fatalf("no partner ticket: %v", err)
	}
	dtID := l.Target.TicketID
	mustNote(t, src, st.ID, platform.Note{Kind: p.srcNote, Body: "Customer internal: warranty expired", Public: false})
	mustNote(t, dst, dtID, platform.Note{Kind: p.dstNote, Body: "MSP: engineer booked", Public: true})
	mustNote(t, dst, dtID, platform.Note{Kind: p.dstNote, Body: "MSP internal: order a spare", Public: false})
	if err := dst.UpdateTicket(ctx, dtID, platform.TicketUpdate{Status: ptr(p.dstStatus)}); err != nil {
		t.Fatal(err)
	}
	if _, err := src.AddAttachment(ctx, st.ID, platform.Attachment{Name: "error.log", ContentType: "text/plain", Data: []byte("E42"), Public: true}); err != nil {
		t.Fatal(err)
	}
	mustNote(t, src, st.ID, platform.Note{Kind: p.srcNote, Body: "Log attached", Public: true})
	settle()
	if err := dst.CloseTicket(ctx, dtID, ""); err != nil {
		t.Fatal(err)
	}
	settle()
}

// state renders both platforms' tickets without ids or times, so a run
// with faults can be compared with a run without.
func state(t *testing.T, w *world) string {
	ctx := context.Background()
	var b strings.Builder
	for _, s := range []side{w.source, w.target} {
		ids := w.ticketIDs(s.kind)
		fmt.Fprintf(&b, "%s: %d tickets\n", s.kind, len(ids))
		for _, id := range ids {
			tk, err := s.agent.GetTicket(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "  %q status=%s priority=%s type=%s\n", tk.Summary, tk.Status, tk.Priority, tk.Type)
			notes, err := s.agent.ListNotes(ctx, id, timeZero)
			if err != nil {
				t.Fatal(err)
			}
			var lines []string
			for _, n := range notes {
				lines = append(lines, fmt.Sprintf("    note public=%v %q", n.Public, n.Body))
			}
			sort.Strings(lines)
			for _, f := range fileNames(t, s.agent, id) {
				lines = append(lines, "    file "+f)
			}
			b.WriteString(strings.Join(lines, "\n") + "\n")
		}
	}
	return b.String()
}

func (w *world) ticketIDs(kind platform.Kind) []string {
	var ids []string
	switch kind {
	case platform.Autotask:
		for _, t := range w.r.Sims.Autotask.Tickets() {
			ids = append(ids, itoa(t.ID))
		}
	case platform.ConnectWise:
		for _, t := range w.r.Sims.ConnectWise.Tickets() {
			ids = append(ids, itoa(t.ID))
		}
	case platform.Halo:
		for _, t := range w.r.Sims.Halo.Tickets() {
			ids = append(ids, itoa(t.ID))
		}
	case zendesk.Kind:
		for _, t := range w.r.Sims.Zendesk.Tickets() {
			ids = append(ids, itoa(t.ID))
		}
	}
	slices.Sort(ids)
	return ids
}

// injectFailures answers a fraction of every API call on kind's simulator
// with 429 (Retry-After: 0) or 500.
func injectFailures(s *world, kind platform.Kind, rate float64, status int) {
	sims := s.r.Sims
	switch kind {
	case platform.Autotask:
		sims.Autotask.FailFraction(rate, autotasksim.Fault{Status: status})
	case platform.ConnectWise:
		sims.ConnectWise.FailFraction(rate, connectwisesim.Fault{Status: status})
	case platform.Halo:
		sims.Halo.InjectFault(halosim.Fault{Status: status, Rate: rate})
	case zendesk.Kind:
		sims.Zendesk.FailFraction(rate, simfault.Fault{Status: status})
	}
}

func (w *world) applied() int {
	n := 0
	for _, e := range w.log("msp", "") {
		if e["outcome"] == "applied" {
			n++
		}
	}
	return n
}

func TestFaultsLeaveTheSameFinalState(t *testing.T) {
	for _, p := range pairs {
		t.Run(p.name, func(t *testing.T) {
			clean := p.world(t, worldOptions{})
			script(t, clean, p, clean.settle)
			want := state(t, clean)

			j := &deliveryJuggler{}
			crash := &crashOnce{}
			faulty := p.world(t, worldOptions{hooks: j.wrap, wrap: crash.wrap})
			// 20% of the partner API calls Tandem makes fail: throttled on one
			// side, server errors on the other.
			injectFailures(faulty, p.src, 0.2, http.StatusTooManyRequests)
			injectFailures(faulty, p.dst, 0.2, http.StatusInternalServerError)
			settle := func() {
				for round := 0; round < 10; round++ {
					faulty.r.Sims.Flush()
					before := j.replays.Load()
					j.release(t)
					faulty.settle()
					if j.replays.Load() == before {
						return
					}
				}
				t.Fatal("deliveries never stopped: an echo loop?")
			}
			script(t, faulty, p, settle)
			if got := state(t, faulty); got != want {
				t.Fatalf("final state differs from the fault-free run.\nwith faults:\n%s\nwithout:\n%s", got, want)
			}
			if !crash.done.Load() || j.replays.Load() == 0 {
				t.Fatalf("faults not exercised: crashed=%v replays=%d", crash.done.Load(), j.replays.Load())
			}
			// Every change was written once: as many applied commands as
			// without faults, however often deliveries and batches repeated.
			if got, want := faulty.applied(), clean.applied(); got != want {
				t.Fatalf("%d commands applied with faults, %d without", got, want)
			}
			t.Logf("replayed deliveries: %d; applied commands: %d", j.replays.Load(), faulty.applied())
		})
	}
}

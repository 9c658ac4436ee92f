// Command tandem-bench measures the sync path of the local runner, in one
// process, against the platform simulators: the Autotask customer and the
// Halo MSP of `make dev DEMO=1`, connected through Tandem's own API.
//
//	go run ./cmd/tandem-bench [-tickets 200] [-changes 20] [-events 500] [-visibility 1s]
//
// It prints a table of:
//
//   - end-to-end latency, webhook → partner write: for -tickets tickets
//     raised one at a time by an Autotask agent in the escalation queue,
//     from the moment Autotask's delivery reached Tandem's HTTP listener to
//     the moment Halo's "New Ticket Logged" delivery for the partner ticket
//     reached it (Halo sends that as it writes the ticket, so the figure is
//     an upper bound by one loopback POST);
//   - partner API calls per synced change: requests sent by Tandem's own
//     platform clients (Deps.PlatformRequests, not the agents'), per change,
//     for a fixed workload — creates, notes both ways, status changes both
//     ways — run one change at a time with the runner quiet in between; and
//     the calls spent on echoes (Halo deliveries of Tandem's own writes);
//   - DynamoDB requests per synced change (HTTP requests of Tandem's
//     DynamoDB client, Runner.DynamoDBRequests);
//   - events per second sustained, on a fresh runner: -events deliveries
//     are produced by real agent changes (ticket creates, then one note on
//     each new ticket) while Tandem's listener holds them, then released at
//     once (8 concurrent POSTs, as a platform's callouts pile up after an
//     outage) and timed until every queue is empty and the runner quiet.
//     The embedded store (minidyn) answers a Query and a
//     TransactWriteItems by walking, or copying, the whole table, and the
//     sync path makes one Query (ListForOrg) per event and one transaction
//     per PutLink, so the rate falls as the table grows: with -events 2000
//     the bursts take minutes, hence the default of 500.
//
// A failed message waits out the queue's visibility timeout before its
// retry. The CDK stack sets 180 s; -visibility (default 1 s) keeps the run
// short, and every retry is counted and reported, never hidden.
//
// The queues are consumed in the background (memqueue Run, Concurrency 2
// per queue, as the event source mappings), as under `make dev`: Drain would
// serialise every queue in one goroutine and measure a test driver, not the
// runner. Handlers log JSON to io.Discard, so formatting costs what it costs
// in Lambda without a terminal in the way.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tandemsync/tandem/pkg/autotask"
	"github.com/tandemsync/tandem/pkg/halo"
	"github.com/tandemsync/tandem/pkg/halo/halosim"
	"github.com/tandemsync/tandem/pkg/localrun"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/queue/memqueue"
	"github.com/tandemsync/tandem/pkg/relay"
)

func main() {
	tickets := flag.Int("tickets", 200, "tickets raised one at a time for the end-to-end latency")
	changes := flag.Int("changes", 20, "tickets (of those) that get the per-change workload: a note and a status change each way")
	burst := flag.Int("events", 500, "deliveries in each throughput burst (creates, then notes); the embedded store makes 2000 take minutes, see the package comment")
	visibility := flag.Duration("visibility", time.Second, "queue visibility timeout: how long a failed message waits before its retry (SQS default 30s; the CDK stack sets 180s); every retry is counted and reported")
	verbose := flag.Bool("v", false, "log the runner's warnings and errors to stderr")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the throughput bursts to this file")
	flag.Parse()
	if *verbose {
		logOut = os.Stderr
	}
	if *changes > *tickets {
		*changes = *tickets
	}
	b := &bench{out: os.Stderr, visibility: *visibility, cpuprofile: *cpuprofile}
	if err := b.run(*tickets, *changes, *burst); err != nil {
		fmt.Fprintln(os.Stderr, "tandem-bench:", err)
		os.Exit(1)
	}
}

// logOut receives the runner's logs: nowhere (but formatted, as in Lambda)
// unless -v.
var logOut io.Writer = io.Discard

func logLevel() slog.Level {
	if logOut == io.Discard {
		return slog.LevelInfo
	}
	return slog.LevelWarn
}

type bench struct {
	visibility time.Duration
	cpuprofile string
	out        io.Writer
	r          *localrun.Runner
	tap        *tap
	echo       *echoMeter
	connID     string
	at         platform.Client // an Autotask agent
	ha         platform.Client // a Halo agent
	rows       []row

	creates stepCost   // the latency run's tickets
	steps   []stepCost // the per-change workload
	echoes  []echoCost
}

type row struct{ metric, value, unit string }

func (b *bench) add(metric, unit, format string, args ...any) {
	b.rows = append(b.rows, row{metric, fmt.Sprintf(format, args...), unit})
}

func (b *bench) progress(format string, args ...any) {
	fmt.Fprintf(b.out, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05.000")}, args...)...)
}

func (b *bench) run(nTickets, nChanges, nEvents int) error {
	started := time.Now()
	ctx := context.Background()
	// Latency and per-change costs on one runner...
	stop, err := b.start(ctx)
	if err != nil {
		return err
	}
	// The first change after setup (the webhook installation already built
	// both platform clients, looked up Autotask's API resource and fetched
	// Halo's token): reported, then left out of the steady-state figures.
	p0, d0 := b.r.Deps.PlatformRequests(), b.r.DynamoDBRequests()
	if _, _, err := b.raise(ctx, "bench warm-up"); err != nil {
		stop()
		return fmt.Errorf("warm-up: %w", err)
	}
	b.add("first synced change after setup: partner API calls", "calls", "%d", b.r.Deps.PlatformRequests()-p0)
	b.add("first synced change after setup: DynamoDB requests", "requests", "%d", b.r.DynamoDBRequests()-d0)
	ids, err := b.latency(ctx, nTickets)
	if err == nil {
		err = b.perChange(ctx, ids[:nChanges])
	}
	b.checkQueues("latency and per-change runs")
	stop()
	if err != nil {
		return err
	}
	// ...throughput on a fresh one, so its figure does not depend on how
	// much the first run left in the embedded store.
	if stop, err = b.start(ctx); err != nil {
		return err
	}
	defer stop()
	if _, _, err := b.raise(ctx, "bench warm-up"); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	if err := b.throughput(ctx, nEvents); err != nil {
		return err
	}
	b.checkQueues("throughput run")
	b.print(time.Since(started))
	return nil
}

// start runs a local Tandem with simulators and the demo set up.
func (b *bench) start(ctx context.Context) (stop func(), err error) {
	b.tap = newTap()
	b.echo = &echoMeter{}
	r, err := localrun.Start(ctx, localrun.Options{
		Addr: "127.0.0.1:0", Simulators: true,
		Log:      slog.New(slog.NewJSONHandler(logOut, &slog.HandlerOptions{Level: logLevel()})),
		WrapHTTP: b.tap.wrap,
		WrapSync: b.echo.wrap,
		Queue:    memqueue.QueueConfig{VisibilityTimeout: b.visibility},
	})
	if err != nil {
		return nil, err
	}
	b.r, b.echo.r = r, r
	if !r.Embedded {
		b.progress("note: AWS_ENDPOINT_URL is set; DynamoDB is %s, not the embedded store", os.Getenv("AWS_ENDPOINT_URL"))
	}
	demo, err := r.SetUpDemo(ctx)
	if err != nil {
		r.Close()
		return nil, err
	}
	b.connID = demo.ConnectionID
	if b.at, b.ha, err = agents(r.Sims); err != nil {
		r.Close()
		return nil, err
	}
	b.progress("local runner on %s, demo connection %s (Autotask %q → Halo %q)", r.URL, b.connID, localrun.DemoCustomer, localrun.DemoMSP)
	return r.Close, nil
}

// ---- end-to-end latency ----------------------------------------------------

// raise creates one escalating Autotask ticket as the agent and waits for
// its Halo partner; it returns the Autotask id and the latency.
func (b *bench) raise(ctx context.Context, summary string) (string, time.Duration, error) {
	wait := b.tap.expectHalo(summary)
	t, err := b.at.CreateTicket(ctx, platform.Ticket{Summary: summary, Description: "raised by tandem-bench",
		Queue: localrun.DemoEscalationQueue, Priority: "1", Status: "1", Type: "2"})
	if err != nil {
		return "", 0, err
	}
	var written time.Time
	select {
	case written = <-wait:
	case <-time.After(20*time.Second + 5*b.visibility):
		return "", 0, fmt.Errorf("ticket %s (%q) did not reach Halo within 20s", t.ID, summary)
	}
	arrived, ok := b.tap.autotaskArrival(t.ID)
	if !ok {
		return "", 0, fmt.Errorf("no Autotask delivery seen for ticket %s", t.ID)
	}
	if err := b.settle(); err != nil {
		return "", 0, err
	}
	return t.ID, written.Sub(arrived), nil
}

func (b *bench) latency(ctx context.Context, n int) ([]string, error) {
	b.progress("e2e latency: raising %d tickets one at a time", n)
	ids := make([]string, 0, n)
	lat := make([]time.Duration, 0, n)
	p0, d0 := b.r.Deps.PlatformRequests(), b.r.DynamoDBRequests()
	sims := b.r.Sims
	sa0, sh0 := sims.Autotask.Requests()-b.at.Requests(), sims.Halo.Requests()-b.ha.Requests()
	b.echo.reset()
	retried := 0
	var clean []time.Duration
	for i := range n {
		r0 := b.queueTotals().redelivered
		id, d, err := b.raise(ctx, fmt.Sprintf("bench e2e %04d", i))
		if err != nil {
			return nil, err
		}
		ids, lat = append(ids, id), append(lat, d)
		if b.queueTotals().redelivered > r0 {
			retried++
		} else {
			clean = append(clean, d)
		}
		if (i+1)%50 == 0 {
			b.progress("  %d/%d, median so far %s", i+1, n, pct(lat, 50))
		}
	}
	b.add("e2e latency webhook → partner write, median", "ms", "%.2f", ms(pct(lat, 50)))
	b.add("e2e latency webhook → partner write, p99", "ms", "%.2f", ms(pct(lat, 99)))
	b.add("e2e latency webhook → partner write, max", "ms", "%.2f", ms(pct(lat, 100)))
	b.add(fmt.Sprintf("  tickets whose sync needed a queue retry (visibility timeout %s)", b.visibility), "tickets", "%d of %d", retried, n)
	if retried > 0 && len(clean) > 0 {
		b.add("  e2e latency of the tickets without a retry, median", "ms", "%.2f", ms(pct(clean, 50)))
		b.add("  e2e latency of the tickets without a retry, p99", "ms", "%.2f", ms(pct(clean, 99)))
	}
	calls, ddb := b.r.Deps.PlatformRequests()-p0, b.r.DynamoDBRequests()-d0
	b.creates = stepCost{name: "create Autotask → Halo", n: n, calls: calls, ddb: ddb,
		atCalls:   sims.Autotask.Requests() - b.at.Requests() - sa0,
		haloCalls: sims.Halo.Requests() - b.ha.Requests() - sh0}
	ev, ec, ed := b.echo.totals()
	b.echoes = append(b.echoes, echoCost{"Halo 'New Ticket Logged' of Tandem's create", ev, ec, ed})
	return ids, nil
}

// ---- per-change costs -------------------------------------------------------

type stepCost struct {
	name       string
	n          int
	calls, ddb int64
	// per side, from the simulators' request counters minus the agents'
	atCalls, haloCalls int64
}

type echoCost struct {
	name       string
	n          int
	calls, ddb int64
}

func (b *bench) perChange(ctx context.Context, ids []string) error {
	b.progress("per-change costs: a note and a status change each way on %d tickets, one change at a time", len(ids))
	type step struct {
		name string
		do   func(atID, haloID string) error
		ok   func(atID, haloID string) bool
	}
	sims := b.r.Sims
	atNotes := func(id string) int { n, _ := strconv.ParseInt(id, 10, 64); return len(sims.Autotask.Notes(n)) }
	haloNotes := func(id string) int { n, _ := strconv.Atoi(id); return len(sims.Halo.Notes(n)) }
	var before int
	steps := []step{
		{"note Autotask → Halo",
			func(a, h string) error {
				before = haloNotes(h)
				_, err := b.at.AddNote(ctx, a, platform.Note{Kind: "3", Title: "Customer", Body: "Customer: started after the update " + a, Public: true})
				return err
			},
			func(_, h string) bool { return haloNotes(h) > before }},
		{"note Halo → Autotask",
			func(a, h string) error {
				before = atNotes(a)
				_, err := b.ha.AddNote(ctx, h, platform.Note{Kind: "5", Body: "MSP: engineer booked for Thursday " + h, Public: true})
				return err
			},
			func(a, _ string) bool { return atNotes(a) > before }},
		{"status Halo → Autotask",
			func(_, h string) error { return b.ha.UpdateTicket(ctx, h, platform.TicketUpdate{Status: ptr("2")}) },
			func(a, _ string) bool {
				n, _ := strconv.ParseInt(a, 10, 64)
				t, _ := sims.Autotask.Ticket(n)
				return t.Status == 8
			}},
		{"status Autotask → Halo",
			func(a, _ string) error { return b.at.UpdateTicket(ctx, a, platform.TicketUpdate{Status: ptr("7")}) },
			func(_, h string) bool {
				n, _ := strconv.Atoi(h)
				t, _ := sims.Halo.Ticket(n)
				return t.StatusID == 4
			}},
	}
	costs := make([]stepCost, len(steps))
	b.echo.reset()
	for _, atID := range ids {
		l, err := b.r.Deps.Store.LinkByTicket(ctx, b.connID, localrun.DemoCustomer, atID)
		if err != nil || l.Target.TicketID == "" {
			return fmt.Errorf("no Halo partner for Autotask ticket %s: %v", atID, err)
		}
		haloID := l.Target.TicketID
		for i, s := range steps {
			p0, d0 := b.r.Deps.PlatformRequests(), b.r.DynamoDBRequests()
			sa0, sh0 := sims.Autotask.Requests()-b.at.Requests(), sims.Halo.Requests()-b.ha.Requests()
			if err := s.do(atID, haloID); err != nil {
				return fmt.Errorf("%s on %s: %w", s.name, atID, err)
			}
			if err := b.settle(); err != nil {
				return err
			}
			if !s.ok(atID, haloID) {
				return fmt.Errorf("%s on Autotask %s / Halo %s did not sync", s.name, atID, haloID)
			}
			c := &costs[i]
			c.name, c.n = s.name, c.n+1
			c.calls += b.r.Deps.PlatformRequests() - p0
			c.ddb += b.r.DynamoDBRequests() - d0
			c.atCalls += sims.Autotask.Requests() - b.at.Requests() - sa0
			c.haloCalls += sims.Halo.Requests() - b.ha.Requests() - sh0
		}
	}
	ev, ec, ed := b.echo.totals()
	b.echoes = append(b.echoes, echoCost{"Halo deliveries of Tandem's notes and status writes", ev, ec, ed})
	b.steps = costs
	return nil
}

// ---- throughput -------------------------------------------------------------

func (b *bench) throughput(ctx context.Context, n int) error {
	if b.cpuprofile != "" {
		f, err := os.Create(b.cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	b.progress("throughput: %d Autotask ticket creates held at the listener", n)
	ids, err := b.produce(n, func(i int) (string, error) {
		t, err := b.at.CreateTicket(ctx, platform.Ticket{Summary: fmt.Sprintf("bench burst %05d", i), Description: "burst",
			Queue: localrun.DemoEscalationQueue, Priority: "1", Status: "1", Type: "2"})
		return t.ID, err
	})
	if err != nil {
		return err
	}
	halo0 := b.r.Sims.Count(platform.Halo)
	rate, d, err := b.release(n)
	if err != nil {
		return err
	}
	if got := b.r.Sims.Count(platform.Halo) - halo0; got != n {
		return fmt.Errorf("burst of %d creates made %d Halo tickets", n, got)
	}
	b.progress("  %d create events in %s: %.0f events/s", n, d.Round(time.Millisecond), rate)
	b.add("events/s sustained, ticket-create burst (each: escalate + Halo create + echo)", "events/s", "%.0f", rate)

	b.progress("throughput: %d Autotask notes (one per new ticket) held at the listener", n)
	haloNotes0 := 0
	for _, t := range b.r.Sims.Halo.Tickets() {
		haloNotes0 += len(b.r.Sims.Halo.Notes(t.ID))
	}
	if _, err := b.produce(n, func(i int) (string, error) {
		_, err := b.at.AddNote(ctx, ids[i], platform.Note{Kind: "3", Title: "Customer", Body: "burst note " + ids[i], Public: true})
		return ids[i], err
	}); err != nil {
		return err
	}
	rate, d, err = b.release(n)
	if err != nil {
		return err
	}
	haloNotes := 0
	for _, t := range b.r.Sims.Halo.Tickets() {
		haloNotes += len(b.r.Sims.Halo.Notes(t.ID))
	}
	if got := haloNotes - haloNotes0; got != n {
		return fmt.Errorf("burst of %d notes made %d Halo notes", n, got)
	}
	b.progress("  %d note events in %s: %.0f events/s", n, d.Round(time.Millisecond), rate)
	b.add("events/s sustained, ticket-update burst (each: a new note synced + echo)", "events/s", "%.0f", rate)
	return nil
}

// produce makes n changes as the agent (4 at a time) while the listener
// holds every delivery, and waits until all n have arrived.
func (b *bench) produce(n int, change func(i int) (string, error)) ([]string, error) {
	b.tap.hold.Store(true)
	ids := make([]string, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				id, err := change(i)
				if err != nil {
					errs <- err
					return
				}
				ids[i] = id
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	deadline := time.Now().Add(60 * time.Second)
	for b.tap.heldCount() < n {
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("only %d of %d deliveries arrived", b.tap.heldCount(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return ids, nil
}

// release posts the held deliveries to Tandem's listener, 8 at a time, and
// times them until the runner is quiet again.
func (b *bench) release(n int) (float64, time.Duration, error) {
	b.tap.hold.Store(false)
	held := b.tap.takeHeld()
	if len(held) != n {
		return 0, 0, fmt.Errorf("%d deliveries held, want %d", len(held), n)
	}
	q0 := b.queueTotals()
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Int64
	client := &http.Client{Timeout: 30 * time.Second}
	for range 8 {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(held); i = int(next.Add(1) - 1) {
				h := held[i]
				req, _ := http.NewRequest(http.MethodPost, b.r.URL+h.path, bytes.NewReader(h.body))
				req.Header = h.header.Clone()
				resp, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusAccepted {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	b.progress("  %d deliveries accepted in %s; waiting for the queues", len(held), time.Since(start).Round(time.Millisecond))
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(5 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				q := b.queueTotals()
				b.progress("  %s: %d events and %d commands handled so far", time.Since(start).Round(time.Second), q.events-q0.events, q.commands-q0.commands)
			}
		}
	}()
	err := b.settle()
	close(done)
	if err != nil {
		return 0, 0, err
	}
	d := time.Since(start)
	if f := failed.Load(); f > 0 {
		return 0, 0, fmt.Errorf("%d held deliveries refused", f)
	}
	q := b.queueTotals()
	b.progress("  queue messages handled: %d events, %d commands (echo deliveries included in events)",
		q.events-q0.events, q.commands-q0.commands)
	return float64(n) / d.Seconds(), d, nil
}

// ---- quiet, queues ----------------------------------------------------------

type queueTotals struct{ events, commands, redelivered, dead int }

func (b *bench) queueTotals() queueTotals {
	var t queueTotals
	for _, k := range b.r.Deps.Kinds() {
		e, c := b.r.Broker.Metrics(relay.EventsQueue(k)), b.r.Broker.Metrics(relay.CommandsQueue(k))
		t.events += e.Deleted
		t.commands += c.Deleted
		t.redelivered += e.Redelivered + c.Redelivered
		t.dead += e.DeadLettered + c.DeadLettered
	}
	return t
}

// quiet: no delivery inside the listener, and every message ever sent has
// been deleted or dead-lettered.
func (b *bench) quiet() bool {
	if b.tap.inflight.Load() != 0 {
		return false
	}
	for _, k := range b.r.Deps.Kinds() {
		for _, q := range []string{relay.EventsQueue(k), relay.CommandsQueue(k)} {
			m := b.r.Broker.Metrics(q)
			if m.Sent != m.Deleted+m.DeadLettered {
				return false
			}
		}
	}
	return true
}

// settle waits until the runner has been quiet for three checks 2 ms apart,
// which covers a simulator's callout leaving after the API call that caused
// it (the simulators' Flush is not safe to call while Run writes to them).
func (b *bench) settle() error {
	deadline := time.Now().Add(120 * time.Second)
	for stable := 0; stable < 3; {
		if time.Now().After(deadline) {
			return errors.New("the runner never became quiet: stuck queue or echo loop")
		}
		if b.quiet() {
			stable++
		} else {
			stable = 0
		}
		time.Sleep(2 * time.Millisecond)
	}
	return nil
}

func (b *bench) checkQueues(run string) {
	t := b.queueTotals()
	if t.redelivered > 0 || t.dead > 0 {
		b.progress("WARNING: %d redeliveries and %d dead letters in the %s", t.redelivered, t.dead, run)
	}
	b.add("queue redeliveries / dead letters, "+run, "messages", "%d / %d", t.redelivered, t.dead)
}

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
	hold     atomic.Bool
	inflight atomic.Int64

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
		next.ServeHTTP(w, r)
	})
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
		p0, d0 := m.r.Deps.PlatformRequests(), m.r.DynamoDBRequests()
		resp, err := h(ctx, ev)
		m.mu.Lock()
		m.n += echoes
		m.calls += m.r.Deps.PlatformRequests() - p0
		m.ddb += m.r.DynamoDBRequests() - d0
		m.mu.Unlock()
		return resp, err
	}
}

// ---- output -----------------------------------------------------------------

func (b *bench) print(total time.Duration) {
	// Per-change costs: the creates of the latency run plus the workload.
	all := append([]stepCost{b.creates}, b.steps...)
	var n int
	var calls, ddb int64
	for _, c := range all {
		n += c.n
		calls += c.calls
		ddb += c.ddb
	}
	rows := b.rows
	b.rows = nil
	b.add("partner API calls per synced change, average", "calls/change", "%.2f", float64(calls)/float64(n))
	for _, c := range all {
		detail := ""
		if c.atCalls+c.haloCalls > 0 {
			detail = fmt.Sprintf(" [Autotask %.2f + Halo %.2f]", float64(c.atCalls)/float64(c.n), float64(c.haloCalls)/float64(c.n))
		}
		b.add("  "+c.name+detail, "calls/change", "%.2f", float64(c.calls)/float64(c.n))
	}
	for _, e := range b.echoes {
		b.add(fmt.Sprintf("partner API calls per echo: %s (%d)", e.name, e.n), "calls/echo", "%.2f", div(e.calls, e.n))
	}
	b.add("DynamoDB requests per synced change, average", "requests/change", "%.1f", float64(ddb)/float64(n))
	for _, c := range all {
		b.add("  "+c.name, "requests/change", "%.1f", float64(c.ddb)/float64(c.n))
	}
	for _, e := range b.echoes {
		// Approximate: the echo's batch overlaps the tail of the command's
		// bookkeeping; the webhook handler's endpoint read is not included.
		b.add(fmt.Sprintf("DynamoDB requests per echo in the sync function (approx.): %s", e.name), "requests/echo", "%.1f", div(e.ddb, e.n))
	}
	b.rows = append(rows, b.rows...)

	fmt.Printf("\ncommand:  %s\n", strings.Join(append([]string{"go run ./cmd/tandem-bench"}, os.Args[1:]...), " "))
	fmt.Printf("go:       %s %s/%s, GOMAXPROCS %d\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0))
	fmt.Printf("nproc:    %s\n", nproc())
	fmt.Printf("cpu:      %s\n", cpuModel())
	fmt.Printf("run time: %s (synced changes counted: %d)\n\n", total.Round(100*time.Millisecond), n)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "metric\tvalue\tunit")
	fmt.Fprintln(tw, "------\t-----\t----")
	for _, r := range b.rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.metric, r.value, r.unit)
	}
	_ = tw.Flush()
}

func div(a int64, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(a) / float64(n)
}

func nproc() string {
	if out, err := exec.Command("nproc").Output(); err == nil {
		return strings.TrimSpace(string(out))
	}
	return strconv.Itoa(runtime.NumCPU())
}

func cpuModel() string {
	raw, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100 // nearest rank
	return s[max(0, min(len(s)-1, i-1))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func ptr[T any](v T) *T { return &v }

func agents(s *localrun.Simulators) (at, ha platform.Client, err error) {
	ac, err := autotask.ParseCredentials(s.Autotask.Credentials(s.Autotask.Agent), true)
	if err != nil {
		return nil, nil, err
	}
	hc, err := halo.ParseCredentials(s.Halo.Credentials(halosim.Agent), true)
	if err != nil {
		return nil, nil, err
	}
	return autotask.New(ac, autotask.Options{AllowPrivate: true}), halo.New(hc, halo.Options{AllowPrivate: true}), nil
}

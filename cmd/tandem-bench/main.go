// Command tandem-bench measures the sync path of the local runner, in one
// process, against the platform simulators: the Autotask customer and the
// Halo MSP of `make dev DEMO=1`, connected through Tandem's own API.
//
//	go run ./cmd/tandem-bench [-quick] [-tickets 200] [-changes 20] [-events 500] [-visibility 1s]
//	                          [-init-rounds 21] [-rss-events 200]
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
//     the calls spent on echoes (Halo deliveries of Tandem's own writes)
//     that reach a sync function, and how many the webhook function
//     acknowledged without queueing (its answer's "echoes");
//   - DynamoDB requests per synced change (HTTP requests of Tandem's
//     DynamoDB client, Runner.DynamoDBRequests), and the read and write
//     capacity units they would consume (capacityMeter);
//   - events per second sustained, on a fresh runner: -events deliveries
//     are produced by real agent changes (ticket creates, then one note on
//     each new ticket) while Tandem's listener holds them, then released at
//     once (8 concurrent POSTs, as a platform's callouts pile up after an
//     outage) and timed until every queue is empty and the runner quiet;
//     with each burst's events per CPU-second of the process and the
//     DynamoDB requests the embedded store served per second. The store
//     (minidyn) still walks the whole table for a Query and a Scan, which
//     the sync path does not send; its transactions no longer copy the
//     table (pkg/localrun/embedded.go).
//
// Before the runner starts, it builds every function of functions/ as the
// Makefile's build target does (for linux/amd64 to run them here, and for
// linux/arm64, the stack's architecture, for their sizes) and a hello-world
// aws-lambda-go binary, and times each from exec to its first poll of a
// Lambda Runtime API stub (initbench.go, runtimeapi.go). During the latency
// and per-change runs it counts what AWS would bill (cost.go, capacity.go,
// meters.go) and prices a million synced changes, and the stack at rest;
// after them it replays the events it recorded into each function binary
// and reads its peak RSS (rss.go). -quick is the reduced harness of
// `make bench QUICK=1`.
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
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/tandemsync/tandem/pkg/localrun"
	"github.com/tandemsync/tandem/pkg/platform"
)

func main() {
	tickets := flag.Int("tickets", 200, "tickets raised one at a time for the end-to-end latency")
	changes := flag.Int("changes", 20, "tickets (of those) that get the per-change workload: a note and a status change each way")
	burst := flag.Int("events", 500, "deliveries in each throughput burst (creates, then notes)")
	visibility := flag.Duration("visibility", time.Second, "queue visibility timeout: how long a failed message waits before its retry (SQS default 30s; the CDK stack sets 180s); every retry is counted and reported")
	verbose := flag.Bool("v", false, "log the runner's warnings and errors to stderr")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the throughput bursts to this file")
	quick := flag.Bool("quick", false, "the reduced harness for reviews: -tickets 20 -changes 5 -events 50 -init-rounds 7 -rss-events 40, only the webhook and the two sync functions the bench runs through are built (linux/amd64 only)")
	initRounds := flag.Int("init-rounds", 21, "start-ups of each function binary for the init medians")
	rssEvents := flag.Int("rss-events", 200, "events replayed into each function binary for its peak RSS")
	flag.Parse()
	if *verbose {
		logOut = os.Stderr
	}
	if *quick {
		set := map[string]bool{}
		flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
		for name, v := range map[string]*int{"tickets": tickets, "changes": changes, "events": burst, "init-rounds": initRounds, "rss-events": rssEvents} {
			if !set[name] {
				*v = map[string]int{"tickets": 20, "changes": 5, "events": 50, "init-rounds": 7, "rss-events": 40}[name]
			}
		}
	}
	if *changes > *tickets {
		*changes = *tickets
	}
	b := &bench{out: os.Stderr, visibility: *visibility, cpuprofile: *cpuprofile, quick: *quick,
		initRounds: *initRounds, rssEvents: *rssEvents, keepEvents: 50}
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
	quick      bool
	initRounds int
	rssEvents  int
	keepEvents int // Lambda events kept per function for the RSS replay
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

	// The cost meters of the latency and per-change runs.
	lambda *lambdaMeter
	ddb    *capacityMeter
	logs   *countingWriter
	usage  usage

	// The function binaries and what was measured of them.
	root   string
	binDir string          // where the binaries are built; run removes it
	fns    []builtFunction // linux/amd64; fns[0] is the hello-world
	arm64  []builtFunction
	memory map[string]float64
	// platformLines: the functions whose START, END and REPORT lines the
	// stack keeps.
	platformLines map[string]bool
	inits         []initResult
	rss           []rssResult
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
	// The function binaries first, on a machine not yet busy with the
	// runner: sizes, start-up against the runtime API stub.
	err := b.functions(ctx)
	if b.binDir != "" {
		defer os.RemoveAll(b.binDir)
	}
	if err != nil {
		return err
	}
	// Latency and per-change costs on one runner...
	stop, err := b.start(ctx)
	if err != nil {
		return err
	}
	// The first change after setup (the webhook installation already built
	// both platform clients, looked up Autotask's API resource and fetched
	// Halo's token): reported, then left out of the steady-state figures.
	p0, d0 := b.r.Deps.PlatformRequests(), b.ddbRequests()
	if _, _, err := b.raise(ctx, "bench warm-up"); err != nil {
		stop()
		return fmt.Errorf("warm-up: %w", err)
	}
	b.add("first synced change after setup: partner API calls", "calls", "%d", b.r.Deps.PlatformRequests()-p0)
	b.add("first synced change after setup: DynamoDB requests", "requests", "%d", b.ddbRequests()-d0)
	meter := b.startMeters()
	ids, err := b.latency(ctx, nTickets)
	if err == nil {
		err = b.perChange(ctx, ids[:nChanges])
	}
	meter()
	b.checkQueues("latency and per-change runs")
	if err == nil {
		b.progress("peak RSS: replaying %d recorded events into each function binary", b.rssEvents)
		b.rss, err = b.measureRSS(ctx, b.fns, b.rssEvents)
	}
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

// startMeters switches the cost meters on and returns the function that
// switches them off and records what they counted in b.usage (the number of
// changes is filled in by print).
func (b *bench) startMeters() func() {
	secrets := b.secretCalls()
	logs := b.logs.n.Load()
	q0 := b.queueTotals()
	e0 := b.tap.echoes.Load()
	b.lambda.on.Store(true)
	b.ddb.on.Store(true)
	return func() {
		b.lambda.on.Store(false)
		b.ddb.on.Store(false)
		inv, ms, batches := b.lambda.snapshot()
		rru, wru := b.ddb.totals()
		b.usage = usage{
			apiRequests: inv["webhook"], invocations: inv, billedMS: ms, memoryMB: b.memory, platformLines: b.platformLines,
			messages: int64(b.queueTotals().sent - q0.sent), echoesDropped: b.tap.echoes.Load() - e0,
			// Each message sent is one request (all are under 64 KB here),
			// and Lambda's poller receives and deletes each batch.
			sqsRequests: int64(b.queueTotals().sent-q0.sent) + 2*batches,
			rru:         rru, wru: wru,
			secretCalls: b.secretCalls() - secrets,
			logBytes:    b.logs.n.Load() - logs,
		}
	}
}

// secretCalls is the local runner's secret store's call count.
func (b *bench) secretCalls() int64 {
	if m, ok := b.r.Deps.Secrets.(interface{ Calls() int64 }); ok {
		return m.Calls()
	}
	return 0
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/tandemsync/tandem/pkg/localrun"
	"github.com/tandemsync/tandem/pkg/platform"
)

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
	p0, d0 := b.r.Deps.PlatformRequests(), b.ddbRequests()
	r0, w0 := b.ddb.totals()
	by0 := b.ddb.breakdown()
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
	calls, ddb := b.r.Deps.PlatformRequests()-p0, b.ddbRequests()-d0
	r1, w1 := b.ddb.totals()
	b.creates = stepCost{name: "create Autotask → Halo", n: n, calls: calls, ddb: ddb, rru: r1 - r0, wru: w1 - w0,
		by:        since(by0, b.ddb.breakdown()),
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
	rru, wru   float64 // DynamoDB capacity units (capacityMeter)
	by         map[string]opUse
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
			p0, d0 := b.r.Deps.PlatformRequests(), b.ddbRequests()
			r0, w0 := b.ddb.totals()
			by0 := b.ddb.breakdown()
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
			c.ddb += b.ddbRequests() - d0
			r1, w1 := b.ddb.totals()
			c.rru, c.wru = c.rru+r1-r0, c.wru+w1-w0
			if c.by == nil {
				c.by = map[string]opUse{}
			}
			for k, u := range since(by0, b.ddb.breakdown()) {
				t := c.by[k]
				c.by[k] = opUse{n: t.n + u.n, rru: t.rru + u.rru, wru: t.wru + u.wru, bytes: t.bytes + u.bytes}
			}
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
	creates, err := b.release(n)
	if err != nil {
		return err
	}
	if got := b.r.Sims.Count(platform.Halo) - halo0; got != n {
		return fmt.Errorf("burst of %d creates made %d Halo tickets", n, got)
	}
	b.progress("  %d create events in %s: %.0f events/s", n, creates.wall.Round(time.Millisecond), creates.rate())
	b.add("events/s sustained, ticket-create burst (each: escalate + Halo create + echo)", "events/s", "%.0f", creates.rate())
	creates.rows(b, "create")

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
	notes, err := b.release(n)
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
	b.progress("  %d note events in %s: %.0f events/s", n, notes.wall.Round(time.Millisecond), notes.rate())
	b.add("events/s sustained, ticket-update burst (each: a new note synced + echo)", "events/s", "%.0f", notes.rate())
	notes.rows(b, "note")
	return nil
}

// burst is what one throughput burst took: wall time, the process's CPU
// time (which, unlike the wall time, hardly moves with what else the
// machine runs) and the DynamoDB requests the embedded store served.
type burst struct {
	n         int
	wall, cpu time.Duration
	requests  int64
}

func (u burst) rate() float64 { return float64(u.n) / u.wall.Seconds() }

func (u burst) rows(b *bench, name string) {
	b.add(fmt.Sprintf("  %s burst: events per CPU-second of the whole runner (store, simulators, HTTP); its ceiling on one free core", name),
		"events/CPU-s", "%.0f", float64(u.n)/u.cpu.Seconds())
	b.add(fmt.Sprintf("  %s burst: DynamoDB requests the embedded store served per second (per event)", name),
		"requests/s", "%.0f (%.1f)", float64(u.requests)/u.wall.Seconds(), float64(u.requests)/float64(u.n))
}

// processCPU is this process's user and system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
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
func (b *bench) release(n int) (burst, error) {
	b.tap.hold.Store(false)
	held := b.tap.takeHeld()
	if len(held) != n {
		return burst{}, fmt.Errorf("%d deliveries held, want %d", len(held), n)
	}
	q0 := b.queueTotals()
	d0, cpu0 := b.ddbRequests(), processCPU()
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
	// A second per event: on a machine shared with other work the burst
	// can run at a few events a second, and it is measured, not timed out.
	err := b.settleWithin(max(120*time.Second, time.Duration(n)*time.Second))
	close(done)
	if err != nil {
		return burst{}, err
	}
	u := burst{n: n, wall: time.Since(start), cpu: processCPU() - cpu0, requests: b.ddbRequests() - d0}
	if f := failed.Load(); f > 0 {
		return burst{}, fmt.Errorf("%d held deliveries refused", f)
	}
	q := b.queueTotals()
	b.progress("  queue messages handled: %d events, %d commands (echo deliveries included in events); %d DynamoDB requests; %s of CPU",
		q.events-q0.events, q.commands-q0.commands, u.requests, u.cpu.Round(time.Millisecond))
	return u, nil
}

func ptr[T any](v T) *T { return &v }

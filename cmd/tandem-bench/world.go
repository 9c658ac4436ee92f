package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"time"

	"github.com/tandemsync/tandem/pkg/autotask"
	"github.com/tandemsync/tandem/pkg/halo"
	"github.com/tandemsync/tandem/pkg/halo/halosim"
	"github.com/tandemsync/tandem/pkg/localrun"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/queue/memqueue"
	"github.com/tandemsync/tandem/pkg/relay"
)

// start runs a local Tandem with simulators and the demo set up.
func (b *bench) start(ctx context.Context) (stop func(), err error) {
	b.tap = newTap()
	b.echo = &echoMeter{}
	b.lambda = newLambdaMeter(b.keepEvents)
	b.tap.meter = b.lambda
	b.ddb = &capacityMeter{}
	b.logs = &countingWriter{w: logOut}
	r, err := localrun.Start(ctx, localrun.Options{
		Addr: "127.0.0.1:0", Simulators: true,
		Log:      slog.New(slog.NewJSONHandler(b.logs, &slog.HandlerOptions{Level: logLevel()})),
		WrapHTTP: b.tap.wrap,
		WrapSync: func(k platform.Kind, h memqueue.Handler) memqueue.Handler {
			return b.lambda.wrap(k, b.echo.wrap(k, h))
		},
		WrapDynamoDB: b.ddb.wrap,
		Queue:        memqueue.QueueConfig{VisibilityTimeout: b.visibility},
	})
	if err != nil {
		return nil, err
	}
	b.r, b.echo.r, b.echo.meter = r, r, b.ddb
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

// ---- quiet, queues ----------------------------------------------------------

type queueTotals struct{ events, commands, redelivered, dead, sent int }

func (b *bench) queueTotals() queueTotals {
	var t queueTotals
	for _, k := range b.r.Deps.Kinds() {
		e, c := b.r.Broker.Metrics(relay.EventsQueue(k)), b.r.Broker.Metrics(relay.CommandsQueue(k))
		t.events += e.Deleted
		t.commands += c.Deleted
		t.redelivered += e.Redelivered + c.Redelivered
		t.dead += e.DeadLettered + c.DeadLettered
		t.sent += e.Sent + c.Sent
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
func (b *bench) settle() error { return b.settleWithin(120 * time.Second) }

// settleWithin is settle with its own deadline, for a burst whose length
// depends on the machine's load.
func (b *bench) settleWithin(limit time.Duration) error {
	deadline := time.Now().Add(limit)
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

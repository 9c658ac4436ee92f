package localrun_test

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tandemsync/tandem/pkg/graph/graphsim"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/zendesk"
)

// webhookDropper loses a fraction of the platforms' webhook deliveries, as
// a platform that gives up after its retries does: the delivery is
// answered 200 and never reaches Tandem. Its random source is seeded, so a
// run drops the same share every time; which deliveries the share hits
// depends on the order they arrive in. While all is set it drops every one.
type webhookDropper struct {
	rate float64
	all  bool
	mu   sync.Mutex
	rnd  *rand.Rand
	seen int
	lost int
}

func (d *webhookDropper) dropAll(on bool) {
	d.mu.Lock()
	d.all = on
	d.mu.Unlock()
}

func newWebhookDropper(rate float64, seed uint64) *webhookDropper {
	return &webhookDropper{rate: rate, rnd: rand.New(rand.NewPCG(seed, seed))}
}

func (d *webhookDropper) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/webhooks/") || r.URL.Query().Has("validationToken") {
			next.ServeHTTP(w, r)
			return
		}
		d.mu.Lock()
		d.seen++
		drop := d.rnd.Float64() < d.rate || d.all
		if drop {
			d.lost++
		}
		d.mu.Unlock()
		if !drop {
			next.ServeHTTP(w, r)
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	})
}

// psaPairs are the pairs among Autotask, ConnectWise and Halo.
func psaPairs() []pair {
	psa := func(k platform.Kind) bool {
		return k == platform.Autotask || k == platform.ConnectWise || k == platform.Halo
	}
	var out []pair
	for _, p := range pairs {
		if psa(p.src) && psa(p.dst) {
			out = append(out, p)
		}
	}
	return out
}

// sweptPairs are the pairs whose both platforms list changes by date: the
// PSA pairs and Zendesk's.
func sweptPairs() []pair {
	out := psaPairs()
	for _, p := range pairs {
		if p.src == zendesk.Kind || p.dst == zendesk.Kind {
			out = append(out, p)
		}
	}
	return out
}

// sweep runs one reconciliation sweep of both sides, as the schedule does
// once they are due, and lets what it queued settle.
func (w *world) sweep() {
	w.t.Helper()
	n, err := w.r.Deps.SweepNow(context.Background())
	if err != nil || n != 2 {
		w.t.Fatalf("sweep: %d sides queued, %v; want both sides of the connection", n, err)
	}
	w.settle()
}

// TestSweepRecoversDroppedWebhooks: with 10% of every platform's webhook
// deliveries lost, the sweep that follows each stretch of changes brings
// both platforms to the state of a run that lost nothing, and writes
// nothing twice (as many applied writes as the fault-free run).
func TestSweepRecoversDroppedWebhooks(t *testing.T) {
	for i, p := range sweptPairs() {
		t.Run(p.name, func(t *testing.T) {
			// Four tickets' lives, so a tenth of the deliveries is several.
			const tickets = 4
			clean := p.world(t, worldOptions{})
			for range tickets {
				script(t, clean, p, clean.settle)
			}

			drop := newWebhookDropper(0.10, uint64(30+i))
			faulty := p.world(t, worldOptions{hooks: drop.wrap})
			fixed := 0
			for range tickets {
				script(t, faulty, p, func() {
					faulty.settle()
					before := faulty.applied()
					faulty.sweep()
					fixed += faulty.applied() - before
				})
			}
			// A last ticket whose every delivery is lost, so the sweep has
			// something to bring across even when a later delivery happened to
			// cover each of the random drops (Halo's full-object payloads do).
			lastTicket(t, clean, p, clean.settle)
			want := state(t, clean)
			drop.dropAll(true)
			lastTicket(t, faulty, p, func() {
				faulty.settle()
				drop.dropAll(false)
				before := faulty.applied()
				faulty.sweep()
				fixed += faulty.applied() - before
			})
			if got := state(t, faulty); got != want {
				t.Fatalf("final state differs from the fault-free run.\nwith dropped webhooks:\n%s\nwithout:\n%s", got, want)
			}
			if got, want := faulty.applied(), clean.applied(); got != want {
				t.Fatalf("%d writes applied with dropped webhooks, %d without: a change was written twice or lost", got, want)
			}
			if drop.lost == 0 || fixed == 0 {
				t.Fatalf("faults not exercised: %d of %d deliveries dropped, %d writes made by the sweeps", drop.lost, drop.seen, fixed)
			}
			t.Logf("%d of %d webhook deliveries dropped; the sweeps made %d of %d writes", drop.lost, drop.seen, fixed, faulty.applied())
		})
	}
}

// lastTicket escalates one more ticket with a note, then settles.
func lastTicket(t *testing.T, w *world, p pair, settle func()) {
	t.Helper()
	st, err := w.source.agent.CreateTicket(context.Background(), p.escalate)
	if err != nil {
		t.Fatal(err)
	}
	mustNote(t, w.source.agent, st.ID, platform.Note{Kind: p.srcNote, Body: "Customer: one more thing", Public: true})
	settle()
}

// simRequests is the number of API requests kind's simulator has answered.
func (w *world) simRequests(kind platform.Kind) int64 {
	switch kind {
	case platform.Autotask:
		return w.r.Sims.Autotask.Requests()
	case platform.ConnectWise:
		return w.r.Sims.ConnectWise.Requests()
	case platform.Halo:
		return w.r.Sims.Halo.Requests()
	case zendesk.Kind:
		return w.r.Sims.Zendesk.Requests()
	case platform.Graph:
		return w.r.Sims.Graph.Requests()
	}
	w.t.Fatalf("no request count for %s", kind)
	return 0
}

// TestNoOpSweepCost measures what a sweep costs when nothing changed: one
// query to each side's platform, and the DynamoDB requests of the
// schedule's tick and of the sweep itself (the figures in BENCHMARKS.md).
func TestNoOpSweepCost(t *testing.T) {
	ctx := context.Background()
	for _, p := range sweptPairs() {
		t.Run(p.name, func(t *testing.T) {
			w := p.world(t, worldOptions{})
			script(t, w, p, w.settle)
			w.sweep() // the first sweep sees the script's changes
			w.sweep() // and the second sees the first's echoes, if any

			src, dst, db := w.simRequests(p.src), w.simRequests(p.dst), w.r.DynamoDBRequests()
			w.sweep()
			srcCalls, dstCalls, dbSweep := w.simRequests(p.src)-src, w.simRequests(p.dst)-dst, w.r.DynamoDBRequests()-db
			if srcCalls != 1 || dstCalls != 1 {
				t.Errorf("a sweep with nothing to do made %d %s and %d %s requests, want one query each", srcCalls, p.src, dstCalls, p.dst)
			}
			// The schedule's tick, with both sides swept a moment ago: it
			// reads and decides, and queues nothing.
			db = w.r.DynamoDBRequests()
			out, err := w.r.Deps.SweepHandler()(ctx, events.EventBridgeEvent{ID: "bench"})
			if err != nil || out.Queued != 0 {
				t.Fatalf("tick: %+v %v; want nothing due", out, err)
			}
			dbTick := w.r.DynamoDBRequests() - db
			t.Logf("no-op sweep of one connection: %s %d request, %s %d request; DynamoDB %d requests for the two sides' sweeps, %d for the tick that finds neither due",
				p.src, srcCalls, p.dst, dstCalls, dbSweep, dbTick)
		})
	}
	// A support mailbox's side is swept by its inbox delta query.
	for _, p := range mailboxPairs {
		t.Run("Microsoft 365 to "+string(p.partner), func(t *testing.T) {
			w := mailboxWorld(t, p.partner, nil)
			head := w.receive(graphsim.Mail{From: requester, Subject: "Scanner on floor 2 is offline", Text: "Since this morning."})
			w.settle()
			mustNote(t, w.target.agent, w.partnerTicket(head.ID).ID, platform.Note{Kind: p.publicKind, Body: "Engineer on the way.", Public: true})
			w.settle()
			w.sweep()
			w.sweep()

			src, dst, db := w.simRequests(platform.Graph), w.simRequests(p.partner), w.r.DynamoDBRequests()
			w.sweep()
			srcCalls, dstCalls, dbSweep := w.simRequests(platform.Graph)-src, w.simRequests(p.partner)-dst, w.r.DynamoDBRequests()-db
			if srcCalls != 1 || dstCalls != 1 {
				t.Errorf("a sweep with nothing to do made %d Graph and %d %s requests, want one query each", srcCalls, dstCalls, p.partner)
			}
			db = w.r.DynamoDBRequests()
			out, err := w.r.Deps.SweepHandler()(ctx, events.EventBridgeEvent{ID: "bench"})
			if err != nil || out.Queued != 0 {
				t.Fatalf("tick: %+v %v; want nothing due", out, err)
			}
			t.Logf("no-op sweep of one connection: graph %d request, %s %d request; DynamoDB %d requests for the two sides' sweeps, %d for the tick that finds neither due",
				srcCalls, p.partner, dstCalls, dbSweep, w.r.DynamoDBRequests()-db)
		})
	}
}

// A support mailbox whose change notifications are all lost: one sweep of
// the mailbox side (its inbox delta query, from the link its subscription
// recorded) brings the new conversation across, once, and later sweeps
// write nothing.
func TestSweepCatchesLostMailboxNotifications(t *testing.T) {
	for _, p := range mailboxPairs {
		t.Run(string(p.partner), func(t *testing.T) {
			drop := newWebhookDropper(1, 1)
			w := mailboxWorldWith(t, p.partner, nil, worldOptions{hooks: drop.wrap})
			head := w.receive(graphsim.Mail{From: requester, Subject: "Scanner on floor 2 is offline", Text: "Since this morning."})
			w.settle()
			if drop.lost == 0 || w.linked(head.ID) {
				t.Fatalf("the notification was not lost (%d of %d dropped, linked %v)", drop.lost, drop.seen, w.linked(head.ID))
			}
			before := w.simRequests(platform.Graph)
			w.sweep()
			if !w.linked(head.ID) {
				t.Fatal("the sweep did not bring the conversation across")
			}
			if dt := w.partnerTicket(head.ID); dt.Summary != head.Subject {
				t.Fatalf("partner ticket %+v, want the mail's subject", dt)
			}
			if n := w.r.Sims.Count(p.partner); n != 1 {
				t.Fatalf("%d partner tickets, want 1", n)
			}
			t.Logf("the sweep's mailbox side cost %d Graph requests in all (the delta query and the sync it queued)", w.simRequests(platform.Graph)-before)
			// The next sweep sees Tandem's own marks on the mail (its
			// categories) and writes nothing; the one after has nothing to see.
			applied := w.applied()
			w.sweep()
			if w.applied() != applied || w.r.Sims.Count(p.partner) != 1 {
				t.Fatalf("the second sweep wrote: %d writes (was %d), %d partner tickets", w.applied(), applied, w.r.Sims.Count(p.partner))
			}
			g := w.simRequests(platform.Graph)
			w.sweep()
			if calls := w.simRequests(platform.Graph) - g; calls != 1 {
				t.Errorf("a mailbox sweep with nothing to do made %d Graph requests, want the one delta query", calls)
			}
		})
	}
}

package localrun_test

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// webhookDropper loses a fraction of the platforms' webhook deliveries, as
// a platform that gives up after its retries does: the delivery is
// answered 200 and never reaches Tandem. Its random source is seeded, so a
// run drops the same share every time.
type webhookDropper struct {
	rate float64
	mu   sync.Mutex
	rnd  *rand.Rand
	seen int
	lost int
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
		drop := d.rnd.Float64() < d.rate
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
	for i, p := range pairs {
		t.Run(p.name, func(t *testing.T) {
			// Four tickets' lives, so a tenth of the deliveries is several.
			const tickets = 4
			clean := p.world(t, worldOptions{})
			for range tickets {
				script(t, clean, p, clean.settle)
			}
			want := state(t, clean)

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

package localrun_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/budget"
	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/queue/memqueue"
)

// The partner API budget: an Autotask organisation whose hour already holds
// 4,495 calls (44.95 % of Autotask's 10,000, as if other connections and
// integrations had made them) receives a stream of notes. Sync carries on
// until the hour's count reaches 45 %, then holds: the commands wait on
// their queue, below one half of the limit, with no failure and nothing
// dead-lettered, and their messages stay invisible until the next hour
// (one receive, however long the hold). When the hour rolls over every note
// arrives, once and in order. Without the limiter every note crosses within the hour and the
// test fails.
func TestBudgetHoldsSyncBelowHalfOfAutotasksLimit(t *testing.T) {
	ctx := context.Background()
	var p pair
	for _, q := range pairs {
		if q.dst == platform.Autotask {
			p = q
		}
	}
	hour := time.Now().UTC().Truncate(time.Hour)
	clk := clock.NewManual(hour.Add(10 * time.Minute))
	w := p.world(t, worldOptions{clock: clk, queue: memqueue.QueueConfig{VisibilityTimeout: 12 * time.Minute, MaxReceiveCount: 5}})
	st, err := w.source.agent.CreateTicket(ctx, p.escalate)
	if err != nil {
		t.Fatal(err)
	}
	w.settle()
	dt := w.partnerTicket(st.ID).ID

	limit := budget.Limit(platform.Autotask)
	threshold := budget.Threshold(limit)
	calls := func() int64 {
		t.Helper()
		if err := w.r.Deps.Meter.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		hours, err := w.r.Deps.Store.Calls(ctx, w.target.org, hour, hour.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		for _, h := range hours {
			n += h.Calls
		}
		return n
	}
	made := calls()
	if made == 0 {
		t.Fatal("creating the partner ticket counted no Autotask calls")
	}
	if err := w.r.Deps.Store.AddCalls(ctx, w.target.org, hour, threshold-5-made); err != nil {
		t.Fatal(err)
	}
	clk.Advance(budget.FlushInterval) // the meter reads the shared count again

	bodies := make([]string, 10)
	for i := range bodies {
		bodies[i] = fmt.Sprintf("Budget note %c.", 'A'+i)
		mustNote(t, w.source.agent, st.ID, platform.Note{Kind: p.srcNote, Body: bodies[i], Public: true})
		w.r.Sims.Flush()
		w.tickUntilIdle()
	}
	pos := noteOrder(t, w.target.agent, dt, bodies...)
	crossed := 0
	for crossed < len(pos) && pos[crossed] >= 0 {
		crossed++
	}
	for _, q := range pos[crossed:] {
		if q >= 0 {
			t.Fatalf("notes at %v: a later note crossed while an earlier one was held", pos)
		}
	}
	if crossed == 0 || crossed == len(bodies) {
		t.Fatalf("%d of %d notes crossed within the hour: want sync to carry on up to the threshold, then hold", crossed, len(bodies))
	}
	if n := calls(); n >= limit/2 {
		t.Fatalf("the hour holds %d Autotask calls: the limiter must engage below %d, half the limit", n, limit/2)
	}
	cmds := string(platform.Autotask) + "-commands"
	if m := w.r.Broker.Metrics(cmds); m.Delivered == m.Deleted || m.Sent == m.Deleted || m.DeadLettered != 0 {
		t.Fatalf("no held command waits on %s: %+v", cmds, m)
	}
	if fs := w.failures(w.target.org); len(fs) != 0 {
		t.Fatalf("a held change became a failure: %v", fs)
	}
	// Each organisation's usage page shows its own hour, and only its own.
	lastHour := func(org string) (calls, threshold float64) {
		u := w.mustAPI(org, "GET", "/v1/settings/platform/usage", nil, 200)
		hours := u["hours"].([]any)
		last := hours[len(hours)-1].(map[string]any)
		if last["hour"] != hour.Format(time.RFC3339) {
			t.Fatalf("%s's usage ends at %v, want the current hour %s", org, last["hour"], hour.Format(time.RFC3339))
		}
		return last["calls"].(float64), last["threshold"].(float64)
	}
	if c, th := lastHour(w.target.org); c < float64(threshold) || th != float64(threshold) {
		t.Fatalf("the Autotask organisation's usage shows %v calls and threshold %v; want at least %d, and %d", c, th, threshold, threshold)
	}
	if c, _ := lastHour(w.source.org); c >= float64(threshold) {
		t.Fatalf("the partner organisation's usage shows %v calls: the Autotask organisation's count leaked into it", c)
	}

	// Later in the hour, past several visibility timeouts: the held
	// command was kept invisible until the next hour, so it has not come
	// back to burn receives on the way to the dead-letter queue.
	clk.Advance(45 * time.Minute)
	w.tickUntilIdle()
	if m := w.r.Broker.Metrics(cmds); m.Redelivered != 0 {
		t.Fatalf("a held command came back within the hour: %+v", m)
	}
	if err := w.r.Deps.Meter.Check(ctx, w.target.org, limit); err == nil {
		t.Fatal("the budget let sync go on within the same hour")
	}

	// The next hour: the budget is free again and every held note crosses.
	clk.Advance(15 * time.Minute)
	w.tickUntilIdle()
	if m := w.r.Broker.Metrics(cmds); m.Redelivered != 1 {
		t.Fatalf("held commands came back %d times: want once, in the next hour (%+v)", m.Redelivered, m)
	}
	w.settle()
	pos = noteOrder(t, w.target.agent, dt, bodies...)
	for i := range pos {
		if pos[i] < 0 || (i > 0 && pos[i] < pos[i-1]) {
			t.Fatalf("after the hour rolled over the notes are at %v: want all %d, in order", pos, len(bodies))
		}
	}
	for _, q := range []string{cmds, string(p.src) + "-events", string(platform.Autotask) + "-events"} {
		if n := len(w.r.Broker.DLQ(q)); n != 0 {
			t.Fatalf("%d messages dead-lettered on %s", n, q)
		}
	}
	if fs := w.failures(w.target.org); len(fs) != 0 {
		t.Fatalf("failures after the hold: %v", fs)
	}
	// The held writes count in the hour they were made.
	hour = hour.Add(time.Hour)
	if n := calls(); n < int64(len(bodies)-crossed) {
		t.Fatalf("the new hour counts %d Autotask calls, fewer than the %d held notes written in it", n, len(bodies)-crossed)
	}
	t.Logf("%d notes crossed before the hold, %d after the hour rolled over", crossed, len(bodies)-crossed)
}

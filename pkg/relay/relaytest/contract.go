package relaytest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/relay"
)

// RunConcurrencyContract checks that concurrent link writes conflict
// instead of overwriting each other.
func RunConcurrencyContract(t *testing.T, newStore func(t *testing.T) relay.Store) {
	ctx := context.Background()
	t.Run("concurrent link updates: one wins", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.PutLink(ctx, relay.Link{ConnectionID: "conn-1", Key: "acme#T1",
			Source: relay.Side{Org: "acme", TicketID: "T1"}, Target: relay.Side{Org: "msp"}}); err != nil {
			t.Fatal(err)
		}
		var wins, conflicts atomic.Int32
		cur, _ := s.LinkByTicket(ctx, "conn-1", "acme", "T1")
		var wg sync.WaitGroup
		for i := 0; i < 10; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				l := cur
				l.Source.Seq = int64(100 + i)
				_, err := s.PutLink(ctx, l)
				switch {
				case err == nil:
					wins.Add(1)
				case errors.Is(err, relay.ErrConflict):
					conflicts.Add(1)
				default:
					t.Errorf("put: %v", err)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 || conflicts.Load() != 9 {
			t.Fatalf("wins=%d conflicts=%d", wins.Load(), conflicts.Load())
		}
	})

	t.Run("concurrent side writes: one wins per side", func(t *testing.T) {
		s := newStore(t)
		sw, ok := s.(relay.SideWriter)
		if !ok {
			t.Fatalf("%T has no PutSide", s)
		}
		if _, err := s.PutLink(ctx, relay.Link{ConnectionID: "conn-1", Key: "acme#T1",
			Source: relay.Side{Org: "acme", TicketID: "T1"}, Target: relay.Side{Org: "msp", TicketID: "H1"}}); err != nil {
			t.Fatal(err)
		}
		cur, _ := s.LinkByTicket(ctx, "conn-1", "acme", "T1")
		wins := map[string]*atomic.Int32{"acme": {}, "msp": {}}
		var conflicts atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			org := []string{"acme", "msp"}[i%2]
			wg.Add(1)
			go func() {
				defer wg.Done()
				l := cur
				mine, _ := l.SideOf(org)
				mine.Seq = int64(100 + i)
				_, err := sw.PutSide(ctx, l, org)
				switch {
				case err == nil:
					wins[org].Add(1)
				case errors.Is(err, relay.ErrConflict):
					conflicts.Add(1)
				default:
					t.Errorf("put side: %v", err)
				}
			}()
		}
		wg.Wait()
		if wins["acme"].Load() != 1 || wins["msp"].Load() != 1 || conflicts.Load() != 18 {
			t.Fatalf("wins %d (source), %d (target), conflicts %d", wins["acme"].Load(), wins["msp"].Load(), conflicts.Load())
		}
	})
}

// RunStoreContract checks what every relay.Store must do.
func RunStoreContract(t *testing.T, newStore func(t *testing.T) relay.Store) {
	ctx := context.Background()
	link := relay.Link{
		ConnectionID: "conn-1", Key: "acme#T1",
		Source: relay.Side{Org: "acme", Platform: platform.Autotask, TicketID: "T1", Seq: 1,
			Snapshot: relay.Snapshot{Summary: "Printer", Status: "1", Notes: []string{"n1"}, Custom: map[string]string{"Site": "HQ"}}},
		Target: relay.Side{Org: "msp", Platform: platform.Halo},
	}

	t.Run("put, find by either ticket, version moves", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.LinkByTicket(ctx, "conn-1", "acme", "T1"); !errors.Is(err, relay.ErrNoLink) {
			t.Fatalf("before put: %v", err)
		}
		stored, err := s.PutLink(ctx, link)
		if err != nil || stored.Version != 1 {
			t.Fatalf("put: %v version %d", err, stored.Version)
		}
		got, err := s.LinkByTicket(ctx, "conn-1", "acme", "T1")
		if err != nil || got.Source.Snapshot.Custom["Site"] != "HQ" || got.Version != 1 || got.Target.Platform != platform.Halo {
			t.Fatalf("get: %+v %v", got, err)
		}
		got.Target.TicketID = "H9"
		if _, err := s.PutLink(ctx, got); err != nil {
			t.Fatal(err)
		}
		byTarget, err := s.LinkByTicket(ctx, "conn-1", "msp", "H9")
		if err != nil || byTarget.Version != 2 || byTarget.Key != "acme#T1" {
			t.Fatalf("by target ticket: %+v %v", byTarget, err)
		}
		if _, err := s.LinkByTicket(ctx, "conn-2", "msp", "H9"); !errors.Is(err, relay.ErrNoLink) {
			t.Fatalf("other connection sees the link: %v", err)
		}
		if _, err := s.LinkByTicket(ctx, "conn-1", "acme", "H9"); !errors.Is(err, relay.ErrNoLink) {
			t.Fatalf("other org's ticket id resolves: %v", err)
		}
	})

	t.Run("every ticket a side has had finds the newest link", func(t *testing.T) {
		s := newStore(t)
		stored, err := s.PutLink(ctx, link)
		if err != nil {
			t.Fatal(err)
		}
		// The partner ticket is recorded, then the link is written again
		// twice; then either side moves to a follow-up ticket.
		stored.Target.TicketID = "H9"
		for i := range 3 {
			stored.Target.Seq = int64(i)
			if stored, err = s.PutLink(ctx, stored); err != nil {
				t.Fatal(err)
			}
		}
		stored.Target.TicketID = "H10"
		if stored, err = s.PutLink(ctx, stored); err != nil {
			t.Fatal(err)
		}
		stored.Source.TicketID = "T2"
		stored.Source.Snapshot.Summary = "Printer (follow-up)"
		if stored, err = s.PutLink(ctx, stored); err != nil {
			t.Fatal(err)
		}
		for _, tk := range []struct{ org, id string }{{"acme", "T1"}, {"acme", "T2"}, {"msp", "H9"}, {"msp", "H10"}} {
			got, err := s.LinkByTicket(ctx, "conn-1", tk.org, tk.id)
			if err != nil || got.Version != stored.Version || got.Key != "acme#T1" || got.Source.Snapshot.Summary != "Printer (follow-up)" {
				t.Fatalf("by %s/%s: version %d (want %d), %+v, %v", tk.org, tk.id, got.Version, stored.Version, got, err)
			}
		}
		if _, err := s.LinkByTicket(ctx, "conn-1", "msp", "T2"); !errors.Is(err, relay.ErrNoLink) {
			t.Fatalf("the other org's ticket id resolves: %v", err)
		}
	})

	t.Run("a stale write that would index a new ticket conflicts and indexes nothing", func(t *testing.T) {
		s := newStore(t)
		stored, err := s.PutLink(ctx, link)
		if err != nil {
			t.Fatal(err)
		}
		moved := stored
		moved.Source.Seq = 2
		if _, err := s.PutLink(ctx, moved); err != nil {
			t.Fatal(err)
		}
		stored.Target.TicketID = "H7"
		if _, err := s.PutLink(ctx, stored); !errors.Is(err, relay.ErrConflict) {
			t.Fatalf("stale write: %v", err)
		}
		if _, err := s.LinkByTicket(ctx, "conn-1", "msp", "H7"); !errors.Is(err, relay.ErrNoLink) {
			t.Fatalf("the refused write indexed its ticket: %v", err)
		}
	})

	t.Run("link by its key", func(t *testing.T) {
		s := newStore(t)
		ll, ok := s.(relay.LinkLedger)
		if !ok {
			t.Fatalf("%T cannot read a link by its key", s)
		}
		if _, err := ll.LinkByKey(ctx, "conn-1", "acme#T1"); !errors.Is(err, relay.ErrNoLink) {
			t.Fatalf("before put: %v", err)
		}
		stored, err := s.PutLink(ctx, link)
		if err != nil {
			t.Fatal(err)
		}
		stored.Target.TicketID = "H9"
		if stored, err = s.PutLink(ctx, stored); err != nil {
			t.Fatal(err)
		}
		got, err := ll.LinkByKey(ctx, "conn-1", "acme#T1")
		if err != nil || got.Version != stored.Version || got.Target.TicketID != "H9" {
			t.Fatalf("by key: %+v %v", got, err)
		}
		if _, err := ll.LinkByKey(ctx, "conn-2", "acme#T1"); !errors.Is(err, relay.ErrNoLink) {
			t.Fatalf("other connection sees the link: %v", err)
		}
	})

	t.Run("a side is written alone: the other side's writes pass it, its own conflict", func(t *testing.T) {
		s := newStore(t)
		sw, ok := s.(relay.SideWriter)
		if !ok {
			t.Fatalf("%T writes both sides of a link in every write (no PutSide)", s)
		}
		stored, err := s.PutLink(ctx, link)
		if err != nil {
			t.Fatal(err)
		}
		// An event moves the source side while the command it sent records
		// the partner ticket on the target side, both from the same read.
		event, command := stored, stored
		event.Source.Snapshot = relay.Snapshot{Summary: "Printer", Status: "2", Notes: []string{"n1", "n2"}}
		event.Source.Seq = 2
		command.Target.TicketID = "H9"
		command.Target.Seq = 1
		if _, err := sw.PutSide(ctx, command, "msp"); err != nil {
			t.Fatalf("the command's side: %v", err)
		}
		if _, err := sw.PutSide(ctx, event, "acme"); err != nil {
			t.Fatalf("the event's side, after the other side moved: %v", err)
		}
		got, err := s.LinkByTicket(ctx, "conn-1", "msp", "H9")
		if err != nil || got.Source.Snapshot.Status != "2" || got.Source.Seq != 2 || got.Target.TicketID != "H9" || got.Target.Seq != 1 || got.Key != link.Key {
			t.Fatalf("both sides' writes kept: %+v %v", got, err)
		}
		// A second writer of a side from the same read conflicts, as does
		// a whole write from before either side moved.
		late := stored
		late.Source.Snapshot.Status = "3"
		if _, err := sw.PutSide(ctx, late, "acme"); !errors.Is(err, relay.ErrConflict) {
			t.Fatalf("a stale write of the same side: %v", err)
		}
		if _, err := s.PutLink(ctx, stored); !errors.Is(err, relay.ErrConflict) {
			t.Fatalf("a whole write from before the side writes: %v", err)
		}
		// What a side write returns writes that side again; a whole write
		// of the link as read now succeeds.
		again, err := sw.PutSide(ctx, got, "msp")
		if err != nil {
			t.Fatal(err)
		}
		again.Target.Seq = 7
		if again, err = sw.PutSide(ctx, again, "msp"); err != nil {
			t.Fatalf("the side as its write returned it: %v", err)
		}
		now, err := s.LinkByTicket(ctx, "conn-1", "acme", "T1")
		if err != nil || now.Target.Seq != 7 || now.Source.Snapshot.Status != "2" {
			t.Fatalf("after the rewrites: %+v %v", now, err)
		}
		if _, err := s.PutLink(ctx, now); err != nil {
			t.Fatalf("a whole write of the link as read: %v", err)
		}
	})

	t.Run("a stale side write that would index a new ticket conflicts and indexes nothing", func(t *testing.T) {
		s := newStore(t)
		sw, ok := s.(relay.SideWriter)
		if !ok {
			t.Fatalf("%T has no PutSide", s)
		}
		stored, err := s.PutLink(ctx, link)
		if err != nil {
			t.Fatal(err)
		}
		moved := stored
		moved.Target.Blocked = "f-1"
		if _, err := sw.PutSide(ctx, moved, "msp"); err != nil {
			t.Fatal(err)
		}
		stored.Target.TicketID = "H7"
		if _, err := sw.PutSide(ctx, stored, "msp"); !errors.Is(err, relay.ErrConflict) {
			t.Fatalf("stale side write: %v", err)
		}
		if _, err := s.LinkByTicket(ctx, "conn-1", "msp", "H7"); !errors.Is(err, relay.ErrNoLink) {
			t.Fatalf("the refused write indexed its ticket: %v", err)
		}
		// From a fresh read it lands, and the ticket finds the link.
		fresh, err := s.LinkByTicket(ctx, "conn-1", "acme", "T1")
		if err != nil {
			t.Fatal(err)
		}
		fresh.Target.TicketID = "H7"
		if _, err := sw.PutSide(ctx, fresh, "msp"); err != nil {
			t.Fatal(err)
		}
		if got, err := s.LinkByTicket(ctx, "conn-1", "msp", "H7"); err != nil || got.Key != link.Key || got.Target.Blocked != "f-1" {
			t.Fatalf("by the new ticket: %+v %v", got, err)
		}
	})

	t.Run("stale and duplicate creates conflict", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.PutLink(ctx, link); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PutLink(ctx, link); !errors.Is(err, relay.ErrConflict) {
			t.Fatalf("second create: %v", err)
		}
	})

	t.Run("command ledger", func(t *testing.T) {
		s := newStore(t)
		if done, err := s.Done(ctx, "cmd-1"); err != nil || done {
			t.Fatalf("fresh: %v %v", done, err)
		}
		if err := s.MarkDone(ctx, "cmd-1", time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if done, err := s.Done(ctx, "cmd-1"); err != nil || !done {
			t.Fatalf("after mark: %v %v", done, err)
		}
		if done, _ := s.Done(ctx, "cmd-2"); done {
			t.Fatal("other id done")
		}
	})

	t.Run("ledger mark with its log entry in one request", func(t *testing.T) {
		s := newStore(t)
		dl, ok := s.(relay.DoneLogger)
		if !ok {
			t.Fatalf("%T records the mark and the entry in two requests (no MarkDoneWithLog)", s)
		}
		at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
		e := relay.LogEntry{ConnectionID: "conn-1", At: at, Outcome: relay.Applied, Org: "msp", Ticket: "acme#T1", What: "add note"}
		if err := dl.MarkDoneWithLog(ctx, "cmd-9", at.Add(time.Hour), e); err != nil {
			t.Fatal(err)
		}
		if done, err := s.Done(ctx, "cmd-9"); err != nil || !done {
			t.Fatalf("after mark: %v %v", done, err)
		}
		got, err := s.QueryLog(ctx, "conn-1", relay.LogQuery{Limit: 10})
		if err != nil || len(got) != 1 || got[0].What != "add note" || got[0].Ticket != "acme#T1" || !got[0].At.Equal(at) {
			t.Fatalf("log %+v %v", got, err)
		}
	})

	t.Run("ledger entry with the link in one request", func(t *testing.T) {
		s := newStore(t)
		ll, ok := s.(relay.LinkLedger)
		if !ok {
			t.Fatalf("%T reads the ledger and the link in two requests (no DoneWithLink)", s)
		}
		if done, _, linkErr, err := ll.DoneWithLink(ctx, "cmd-5", "conn-1", "acme#T1"); err != nil || done || !errors.Is(linkErr, relay.ErrNoLink) {
			t.Fatalf("nothing stored: done %v, link error %v, error %v", done, linkErr, err)
		}
		if _, err := s.PutLink(ctx, link); err != nil {
			t.Fatal(err)
		}
		done, got, linkErr, err := ll.DoneWithLink(ctx, "cmd-5", "conn-1", "acme#T1")
		if err != nil || done || linkErr != nil || got.Key != link.Key || got.Version != 1 || got.Source.Snapshot.Summary != "Printer" {
			t.Fatalf("linked: done %v, link %+v, link error %v, error %v", done, got, linkErr, err)
		}
		if err := s.MarkDone(ctx, "cmd-5", time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if done, _, _, err := ll.DoneWithLink(ctx, "cmd-5", "conn-1", "acme#T1"); err != nil || !done {
			t.Fatalf("after the mark: done %v, error %v", done, err)
		}
	})

	t.Run("log newest first, filtered, paged", func(t *testing.T) {
		s := newStore(t)
		t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
		for i, e := range []relay.LogEntry{
			{ConnectionID: "conn-1", Org: "msp", Ticket: "acme#T1", Outcome: relay.Applied, What: "create ticket"},
			{ConnectionID: "conn-1", Org: "msp", Ticket: "acme#T2", Outcome: relay.Skipped, What: "status \"7\"", Reason: "unmapped"},
			{ConnectionID: "conn-1", Org: "acme", Ticket: "acme#T1", Outcome: relay.Failed, What: "add note", Reason: "refused"},
			{ConnectionID: "conn-2", Org: "acme", Ticket: "acme#T1", Outcome: relay.Applied, What: "other connection"},
			{ConnectionID: "conn-1", Org: "acme", Ticket: "acme#T1", Outcome: relay.Applied, What: "update ticket"},
		} {
			e.At = t0.Add(time.Duration(i) * time.Second)
			if err := s.AppendLog(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		whats := func(q relay.LogQuery, conns ...string) ([]string, string) {
			t.Helper()
			if q.Limit == 0 {
				q.Limit = 10
			}
			page, err := relay.ReadLog(ctx, s, conns, q)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range page.Entries {
				out = append(out, e.What)
			}
			return out, page.Next
		}
		for _, tc := range []struct {
			name  string
			q     relay.LogQuery
			conns []string
			want  []string
		}{
			{"all of one connection", relay.LogQuery{}, []string{"conn-1"}, []string{"update ticket", "add note", "status \"7\"", "create ticket"}},
			{"two connections merged", relay.LogQuery{}, []string{"conn-1", "conn-2"}, []string{"update ticket", "other connection", "add note", "status \"7\"", "create ticket"}},
			{"ticket id", relay.LogQuery{Ticket: "T1"}, []string{"conn-1"}, []string{"update ticket", "add note", "create ticket"}},
			{"outcome", relay.LogQuery{Outcome: relay.Failed}, []string{"conn-1"}, []string{"add note"}},
			{"inbound for acme", relay.LogQuery{Viewer: "acme", Direction: relay.Inbound}, []string{"conn-1"}, []string{"update ticket", "add note"}},
			{"outbound for acme", relay.LogQuery{Viewer: "acme", Direction: relay.Outbound}, []string{"conn-1"}, []string{"status \"7\"", "create ticket"}},
			{"period, to exclusive", relay.LogQuery{From: t0.Add(time.Second), To: t0.Add(4 * time.Second)}, []string{"conn-1"}, []string{"add note", "status \"7\""}},
			{"nothing", relay.LogQuery{Ticket: "T9"}, []string{"conn-1"}, nil},
		} {
			if got, next := whats(tc.q, tc.conns...); !slices.Equal(got, tc.want) || next != "" {
				t.Errorf("%s: %q next %q, want %q", tc.name, got, next, tc.want)
			}
		}
		// Pages of two over both connections: every entry once, in order.
		var paged []string
		q := relay.LogQuery{Limit: 2}
		for pages := 0; ; pages++ {
			got, next := whats(q, "conn-1", "conn-2")
			paged = append(paged, got...)
			if next == "" {
				break
			}
			if pages > 5 {
				t.Fatal("paging does not end")
			}
			q.Before = next
		}
		if want := []string{"update ticket", "other connection", "add note", "status \"7\"", "create ticket"}; !slices.Equal(paged, want) {
			t.Fatalf("paged %q, want %q", paged, want)
		}
		// A page that ends exactly at the last entry has no next page.
		if got, next := whats(relay.LogQuery{Limit: 4}, "conn-1"); len(got) != 4 || next != "" {
			t.Fatalf("exact page: %q next %q", got, next)
		}
	})

}

package localrun_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/simfault"
)

// attention lists the connection's attention items as org sees them.
func (w *world) attention(org string) []map[string]any {
	w.t.Helper()
	out := w.mustAPI(org, "GET", "/v1/connections/"+w.connID+"/attention", nil, 200)
	var items []map[string]any
	for _, a := range out["attention"].([]any) {
		items = append(items, a.(map[string]any))
	}
	return items
}

func ofKind(items []map[string]any, kind string) []map[string]any {
	var out []map[string]any
	for _, a := range items {
		if a["kind"] == kind {
			out = append(out, a)
		}
	}
	return out
}

// A source status the target does not map is reported once however many
// changes carry it, to both organisations (a third gets 404 as on every
// connection route), and disappears once the target's configuration maps
// it.
func TestUnmappedStatusIsReportedOnceAndClearedByAMappingEndToEnd(t *testing.T) {
	ctx := context.Background()
	p := pairs[0]
	w := p.world(t, worldOptions{})
	st, err := w.source.agent.CreateTicket(ctx, p.escalate)
	if err != nil {
		t.Fatal(err)
	}
	w.settle()
	if got := w.attention("msp"); len(got) != 0 {
		t.Fatalf("attention before any problem: %v", got)
	}
	// Three changes to the unmapped status, with mapped ones in between.
	for range 3 {
		for _, s := range []string{p.unmappedSrcStatus, p.escalate.Status} {
			if err := w.source.agent.UpdateTicket(ctx, st.ID, platform.TicketUpdate{Status: ptr(s)}); err != nil {
				t.Fatal(err)
			}
			w.settle()
		}
	}
	skipped := 0
	for _, e := range w.log("msp", "") {
		if e["outcome"] == "skipped" && strings.Contains(e["what"].(string), `status "`+p.unmappedSrcStatus+`"`) {
			skipped++
		}
	}
	if skipped != 3 {
		t.Fatalf("the sync log skipped the unmapped status %d times, want each of the 3 changes", skipped)
	}
	for _, org := range []string{"msp", "cust"} {
		items := w.attention(org)
		if len(items) != 1 {
			t.Fatalf("%s sees %d items, want the one problem once: %v", org, len(items), items)
		}
		a := items[0]
		if a["kind"] != "unmappedValue" || a["org"] != "msp" || a["field"] != "status" || a["value"] != p.unmappedSrcStatus ||
			a["ticket"] != "cust#"+st.ID || a["yours"] != (org == "msp") || a["count"].(float64) < 1 {
			t.Fatalf("%s sees %v", org, a)
		}
	}
	if status, _ := w.api("intruder", "GET", "/v1/connections/"+w.connID+"/attention", nil); status != http.StatusNotFound {
		t.Fatalf("a third organisation got %d, want 404", status)
	}

	cfg := p.dstCfg
	cfg.StatusMappings = append(append([]integration.Mapping(nil), cfg.StatusMappings...), integration.Mapping{Partner: p.unmappedSrcStatus, Mine: p.want.Status})
	w.configure("msp", cfg)
	if got := w.attention("cust"); len(got) != 0 {
		t.Fatalf("attention after the mapping was saved: %v", got)
	}
}

// reopenWorld escalates a ticket, lets the target close it (which closes
// the source's), and has the source reopen it while the target refuses
// the reopening: Halo answers the update with its validation error.
func reopenWorld(t *testing.T, onRefused string) (w *world, sourceID, original string) {
	ctx := context.Background()
	p := pairs[0] // Autotask to Halo
	w = newWorld(t, p.src, p.dst, worldOptions{})
	cfg := p.dstCfg
	cfg.OnRefusedTransition = onRefused
	w.configure("msp", cfg)
	w.configure("cust", p.srcCfg)
	st, err := w.source.agent.CreateTicket(ctx, p.escalate)
	if err != nil {
		t.Fatal(err)
	}
	w.settle()
	original = w.partnerTicket(st.ID).ID
	if err := w.target.agent.CloseTicket(ctx, original, ""); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if src, _ := w.source.agent.GetTicket(ctx, st.ID); !src.Closed {
		t.Fatalf("the source did not close with its partner: %+v", src)
	}
	refuse := routes[p.dst].update
	failNext(w, p.dst, simfault.Fault{Method: refuse.Method, Path: refuse.Path, Message: "Closed tickets cannot be re-opened"}, simfault.Invalid)
	if err := w.source.agent.UpdateTicket(ctx, st.ID, platform.TicketUpdate{Status: ptr(p.statusChange())}); err != nil {
		t.Fatal(err)
	}
	w.settle()
	return w, st.ID, original
}

// With the default (log), a refused reopening is a failure record holding
// the ticket and one attention item naming it; skipping the failure
// clears both.
func TestRefusedReopenIsLoggedOnTheAttentionListEndToEnd(t *testing.T) {
	w, sourceID, original := reopenWorld(t, "")
	fs := w.failures("msp")
	if len(fs) != 1 {
		t.Fatalf("failures %v, want the refused reopening", fs)
	}
	items := ofKind(w.attention("cust"), "refusedTransition")
	if len(items) != 1 {
		t.Fatalf("attention %v, want one refused transition", w.attention("cust"))
	}
	a := items[0]
	if a["org"] != "msp" || a["targetTicket"] != original || a["failure"] != fs[0]["id"] || a["ticket"] != "cust#"+sourceID ||
		!strings.Contains(a["message"].(string), "Closed tickets cannot be re-opened") || a["followUp"] != nil {
		t.Fatalf("item %v, want msp's refusal of %s naming failure %v", a, original, fs[0]["id"])
	}
	w.mustAPI("msp", "POST", "/v1/connections/"+w.connID+"/failures/"+fs[0]["id"].(string)+"/skip", nil, 202)
	w.settle()
	if got := ofKind(w.attention("msp"), "refusedTransition"); len(got) != 0 || len(w.failures("msp")) != 0 {
		t.Fatalf("after skip: attention %v, failures %v", got, w.failures("msp"))
	}
}

// With followUp, the target opens a follow-up ticket that names the
// refused one; the link moves to it, so the ticket's later changes land
// there (and its own changes come back), and the log and the attention
// item show both tickets.
func TestRefusedReopenOpensALinkedFollowUpEndToEnd(t *testing.T) {
	ctx := context.Background()
	p := pairs[0]
	w, sourceID, original := reopenWorld(t, integration.RefusedFollowUp)
	if fs := w.failures("msp"); len(fs) != 0 {
		t.Fatalf("failures %v: the follow-up took the change", fs)
	}
	followUp := w.partnerTicket(sourceID)
	if followUp.ID == original || followUp.Closed || followUp.Summary != p.escalate.Summary {
		t.Fatalf("partner ticket %+v, want an open follow-up of %s", followUp, original)
	}
	if n := w.r.Sims.Count(p.dst); n != 2 {
		t.Fatalf("%s holds %d tickets, want the original and its follow-up", p.dst, n)
	}
	items := ofKind(w.attention("msp"), "refusedTransition")
	if len(items) != 1 || items[0]["followUp"] != followUp.ID || items[0]["targetTicket"] != original {
		t.Fatalf("attention %v, want the refusal of %s with follow-up %s", items, original, followUp.ID)
	}
	found := false
	for _, e := range w.log("cust", "") {
		if e["what"] == "open follow-up ticket" && e["targetTicket"] == followUp.ID && strings.Contains(e["reason"].(string), original) {
			found = true
		}
	}
	if !found {
		t.Fatalf("no log entry links follow-up %s to %s: %v", followUp.ID, original, w.log("cust", ""))
	}

	// Later changes go to the follow-up, and its own come back.
	mustNote(t, w.source.agent, sourceID, platform.Note{Kind: p.srcNote, Body: "Customer: still broken", Public: true})
	w.settle()
	assertNotes(t, w.target.agent, followUp.ID, map[string]bool{"Customer: still broken": true})
	mustNote(t, w.target.agent, followUp.ID, platform.Note{Kind: p.dstNote, Body: "MSP: on it again", Public: true})
	w.settle()
	assertNotes(t, w.source.agent, sourceID, map[string]bool{"MSP: on it again": true})

	// A status change that now succeeds on the follow-up clears the item.
	if err := w.source.agent.UpdateTicket(ctx, sourceID, platform.TicketUpdate{Status: ptr(p.escalate.Status)}); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if got := ofKind(w.attention("msp"), "refusedTransition"); len(got) != 0 {
		t.Fatalf("attention after a successful transition: %v", got)
	}
}

// webhookSwitch loses every webhook delivery while off, as a platform that
// disabled its webhook does.
type webhookSwitch struct{ off atomic.Bool }

func (s *webhookSwitch) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.off.Load() && strings.HasPrefix(r.URL.Path, "/webhooks/") {
			_, _ = io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusOK)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Webhooks that stop while the sweep keeps finding the changes they
// missed are reported for the side whose platform stopped, with its hint,
// after sweeps 30 minutes apart; the first webhook to arrive again clears
// the item.
func TestStoppedWebhooksAreReportedUntilTheyResumeEndToEnd(t *testing.T) {
	ctx := context.Background()
	p := pairs[0] // Autotask to Halo
	clk := clock.NewManual(time.Now().UTC())
	hooks := &webhookSwitch{}
	w := p.world(t, worldOptions{clock: clk, hooks: hooks.wrap})
	st, err := w.source.agent.CreateTicket(ctx, p.escalate)
	if err != nil {
		t.Fatal(err)
	}
	w.settle()
	dtID := w.partnerTicket(st.ID).ID
	// The source's first sweep is the activation's initial sync, which
	// says nothing about webhooks; the ordinary sweeps follow.
	w.sweep()
	clk.Advance(16 * time.Minute)

	hooks.off.Store(true)
	for i, body := range []string{"first", "second", "third"} {
		mustNote(t, w.source.agent, st.ID, platform.Note{Kind: p.srcNote, Body: "Customer: " + body, Public: true})
		w.settle()
		w.sweep()
		assertNotes(t, w.target.agent, dtID, map[string]bool{"Customer: " + body: true}) // the sweep carried it
		items := ofKind(w.attention("msp"), "webhooksStopped")
		if i < 2 && len(items) != 0 {
			t.Fatalf("after %d sweeps %d minutes apart: %v; too soon to tell", i+1, i*16, items)
		}
		if i == 2 {
			if len(items) != 1 || items[0]["org"] != "cust" || items[0]["platform"] != "autotask" ||
				!strings.Contains(items[0]["message"].(string), "Autotask") || !strings.Contains(items[0]["hint"].(string), "25 consecutive") {
				t.Fatalf("attention %v, want cust's Autotask webhooks reported with Autotask's hint", items)
			}
		}
		clk.Advance(16 * time.Minute)
	}

	hooks.off.Store(false)
	mustNote(t, w.source.agent, st.ID, platform.Note{Kind: p.srcNote, Body: "Customer: webhooks are back", Public: true})
	w.settle()
	if items := ofKind(w.attention("cust"), "webhooksStopped"); len(items) != 0 {
		t.Fatalf("attention after a webhook arrived: %v", items)
	}
}

// attentionRequests counts the DynamoDB requests that touch attention
// items or webhook watches.
type attentionRequests struct {
	mu            sync.Mutex
	reads, writes int
}

func (a *attentionRequests) wrap(next dynamodb.HTTPClient) dynamodb.HTTPClient {
	return doerFunc(func(req *http.Request) (*http.Response, error) {
		if req.Body != nil {
			body, _ := io.ReadAll(req.Body)
			req.Body = io.NopCloser(strings.NewReader(string(body)))
			if strings.Contains(string(body), `"ATTN#`) || strings.Contains(string(body), `"WATCH#`) {
				a.mu.Lock()
				if strings.HasSuffix(req.Header.Get("X-Amz-Target"), ".GetItem") || strings.HasSuffix(req.Header.Get("X-Amz-Target"), ".Query") {
					a.reads++
				} else {
					a.writes++
				}
				a.mu.Unlock()
			}
		}
		return next.Do(req)
	})
}

// While nothing is wrong the attention list costs no write, and each
// side's webhooks read the side's watch at most once a minute, whatever
// the number of changes.
func TestAttentionCostsNoWriteWhileNothingIsWrong(t *testing.T) {
	for _, p := range psaPairs() {
		t.Run(p.name, func(t *testing.T) {
			count := &attentionRequests{}
			w := p.world(t, worldOptions{dynamo: count.wrap})
			for range 3 {
				script(t, w, p, w.settle)
			}
			w.sweep()
			t.Logf("three tickets' lives and a sweep of both sides: %d DynamoDB writes and %d reads for the attention list (%d DynamoDB requests in all)", count.writes, count.reads, w.r.DynamoDBRequests())
			if count.writes != 0 || count.reads > 2 {
				t.Fatalf("%d writes and %d reads of attention items and webhook watches, want none and at most one read per side", count.writes, count.reads)
			}
			if got := w.attention("msp"); len(got) != 0 {
				t.Fatalf("attention %v while nothing is wrong", got)
			}
		})
	}
}

package localrun_test

// Issue 10, "writes that cannot duplicate": each platform, as the receiving
// side, applies a write and then fails (a 500, or a dropped connection), and
// the change still lands exactly once; the store fails after a partner
// create and the redelivered command adopts the ticket instead of creating
// another.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/localrun"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/simfault"
)

// An Autotask customer escalating to an MSP whose service desk is a
// Microsoft 365 mailbox: tickets are mails the mailbox sends, notes replies.
var (
	graphFromAutotask = integration.Config{
		StatusMappings:   []integration.Mapping{{Partner: "1", Mine: "New"}, {Partner: "8", Mine: "In Progress"}, {Partner: "5", Mine: "Resolved"}},
		DefaultStatus:    "New",
		PriorityMappings: []integration.Mapping{{Partner: "1", Mine: "high"}, {Partner: "2", Mine: "normal"}, {Partner: "3", Mine: "low"}, {Partner: "4", Mine: "high"}},
		ActionMappings:   []integration.ActionMapping{{Partner: "3", Mine: "reply", Visibility: integration.Public}},
		DefaultAction:    "reply",
	}
	autotaskFromGraph = integration.Config{
		DefaultAction: "2",
		Outbound:      integration.Outbound{Actions: []string{"3"}},
		Escalation:    integration.EscalationRule{Queues: []string{localrun.DemoEscalationQueue}},
	}
	autotaskToGraph = pair{
		name: "Autotask to Microsoft 365", src: platform.Autotask, dst: platform.Graph,
		srcCfg: autotaskFromGraph, dstCfg: graphFromAutotask,
		escalate: platform.Ticket{Summary: "Printer on floor 3 jams", Description: "Every job since Monday", Queue: localrun.DemoEscalationQueue, Priority: "1", Status: "1"},
		srcNote:  "3",
	}
)

// writeRoutes are where each receiving platform takes a create, a note and
// a status change (simfault matches a path by substring).
type writeRoutes struct {
	create, note, update simfault.Fault
}

var routes = map[platform.Kind]writeRoutes{
	platform.Autotask: {
		create: simfault.Fault{Method: http.MethodPost, Path: "/V1.0/Tickets"},
		note:   simfault.Fault{Method: http.MethodPost, Path: "/Notes"},
		update: simfault.Fault{Method: http.MethodPatch, Path: "/V1.0/Tickets"},
	},
	platform.ConnectWise: {
		create: simfault.Fault{Method: http.MethodPost, Path: "/service/tickets"},
		note:   simfault.Fault{Method: http.MethodPost, Path: "/notes"},
		update: simfault.Fault{Method: http.MethodPatch, Path: "/service/tickets/"},
	},
	platform.Halo: {
		create: simfault.Fault{Method: http.MethodPost, Path: "/api/tickets"},
		note:   simfault.Fault{Method: http.MethodPost, Path: "/api/actions"},
		update: simfault.Fault{Method: http.MethodPost, Path: "/api/tickets"}, // Halo updates with a POST too
	},
	platform.Graph: {
		create: simfault.Fault{Method: http.MethodPost, Path: "/messages"}, // the draft
		note:   simfault.Fault{Method: http.MethodPost, Path: "/send"},     // the reply's send
		update: simfault.Fault{Method: http.MethodPatch, Path: "/messages/"},
	},
}

// worldFor builds p's world, each side configured through the API.
func worldFor(t *testing.T, p pair, o worldOptions) *world { return p.world(t, o) }

// failNext makes kind's simulator apply the next request f matches and
// then fail it in mode.
func failNext(w *world, kind platform.Kind, f simfault.Fault, mode simfault.Mode) {
	f.Mode, f.Count = mode, 1
	sims := w.r.Sims
	switch kind {
	case platform.Autotask:
		sims.Autotask.InjectFault(f)
	case platform.ConnectWise:
		sims.ConnectWise.InjectFault(f)
	case platform.Halo:
		sims.Halo.InjectFault(f)
	case platform.Graph:
		sims.Graph.InjectFault(f)
	}
}

// partnerTickets counts the tickets on the target that came from Tandem:
// on Microsoft 365, the mails the mailbox sent (or left as drafts) with the
// summary as subject; a copy the mailbox received of its own mail is not
// another ticket.
func (w *world) partnerTickets(summary string) int {
	if w.target.kind != platform.Graph {
		return w.r.Sims.Count(w.target.kind)
	}
	n := 0
	for _, m := range w.r.Sims.Graph.Messages(w.r.Sims.Graph.Integration.Mailbox) {
		if m.Subject == summary && m.From == w.r.Sims.Graph.Integration.Mailbox && m.Folder != "inbox" {
			n++
		}
	}
	return n
}

// logged counts the target's sync-log entries with outcome whose what
// starts with what.
func (w *world) logged(outcome, what string) int {
	n := 0
	for _, e := range w.log(w.target.org, "") {
		if e["outcome"] == outcome && strings.HasPrefix(e["what"].(string), what) {
			n++
		}
	}
	return n
}

// On every platform, a create, a note and a status change that the platform
// applies and then fails (500, or the connection dropped before the answer)
// end as exactly one partner ticket, one note and one status change.
func TestAppliedThenFailedWritesLandOnce(t *testing.T) {
	targets := []pair{pairs[2], pairs[1], pairs[0], autotaskToGraph} // Autotask, ConnectWise, Halo, Microsoft 365
	modes := []struct {
		name string
		mode simfault.Mode
	}{{"500 after the write", simfault.ApplyThenFail}, {"connection dropped after the write", simfault.ApplyThenDrop}}
	for _, p := range targets {
		for _, m := range modes {
			t.Run(string(p.dst)+"/"+m.name, func(t *testing.T) {
				ctx := context.Background()
				w := worldFor(t, p, worldOptions{noWebhook: platform.Graph})
				r := routes[p.dst]

				failNext(w, p.dst, r.create, m.mode)
				st, err := w.source.agent.CreateTicket(ctx, p.escalate)
				if err != nil {
					t.Fatal(err)
				}
				w.settle()
				if n := w.partnerTickets(p.escalate.Summary); n != 1 {
					t.Fatalf("%s holds %d partner tickets, want 1", p.dst, n)
				}
				dt := w.partnerTicket(st.ID)

				if n := w.logged("applied", "create ticket"); n != 1 {
					t.Errorf("%d creates applied, want 1", n)
				}
				notes := w.logged("applied", "add note") // notes that crossed with the create

				failNext(w, p.dst, r.note, m.mode)
				mustNote(t, w.source.agent, st.ID, platform.Note{Kind: p.srcNote, Body: "Customer: started after the update", Public: true})
				w.settle()
				assertNotes(t, w.target.agent, dt.ID, map[string]bool{"Customer: started after the update": true})
				if n := w.logged("applied", "add note") - notes; n != 1 {
					t.Errorf("%d notes applied, want 1", n)
				}

				failNext(w, p.dst, r.update, m.mode)
				if err := w.source.agent.UpdateTicket(ctx, st.ID, platform.TicketUpdate{Status: ptr(p.statusChange())}); err != nil {
					t.Fatal(err)
				}
				w.settle()
				got, err := w.target.agent.GetTicket(ctx, dt.ID)
				if err != nil {
					t.Fatal(err)
				}
				if want := p.statusChangeOnTarget(); got.Status != want {
					t.Fatalf("partner status %q, want %q", got.Status, want)
				}
				if n := w.logged("applied", "update ticket"); n != 1 {
					t.Errorf("%d updates applied, want 1", n)
				}
				if n := len(w.r.Broker.DLQ(string(p.dst) + "-commands")); n != 0 {
					t.Fatalf("%d commands dead-lettered", n)
				}
				if n := w.partnerTickets(p.escalate.Summary); n != 1 {
					t.Fatalf("%s holds %d partner tickets at the end, want 1", p.dst, n)
				}
			})
		}
	}
}

// statusChange is a source status the target maps, and what it becomes.
func (p pair) statusChange() string {
	switch p.src {
	case platform.Autotask:
		return "8" // In Progress
	case platform.Halo:
		return "2"
	}
	return "2" // ConnectWise
}

func (p pair) statusChangeOnTarget() string {
	for _, m := range p.dstCfg.StatusMappings {
		if m.Partner == p.statusChange() {
			return m.Mine
		}
	}
	return ""
}

// failTicketIndexWrite fails every DynamoDB write of a link that indexes a
// ticket of org (the link write that records the partner ticket after its
// create), until the SDK has given up once: the store failed after the
// partner create.
type failTicketIndexWrite struct {
	org    string
	mu     sync.Mutex
	failed int  // requests failed
	done   bool // the SDK gave up on one call
}

func (f *failTicketIndexWrite) wrap(next dynamodb.HTTPClient) dynamodb.HTTPClient {
	return doerFunc(func(req *http.Request) (*http.Response, error) {
		if !strings.HasSuffix(req.Header.Get("X-Amz-Target"), ".TransactWriteItems") || req.Body == nil {
			return next.Do(req)
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		f.mu.Lock()
		fail := !f.done && bytes.Contains(body, []byte(`"TICKET#`+f.org+`#`))
		if fail {
			f.failed++
			// amz-sdk-request: attempt=N; max=M — the last attempt gives up.
			var n, max int
			fmt.Sscanf(req.Header.Get("amz-sdk-request"), "attempt=%d; max=%d", &n, &max)
			f.done = n >= max
		}
		f.mu.Unlock()
		if !fail {
			return next.Do(req)
		}
		return &http.Response{
			StatusCode: http.StatusInternalServerError, Request: req,
			Header: http.Header{"Content-Type": {"application/x-amz-json-1.0"}},
			Body:   io.NopCloser(strings.NewReader(`{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}`)),
		}, nil
	})
}

type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(req *http.Request) (*http.Response, error) { return f(req) }

// The store fails after the partner create, before the link records the
// partner ticket; the command is redelivered, finds the ticket by the
// marker the create carried, and adopts it: one partner ticket.
func TestStoreFailureAfterPartnerCreateLeavesOneTicket(t *testing.T) {
	for _, p := range []pair{pairs[0], pairs[1], pairs[2], autotaskToGraph} {
		t.Run(string(p.dst), func(t *testing.T) {
			ctx := context.Background()
			store := &failTicketIndexWrite{org: "msp"}
			w := worldFor(t, p, worldOptions{dynamo: store.wrap, noWebhook: platform.Graph})
			st, err := w.source.agent.CreateTicket(ctx, p.escalate)
			if err != nil {
				t.Fatal(err)
			}
			w.settle()
			if !store.done || store.failed == 0 {
				t.Fatalf("the store never failed the link write (%d failed requests)", store.failed)
			}
			if m := w.r.Broker.Metrics(string(p.dst) + "-commands"); m.Redelivered == 0 {
				t.Fatalf("the create command was not redelivered: %+v", m)
			}
			if n := w.partnerTickets(p.escalate.Summary); n != 1 {
				t.Fatalf("%s holds %d partner tickets, want 1", p.dst, n)
			}
			dt := w.partnerTicket(st.ID)
			if dt.Summary != p.escalate.Summary {
				t.Fatalf("linked partner ticket %+v", dt)
			}
			if n := w.logged("applied", "create ticket"); n != 1 {
				t.Fatalf("%d creates applied, want 1", n)
			}
			// The ticket keeps syncing: a note crosses to the adopted ticket.
			mustNote(t, w.source.agent, st.ID, platform.Note{Kind: p.srcNote, Body: "After the outage", Public: true})
			w.settle()
			assertNotes(t, w.target.agent, dt.ID, map[string]bool{"After the outage": true})
		})
	}
}

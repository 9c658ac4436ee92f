package localrun_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/graph"
	"github.com/tandemsync/tandem/pkg/halo/halosim"
	"github.com/tandemsync/tandem/pkg/localrun"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/relay"
	"github.com/tandemsync/tandem/pkg/webhook"
)

// The inbound half of the vendors' behaviour, end to end through the HTTP
// API of the local runner: webhooks installed the way an administrator
// does, deliveries made by the simulators the way the vendors make them.

// soloWorld is a local Tandem with the simulators and no connection yet.
func soloWorld(t *testing.T) *world {
	t.Helper()
	r, err := localrun.Start(context.Background(), localrun.Options{Addr: "127.0.0.1:0", ManualQueues: true, Simulators: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return &world{t: t, r: r}
}

// install saves org's credentials for the simulator of kind and installs a
// webhook through the API, as the settings page does.
func (w *world) install(org string, kind platform.Kind) map[string]any {
	w.t.Helper()
	creds, _ := w.r.Sims.IntegrationCredentials(kind)
	w.mustAPI(org, "PUT", "/v1/settings/platform", map[string]any{"platform": kind, "credentials": creds}, 200)
	hook := w.mustAPI(org, "POST", "/v1/settings/platform/webhooks", nil, 201)
	if hook["registered"] != true {
		w.t.Fatalf("%s webhook not registered through the API: %v", kind, hook)
	}
	return hook
}

// registrations are the URLs the simulator of kind would deliver to.
func (w *world) registrations(kind platform.Kind) []string {
	var urls []string
	switch kind {
	case platform.Autotask:
		for _, h := range w.r.Sims.Autotask.Webhooks() {
			urls = append(urls, h.WebhookURL) // a ticket and a note webhook each
		}
	case platform.ConnectWise:
		for _, c := range w.r.Sims.ConnectWise.Callbacks() {
			urls = append(urls, c.URL)
		}
	case platform.Halo:
		for _, h := range w.r.Sims.Halo.Webhooks() {
			urls = append(urls, h.URL)
		}
	case platform.Graph:
		for _, s := range w.r.Sims.Graph.Subscriptions() {
			urls = append(urls, s.NotificationURL)
		}
	}
	slices.Sort(urls)
	return slices.Compact(urls)
}

func (w *world) endpoints(org string) []webhook.Endpoint {
	w.t.Helper()
	eps, err := w.r.Deps.Store.EndpointsOf(context.Background(), org)
	if err != nil {
		w.t.Fatal(err)
	}
	return eps
}

func (w *world) queued(q string) int { return w.r.Broker.Metrics(q).Sent }

// post delivers body to a Tandem URL the way a platform would.
func post(t *testing.T, url, body string) int {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// ConnectWise appends the record id to the URL it was given, as raw text:
// the webhook installed through the API must receive its callbacks at the
// URL ConnectWise itself calls.
func TestConnectWiseCallbacksArriveWhereConnectWiseCalls(t *testing.T) {
	ctx := context.Background()
	w := soloWorld(t)
	hook := w.install("msp", platform.ConnectWise)
	cbs := w.r.Sims.ConnectWise.Callbacks()
	if len(cbs) != 1 || cbs[0].URL != hook["url"].(string)+"?recordId=" || cbs[0].PayloadVersion != "3.0.0" {
		t.Fatalf("registered callbacks %+v for endpoint %v", cbs, hook["url"])
	}
	agent := agentClient(t, w.r.Sims, platform.ConnectWise)
	tk, err := agent.CreateTicket(ctx, platform.Ticket{Summary: "Mailbox full", Queue: "1", Priority: "2", Status: "1", Type: "20", Account: "250"})
	if err != nil {
		t.Fatal(err)
	}
	ds := w.r.Sims.ConnectWise.Flush()
	if len(ds) != 1 || ds[0].URL != cbs[0].URL+tk.ID || ds[0].Status != http.StatusAccepted {
		t.Fatalf("deliveries %+v, want one to %s%s answered 202", ds, cbs[0].URL, tk.ID)
	}
	if n := w.queued(relay.EventsQueue(platform.ConnectWise)); n != 1 {
		t.Fatalf("%d events queued, want 1", n)
	}
}

// A ConnectWise contact callback is genuine but of no use to Tandem: it is
// acknowledged with 2xx, so ConnectWise does not count a failure, and
// nothing is queued.
func TestConnectWiseContactCallbackIsAcknowledged(t *testing.T) {
	w := soloWorld(t)
	w.install("msp", platform.ConnectWise)
	cw := w.r.Sims.ConnectWise
	// Another integration of the site (or an administrator) points a
	// contact callback at the same URL.
	cw.AddCallback(cw.Agent, cw.Callbacks()[0].URL, "contact", "owner")
	cw.UpdateContact(cw.Agent, 57961, "Xzavier")
	ds := cw.Flush()
	if len(ds) != 1 || ds[0].Status/100 != 2 || !strings.Contains(string(ds[0].Body), `"Type":"contact"`) {
		t.Fatalf("contact delivery %+v, want one answered 2xx", ds)
	}
	if n := w.queued(relay.EventsQueue(platform.ConnectWise)); n != 0 {
		t.Fatalf("%d events queued for a contact callback", n)
	}
}

// Graph validates the notification URL while the subscription is being
// created; the endpoint must exist by then. Once installed, new mail in the
// support mailbox reaches Tandem as an event.
func TestGraphWebhookIsInstalledAndReceivesMail(t *testing.T) {
	ctx := context.Background()
	w := soloWorld(t)
	hook := w.install("acme", platform.Graph)
	subs := w.r.Sims.Graph.Subscriptions()
	if len(subs) != 1 || subs[0].NotificationURL != hook["url"] || subs[0].LifecycleNotificationURL != hook["url"] || hook["expiresAt"] == nil {
		t.Fatalf("subscriptions %+v for %v", subs, hook)
	}
	g := w.r.Sims.Graph
	creds, err := graph.ParseCredentials(g.Credentials(g.Agent), true)
	if err != nil {
		t.Fatal(err)
	}
	requester := graph.New(creds, graph.Options{AllowPrivate: true})
	if _, err := requester.CreateTicket(ctx, platform.Ticket{Summary: "Printer on floor 3 jams", Description: "Every job since Monday",
		Custom: map[string]string{graph.CustomTo: g.Integration.Mailbox}}); err != nil {
		t.Fatal(err)
	}
	g.Flush()
	if g.Deliveries() != 1 || g.FailedDeliveries() != 0 {
		t.Fatalf("notifications: %d acknowledged, %d failed; want 1 and 0", g.Deliveries(), g.FailedDeliveries())
	}
	if n := w.queued(relay.EventsQueue(platform.Graph)); n != 1 {
		t.Fatalf("%d graph events queued, want 1", n)
	}
	if err := w.r.Broker.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if dlq := w.r.Broker.DLQ(relay.EventsQueue(platform.Graph)); len(dlq) != 0 {
		t.Fatalf("%d graph events dead-lettered", len(dlq))
	}
}

// Halo's envelope agent_id may be the ticket's assigned agent: a customer's
// change on a ticket assigned to the integration's agent must still cross.
func TestHaloChangeOnTicketAssignedToTheIntegrationCrosses(t *testing.T) {
	ctx := context.Background()
	p := pairs[1] // a Halo customer escalating to a ConnectWise MSP
	w := p.world(t, worldOptions{})
	src, dst := w.source.agent, w.target.agent
	st, dt := w.escalated(p)
	// The customer routes the ticket to the integration's agent, then one
	// of its people moves it on.
	if err := w.r.Sims.Halo.AssignTicket(halosim.Agent, atoi(t, st.ID), halosim.Integration.AgentID); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if err := src.UpdateTicket(ctx, st.ID, platform.TicketUpdate{Status: ptr("2"), Priority: ptr("3")}); err != nil {
		t.Fatal(err)
	}
	w.settle()
	got, err := dst.GetTicket(ctx, dt.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "2" || got.Priority != "3" {
		t.Fatalf("partner ticket status %q priority %q, want 2 and 3: the customer's change was dropped as an echo", got.Status, got.Priority)
	}
	mustNote(t, src, st.ID, platform.Note{Kind: p.srcNote, Body: "Customer: still jammed", Public: true})
	w.settle()
	assertNotes(t, dst, dt.ID, map[string]bool{"Customer: still jammed": true})
	w.assertOneTicketEachSide()
}

// Installing a webhook again replaces the previous endpoint, at Tandem and
// at the platform.
func TestReinstallLeavesOneEndpoint(t *testing.T) {
	for _, kind := range []platform.Kind{platform.Autotask, platform.ConnectWise, platform.Halo, platform.Graph} {
		t.Run(string(kind), func(t *testing.T) {
			ctx := context.Background()
			w := soloWorld(t)
			first := w.install("acme", kind)
			second := w.install("acme", kind)
			eps := w.endpoints("acme")
			if len(eps) != 1 || eps[0].ID != second["endpointId"] {
				t.Fatalf("endpoints at Tandem %+v, want only %v", eps, second["endpointId"])
			}
			regs := w.registrations(kind)
			if len(regs) != 1 || !strings.HasPrefix(regs[0], second["url"].(string)) {
				t.Fatalf("registrations at %s %v, want only %v", kind, regs, second["url"])
			}
			oldSecret := webhook.SecretName("acme", kind, first["endpointId"].(string))
			if _, err := w.r.Deps.Secrets.GetSecret(ctx, oldSecret); err == nil {
				t.Fatal("the replaced endpoint's secret is still stored")
			}
			if status := post(t, first["url"].(string), `{}`); status != http.StatusNotFound {
				t.Fatalf("the replaced endpoint answered %d, want 404", status)
			}
		})
	}
}

// Deleting the platform credentials removes the organisation's endpoints:
// the registration at the platform, the secret and the record.
func TestDeletingCredentialsRemovesEndpoints(t *testing.T) {
	for _, kind := range []platform.Kind{platform.Autotask, platform.ConnectWise, platform.Halo, platform.Graph} {
		t.Run(string(kind), func(t *testing.T) {
			ctx := context.Background()
			w := soloWorld(t)
			hook := w.install("acme", kind)
			w.mustAPI("acme", "DELETE", "/v1/settings/platform", nil, http.StatusNoContent)
			if eps := w.endpoints("acme"); len(eps) != 0 {
				t.Fatalf("endpoints left after the credentials were deleted: %+v", eps)
			}
			if regs := w.registrations(kind); len(regs) != 0 {
				t.Fatalf("registrations left at %s: %v", kind, regs)
			}
			if _, err := w.r.Deps.Secrets.GetSecret(ctx, webhook.SecretName("acme", kind, hook["endpointId"].(string))); err == nil {
				t.Fatal("the endpoint's secret outlived the credentials")
			}
			if status := post(t, hook["url"].(string), `{}`); status != http.StatusNotFound {
				t.Fatalf("an endpoint answered %d after the credentials were deleted, want 404", status)
			}
		})
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Switching to another platform ends the old platform's credentials, and
// with them its endpoints.
func TestSwitchingPlatformRemovesEndpoints(t *testing.T) {
	w := soloWorld(t)
	hook := w.install("acme", platform.Autotask)
	creds, _ := w.r.Sims.IntegrationCredentials(platform.ConnectWise)
	w.mustAPI("acme", "PUT", "/v1/settings/platform", map[string]any{"platform": platform.ConnectWise, "credentials": creds}, 200)
	if eps := w.endpoints("acme"); len(eps) != 0 {
		t.Fatalf("Autotask endpoints left after switching to ConnectWise: %+v", eps)
	}
	if regs := w.registrations(platform.Autotask); len(regs) != 0 {
		t.Fatalf("webhooks left at Autotask: %v", regs)
	}
	if status := post(t, hook["url"].(string), `{}`); status != http.StatusNotFound {
		t.Fatalf("the old endpoint answered %d, want 404", status)
	}
	// Saving the same platform again (a rotated secret) keeps the endpoint.
	hook = w.install("acme", platform.ConnectWise)
	w.mustAPI("acme", "PUT", "/v1/settings/platform", map[string]any{"platform": platform.ConnectWise, "credentials": creds}, 200)
	if eps := w.endpoints("acme"); len(eps) != 1 || eps[0].ID != hook["endpointId"] || eps[0].Platform != platform.ConnectWise {
		t.Fatalf("endpoints after saving the same platform again: %+v", eps)
	}
	if regs := w.registrations(platform.ConnectWise); len(regs) != 1 || len(w.registrations(platform.Autotask)) != 0 {
		t.Fatalf("registrations at ConnectWise %v, at Autotask %v", regs, w.registrations(platform.Autotask))
	}
}

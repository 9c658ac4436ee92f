package localrun_test

// Issue 11, "a subscription that never lapses": the scheduled renewal, and
// Graph's lifecycle notifications (reauthorizationRequired,
// subscriptionRemoved, missed), with an injected clock.

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/graph/graphsim"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/webhook"
)

// graphEndpoint is the mailbox organisation's webhook endpoint.
func (w *world) graphEndpoint() webhook.Endpoint {
	w.t.Helper()
	eps, err := w.r.Deps.Store.EndpointsOf(context.Background(), w.source.org)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, ep := range eps {
		if ep.Platform == platform.Graph {
			return ep
		}
	}
	w.t.Fatal("the mailbox has no Graph endpoint")
	return webhook.Endpoint{}
}

// subscription is the simulator's subscription with id.
func (w *world) subscription(id string) (graphsim.Subscription, bool) {
	for _, s := range w.r.Sims.Graph.Subscriptions() {
		if s.ID == id {
			return s, true
		}
	}
	return graphsim.Subscription{}, false
}

// scheduled is the event EventBridge's schedule delivers.
var scheduled = events.EventBridgeEvent{Version: "0", ID: "sched-1", DetailType: "Scheduled Event", Source: "aws.events", Region: "eu-west-1"}

func TestSubscriptionIsRenewedBeforeItExpires(t *testing.T) {
	clk := clock.NewManual(time.Now())
	w := mailboxWorld(t, platform.Halo, nil, clk)
	ep := w.graphEndpoint()
	if ep.ExpiresAt.IsZero() || ep.DeltaLink == "" {
		t.Fatalf("installed endpoint %+v: want an expiry and a first delta link", ep)
	}
	renew := w.r.Deps.RenewHandler()

	// Fresh, it is not due: nothing is renewed.
	rep, err := renew(context.Background(), scheduled)
	if err != nil || rep.Renewed != 0 {
		t.Fatalf("fresh subscription: %+v, %v; want nothing renewed", rep, err)
	}
	// A day and a half later it expires within the renewal window.
	clk.Advance(30 * time.Hour)
	rep, err = renew(context.Background(), scheduled)
	if err != nil || rep.Renewed != 1 || rep.Failed != 0 {
		t.Fatalf("due subscription: %+v, %v; want one renewed", rep, err)
	}
	sub, ok := w.subscription(ep.PlatformWebhookID)
	if !ok || sub.Renewals != 1 {
		t.Fatalf("simulator subscription %+v (found %v): want it renewed once", sub, ok)
	}
	if got := w.graphEndpoint(); !got.ExpiresAt.Equal(sub.Expiration) || got.ExpiresAt.Before(ep.ExpiresAt) {
		t.Fatalf("endpoint expires %v, the subscription %v (was %v): ExpiresAt must follow the renewal", got.ExpiresAt, sub.Expiration, ep.ExpiresAt)
	}
}

func TestReauthorizationRequiredRenews(t *testing.T) {
	w := mailboxWorld(t, platform.Halo, nil)
	ep := w.graphEndpoint()
	if err := w.r.Sims.Graph.EmitLifecycle(ep.PlatformWebhookID, "reauthorizationRequired"); err != nil {
		t.Fatal(err)
	}
	w.settle()
	sub, ok := w.subscription(ep.PlatformWebhookID)
	if !ok || sub.Renewals != 1 || !w.graphEndpoint().ExpiresAt.Equal(sub.Expiration) {
		t.Fatalf("after reauthorizationRequired: subscription %+v (found %v), endpoint %+v", sub, ok, w.graphEndpoint())
	}
}

func TestSubscriptionRemovedIsRecreatedAndCaughtUp(t *testing.T) {
	w := mailboxWorld(t, platform.Halo, nil)
	old := w.graphEndpoint()
	if err := w.r.Sims.Graph.EmitLifecycle(old.PlatformWebhookID, "subscriptionRemoved"); err != nil {
		t.Fatal(err)
	}
	// Mail that arrives while there is no subscription is notified to
	// no one.
	lost := w.receive(graphsim.Mail{From: requester, Subject: "Toner low in the print room", Text: "Please send toner."})
	w.settle()
	ep := w.graphEndpoint()
	sub, ok := w.subscription(ep.PlatformWebhookID)
	if ep.PlatformWebhookID == old.PlatformWebhookID || !ok || !ep.ExpiresAt.Equal(sub.Expiration) {
		t.Fatalf("endpoint %+v after subscriptionRemoved (was %s): want a new, live subscription", ep, old.PlatformWebhookID)
	}
	if n := len(w.r.Sims.Graph.Subscriptions()); n != 1 {
		t.Fatalf("%d subscriptions, want 1", n)
	}
	if !w.linked(lost.ID) {
		t.Fatal("the mail that arrived without a subscription was not caught up")
	}
	// A redelivered subscriptionRemoved makes no second subscription.
	w.r.Sims.Graph.Flush()
	w.settle()
	if n := len(w.r.Sims.Graph.Subscriptions()); n != 1 {
		t.Fatalf("%d subscriptions after settling again, want 1", n)
	}
	// The new subscription notifies.
	next := w.receive(graphsim.Mail{From: requester, Subject: "Printer offline", Text: "It says offline."})
	w.settle()
	if !w.linked(next.ID) {
		t.Fatal("mail after the recreation did not sync")
	}
	w.r.Sims.Graph.Flush()
	if n := w.r.Sims.Count(platform.Halo); n != 2 {
		t.Fatalf("partner holds %d tickets, want 2", n)
	}
}

func TestMissedCatchesUpExactlyTheUnseenMailsOnce(t *testing.T) {
	w := mailboxWorld(t, platform.Halo, nil)
	g := w.r.Sims.Graph
	before := w.graphEndpoint()
	seen := w.receive(graphsim.Mail{From: "ann@fabrikam.example", Subject: "Seen: scanner", Text: "Scanner broken."})
	w.settle()
	g.MissNotifications(true)
	var unseen []graphsim.Message
	for i, from := range []string{"bo@fabrikam.example", "cy@fabrikam.example", "di@fabrikam.example"} {
		unseen = append(unseen, w.receive(graphsim.Mail{From: from, Subject: "Unseen " + itoa(i), Text: "Printer " + itoa(i)}))
	}
	g.MissNotifications(false)
	w.settle()
	for _, m := range unseen {
		if w.linked(m.ID) {
			t.Fatal("an unnotified mail synced before the catch-up: the test proves nothing")
		}
	}
	for range 2 { // a second missed finds nothing new to do
		if err := g.EmitLifecycle(before.PlatformWebhookID, "missed"); err != nil {
			t.Fatal(err)
		}
		w.settle()
		for _, m := range append([]graphsim.Message{seen}, unseen...) {
			if !w.linked(m.ID) {
				t.Fatalf("%q not synced after missed", m.Subject)
			}
		}
		if n := w.r.Sims.Count(platform.Halo); n != 4 {
			t.Fatalf("partner holds %d tickets, want 4 (each mail once)", n)
		}
	}
	if after := w.graphEndpoint(); after.DeltaLink == "" || after.DeltaLink == before.DeltaLink {
		t.Fatalf("delta link %q not advanced from %q", after.DeltaLink, before.DeltaLink)
	}
}

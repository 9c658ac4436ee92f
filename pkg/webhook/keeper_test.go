package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/queue"
	"github.com/tandemsync/tandem/pkg/relay"
	"github.com/tandemsync/tandem/pkg/webhook"
)

// subsClient is a Graph-like client whose subscriptions expire: it renews
// them, answers 404 for one the platform removed, and hands out delta links.
type subsClient struct {
	*hookClient
	mu      sync.Mutex
	expiry  time.Time       // what a renewal extends to
	gone    map[string]bool // removed at the platform: renewing answers 404
	broken  map[string]bool // renewing fails with a 500
	renewed []string
	link    string
	linkErr error
}

func (c *subsClient) RenewWebhook(_ context.Context, id string) (platform.Webhook, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.gone[id]:
		return platform.Webhook{}, &platform.Error{Platform: platform.Graph, Reason: platform.ReasonNotFound, Status: 404, Message: "subscription not found"}
	case c.broken[id]:
		return platform.Webhook{}, &platform.Error{Platform: platform.Graph, Reason: platform.ReasonServer, Status: 500, Message: "down"}
	}
	c.renewed = append(c.renewed, id)
	return platform.Webhook{ID: id, ExpiresAt: c.expiry}, nil
}

func (c *subsClient) InboxChanges(context.Context, string) ([]string, string, error) {
	return nil, c.link, c.linkErr
}

func (c *subsClient) renewals() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := slices.Clone(c.renewed)
	slices.Sort(out)
	return out
}

func (s *memEndpoints) EndpointsOfPlatform(_ context.Context, kind platform.Kind) ([]webhook.Endpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []webhook.Endpoint
	for _, e := range s.m {
		if e.Platform == kind {
			out = append(out, e)
		}
	}
	return out, s.err
}

type keeperWorld struct {
	*installWorld
	client *subsClient
	out    *capture
	r      *webhook.Renewal
	now    time.Time
}

func newKeeperWorld(t *testing.T, eps ...webhook.Endpoint) *keeperWorld {
	t.Helper()
	w := &keeperWorld{installWorld: newInstallWorld(platform.Graph), out: &capture{sent: map[string][]queue.Message{}}}
	w.now = w.in.Clock.Now()
	w.client = &subsClient{hookClient: w.installWorld.client, expiry: w.now.Add(72 * time.Hour), gone: map[string]bool{}, broken: map[string]bool{}}
	w.in.Accounts = accounts{kind: platform.Graph, client: w.client}
	w.r = &webhook.Renewal{Installer: w.in, Endpoints: w.eps, Out: w.out, Before: 24 * time.Hour}
	for _, ep := range eps {
		if ep.Platform == "" {
			ep.Platform = platform.Graph
		}
		if ep.OrgID == "" {
			ep.OrgID = "acme"
		}
		ep.SecretName = "tandem/" + ep.OrgID + "/graph/webhook/" + ep.ID
		if err := w.eps.PutEndpoint(context.Background(), ep); err != nil {
			t.Fatal(err)
		}
		if err := w.secrets.PutSecret(context.Background(), ep.SecretName, []byte("secret of "+ep.ID)); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *keeperWorld) endpoint(t *testing.T, id string) webhook.Endpoint {
	t.Helper()
	ep, err := w.eps.GetEndpoint(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return ep
}

// The schedule renews a subscription that expires within Before (the limit
// itself included) and leaves the rest, and those it cannot renew at all
// (registered by hand, or never expiring), alone.
func TestRenewalRenewsWhatExpiresWithinBefore(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	w := newKeeperWorld(t,
		webhook.Endpoint{ID: "wh_soon01", PlatformWebhookID: "sub-soon", ExpiresAt: now.Add(time.Hour)},
		webhook.Endpoint{ID: "wh_edge01", PlatformWebhookID: "sub-edge", ExpiresAt: now.Add(24 * time.Hour)},
		webhook.Endpoint{ID: "wh_late01", PlatformWebhookID: "sub-late", ExpiresAt: now.Add(24*time.Hour + time.Second)},
		webhook.Endpoint{ID: "wh_hand01", ExpiresAt: now.Add(time.Hour)},
		webhook.Endpoint{ID: "wh_ever01", PlatformWebhookID: "sub-ever"},
		webhook.Endpoint{ID: "wh_halo01", Platform: platform.Halo, PlatformWebhookID: "halo-hook", ExpiresAt: now.Add(time.Hour)},
	)
	rep, err := w.r.Run(context.Background(), platform.Graph)
	if err != nil {
		t.Fatal(err)
	}
	if want := (webhook.RenewalReport{Checked: 5, Renewed: 2}); rep != want {
		t.Fatalf("report %+v, want %+v", rep, want)
	}
	if got := w.client.renewals(); !slices.Equal(got, []string{"sub-edge", "sub-soon"}) {
		t.Fatalf("renewed %v, want the two due within a day", got)
	}
	for id, want := range map[string]time.Time{"wh_soon01": w.client.expiry, "wh_edge01": w.client.expiry, "wh_late01": now.Add(24*time.Hour + time.Second)} {
		if got := w.endpoint(t, id).ExpiresAt; !got.Equal(want) {
			t.Errorf("%s expires %s, want %s", id, got, want)
		}
	}
	if n := w.out.count(); n != 0 {
		t.Fatalf("%d catch-up messages after plain renewals, want 0", n)
	}
}

// A subscription the platform removed is made again with the same URL and
// secret, and the platform's sync is asked to catch up on what the gap
// may have lost.
func TestRenewalRecreatesARemovedSubscriptionAndCatchesUp(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	w := newKeeperWorld(t, webhook.Endpoint{ID: "wh_gone01", OrgID: "globex", PlatformWebhookID: "sub-gone", ExpiresAt: now.Add(time.Hour)})
	w.client.gone["sub-gone"] = true
	var spec platform.WebhookSpec
	w.client.register = func(s platform.WebhookSpec) error { spec = s; return nil }

	rep, err := w.r.Run(context.Background(), platform.Graph)
	if err != nil {
		t.Fatal(err)
	}
	if want := (webhook.RenewalReport{Checked: 1, Recreated: 1}); rep != want {
		t.Fatalf("report %+v, want %+v", rep, want)
	}
	if want := "https://api.example.com/webhooks/graph/wh_gone01"; spec.URL != want || spec.Secret != "secret of wh_gone01" {
		t.Fatalf("recreated with %q and secret %q, want %q and the endpoint's secret", spec.URL, spec.Secret, want)
	}
	if ep := w.endpoint(t, "wh_gone01"); ep.PlatformWebhookID != "hook-1" {
		t.Fatalf("endpoint names subscription %q, want the new hook-1", ep.PlatformWebhookID)
	}
	msgs := w.out.sent[relay.EventsQueue(platform.Graph)]
	if len(msgs) != 1 {
		t.Fatalf("%d catch-up messages, want 1 (%v)", len(msgs), w.out.sent)
	}
	var env relay.Envelope
	if err := json.Unmarshal(msgs[0].Body, &env); err != nil {
		t.Fatal(err)
	}
	if env.Org != "globex" || env.Event == nil || env.Event.Type != platform.EventSubscriptionMissed || env.Event.Platform != platform.Graph {
		t.Fatalf("catch-up %+v, want globex's Graph subscription.missed", env)
	}

	// The catch-up that cannot be queued makes the renewal a failure, so the
	// schedule's alarm says so.
	w = newKeeperWorld(t, webhook.Endpoint{ID: "wh_gone02", PlatformWebhookID: "sub-gone", ExpiresAt: now.Add(time.Hour)})
	w.client.gone["sub-gone"] = true
	w.out.err = errors.New("queue down")
	if rep, err := w.r.Run(context.Background(), platform.Graph); err == nil || rep.Failed != 1 {
		t.Fatalf("run with the queue down: %+v, %v; want one failure and an error", rep, err)
	}
}

// One tenant's failure is counted and logged; the run itself fails only
// when none of the due subscriptions could be renewed.
func TestRenewalFailsOnlyWhenNothingDueRenewed(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		eps     []webhook.Endpoint
		want    webhook.RenewalReport
		wantErr bool
	}{
		{"one of two fails", []webhook.Endpoint{
			{ID: "wh_good01", PlatformWebhookID: "sub-good", ExpiresAt: now.Add(time.Hour)},
			{ID: "wh_bad001", OrgID: "globex", PlatformWebhookID: "sub-bad", ExpiresAt: now.Add(time.Hour)},
		}, webhook.RenewalReport{Checked: 2, Renewed: 1, Failed: 1}, false},
		{"the only due one fails", []webhook.Endpoint{
			{ID: "wh_bad001", PlatformWebhookID: "sub-bad", ExpiresAt: now.Add(time.Hour)},
			{ID: "wh_late01", PlatformWebhookID: "sub-late", ExpiresAt: now.Add(48 * time.Hour)},
		}, webhook.RenewalReport{Checked: 2, Failed: 1}, true},
		{"one renewed, one recreated, one fails", []webhook.Endpoint{
			{ID: "wh_good01", PlatformWebhookID: "sub-good", ExpiresAt: now.Add(time.Hour)},
			{ID: "wh_gone01", PlatformWebhookID: "sub-gone", ExpiresAt: now.Add(time.Hour)},
			{ID: "wh_bad001", OrgID: "globex", PlatformWebhookID: "sub-bad", ExpiresAt: now.Add(time.Hour)},
		}, webhook.RenewalReport{Checked: 3, Renewed: 1, Recreated: 1, Failed: 1}, false},
		{"nothing due", []webhook.Endpoint{
			{ID: "wh_late01", PlatformWebhookID: "sub-late", ExpiresAt: now.Add(48 * time.Hour)},
		}, webhook.RenewalReport{Checked: 1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newKeeperWorld(t, tc.eps...)
			w.client.broken["sub-bad"] = true
			w.client.gone["sub-gone"] = true
			rep, err := w.r.Run(context.Background(), platform.Graph)
			if rep != tc.want || (err != nil) != tc.wantErr {
				t.Fatalf("run = %+v, %v; want %+v, error %v", rep, err, tc.want, tc.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), "sub-bad") {
				t.Fatalf("error %q does not name the subscription", err)
			}
		})
	}
}

// Reauthorizing renews the subscription Graph named, even when it is not
// the organisation's newest; recreating replaces only the one named, so a
// redelivered subscriptionRemoved notification does not make a second.
func TestReauthorizeAndRecreateActOnTheNamedSubscription(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	w := newKeeperWorld(t,
		webhook.Endpoint{ID: "wh_old001", PlatformWebhookID: "sub-old", CreatedAt: now.Add(-48 * time.Hour), ExpiresAt: now.Add(time.Hour)},
		webhook.Endpoint{ID: "wh_new001", PlatformWebhookID: "sub-new", CreatedAt: now.Add(-time.Hour), ExpiresAt: now.Add(time.Hour)},
	)
	if err := w.in.Reauthorize(ctx, "acme", "sub-old"); err != nil {
		t.Fatal(err)
	}
	if got := w.client.renewals(); !slices.Equal(got, []string{"sub-old"}) {
		t.Fatalf("renewed %v, want [sub-old]", got)
	}
	if got := w.endpoint(t, "wh_old001").ExpiresAt; !got.Equal(w.client.expiry) {
		t.Fatalf("renewed endpoint expires %s, want %s", got, w.client.expiry)
	}
	// Without a subscription id, the newest endpoint is the one renewed.
	if err := w.in.Reauthorize(ctx, "acme", ""); err != nil {
		t.Fatal(err)
	}
	if got := w.client.renewals(); !slices.Equal(got, []string{"sub-new", "sub-old"}) {
		t.Fatalf("renewed %v, want the newest next", got)
	}

	if err := w.in.Recreate(ctx, "acme", "sub-old"); err != nil {
		t.Fatal(err)
	}
	if err := w.in.Recreate(ctx, "acme", "sub-old"); err != nil { // redelivered
		t.Fatal(err)
	}
	if regs := w.client.registrations(); !slices.Equal(regs, []string{"hook-1"}) {
		t.Fatalf("registrations %v, want one new subscription", regs)
	}
	if got := w.endpoint(t, "wh_old001").PlatformWebhookID; got != "hook-1" {
		t.Fatalf("the named endpoint now names %q, want hook-1", got)
	}
	if got := w.endpoint(t, "wh_new001").PlatformWebhookID; got != "sub-new" {
		t.Fatalf("the other endpoint now names %q, want sub-new", got)
	}

	// An organisation with no endpoint on its platform has nothing to renew.
	if err := w.in.Reauthorize(ctx, "initech", ""); !errors.Is(err, webhook.ErrUnknownEndpoint) {
		t.Fatalf("reauthorize without an endpoint: %v, want ErrUnknownEndpoint", err)
	}
}

// The catch-up starts where the subscription was made, then where the last
// catch-up ended, and always from the organisation's newest endpoint.
func TestDeltaLinkStartsAtInstallAndFollowsTheNewestEndpoint(t *testing.T) {
	ctx := context.Background()
	w := newKeeperWorld(t)
	w.client.link = "delta-at-install"
	if _, err := w.in.Install(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	link, err := w.in.DeltaLink(ctx, "acme")
	if err != nil || link != "delta-at-install" {
		t.Fatalf("delta link after install = %q, %v", link, err)
	}
	if err := w.in.SaveDeltaLink(ctx, "acme", "delta-2"); err != nil {
		t.Fatal(err)
	}
	if link, err := w.in.DeltaLink(ctx, "acme"); err != nil || link != "delta-2" {
		t.Fatalf("delta link after a catch-up = %q, %v", link, err)
	}

	// Of several endpoints, the newest one's link counts, whatever order the
	// store lists them in.
	now := w.now
	for i := range 5 {
		w := newKeeperWorld(t,
			webhook.Endpoint{ID: "wh_a00001", CreatedAt: now.Add(-3 * time.Hour), DeltaLink: "old"},
			webhook.Endpoint{ID: "wh_b00001", CreatedAt: now.Add(-time.Hour), DeltaLink: "newest"},
			webhook.Endpoint{ID: "wh_c00001", CreatedAt: now.Add(-2 * time.Hour), DeltaLink: "middle"},
			webhook.Endpoint{ID: "wh_d00001", Platform: platform.Halo, CreatedAt: now, DeltaLink: "another platform"},
		)
		if link, err := w.in.DeltaLink(ctx, "acme"); err != nil || link != "newest" {
			t.Fatalf("try %d: delta link = %q, %v; want the newest endpoint's", i, link, err)
		}
	}

	// A first link the platform cannot give fails the install and leaves
	// nothing behind: a later catch-up would otherwise start nowhere.
	w = newKeeperWorld(t)
	w.client.linkErr = errors.New("delta query refused")
	if _, err := w.in.Install(ctx, "acme"); err == nil {
		t.Fatal("install succeeded without a first delta link")
	}
	if ids, regs := w.eps.ids(), w.client.registrations(); len(ids) != 0 || len(regs) != 0 {
		t.Fatalf("left behind: endpoints %v, registrations %v", ids, regs)
	}
}

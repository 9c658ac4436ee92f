package webhook_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/relay"
	"github.com/tandemsync/tandem/pkg/relay/relaytest"
	"github.com/tandemsync/tandem/pkg/webhook"
)

// The echo of Tandem's own write is acknowledged and not queued when the
// endpoint records the user Tandem acts as and no stopped-webhook watch
// of the side waits for a delivery; anything else is queued as before.
func TestReceiveDropsTandemsOwnEchoes(t *testing.T) {
	const self = "29682886" // autotaskBody's PersonID
	noActor := `{"Action":"Update","Guid":"5a1f","EntityType":"Ticket","Id":1018,"Fields":{"status":8},"EventTime":"2026-11-25T10:00:00Z","SequenceNumber":2}`
	for _, tc := range []struct {
		name       string
		actor      string
		watched    []string
		body       string
		wantStatus int
		wantBody   string
	}{
		{"Tandem's own change", self, nil, autotaskBody, 200, `{"echoes":1,"queued":0}`},
		{"endpoint installed before the user was recorded", "", nil, autotaskBody, 202, `{"queued":1}`},
		{"a person's change", "4711", nil, autotaskBody, 202, `{"queued":1}`},
		{"a delivery that names no actor", self, nil, noActor, 202, `{"queued":1}`},
		{"a stopped-webhook watch is open", self, []string{"conn-1"}, autotaskBody, 202, `{"queued":1}`},
		// Nothing Tandem syncs, and no echo in it: not answered as echoes.
		{"nothing to sync, by a person", "4711", nil, `{"Action":"Update","Guid":"5a1f","EntityType":"Company","Id":1018,"Fields":{},"SequenceNumber":3,"PersonID":29682886}`, 200, `{"queued":0}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, out := newReceiver(t)
			ep, err := r.Store.GetEndpoint(context.Background(), "wh_at")
			if err != nil {
				t.Fatal(err)
			}
			ep.ActorID, ep.Watched = tc.actor, tc.watched
			if err := r.Store.PutEndpoint(context.Background(), ep); err != nil {
				t.Fatal(err)
			}
			resp := r.Receive(context.Background(), "autotask", "wh_at", signed(tc.body))
			if resp.Status != tc.wantStatus || resp.Body != tc.wantBody {
				t.Fatalf("answer %d %s, want %d %s", resp.Status, resp.Body, tc.wantStatus, tc.wantBody)
			}
			if want := map[int]int{200: 0, 202: 1}[tc.wantStatus]; out.count() != want {
				t.Fatalf("%d messages queued, want %d", out.count(), want)
			}
		})
	}
}

// A delivery is verified before anything in it is trusted: an unsigned
// "echo" is refused, not acknowledged.
func TestUnverifiedEchoIsRefused(t *testing.T) {
	r, out := newReceiver(t)
	ep, _ := r.Store.GetEndpoint(context.Background(), "wh_at")
	ep.ActorID = "29682886"
	_ = r.Store.PutEndpoint(context.Background(), ep)
	req := signed(autotaskBody)
	req.Header.Set("X-Hook-Signature", "sha1=AAAA")
	if resp := r.Receive(context.Background(), "autotask", "wh_at", req); resp.Status != 401 || out.count() != 0 {
		t.Fatalf("answer %d %s, %d queued", resp.Status, resp.Body, out.count())
	}
}

// The install records the user Tandem acts as and carries the open
// watches of the endpoints it replaces; credentials saved later record the
// user they act as, or none when the platform cannot tell.
func TestEndpointsRecordTheActingUser(t *testing.T) {
	ctx := context.Background()
	w := newInstallWorld(platform.Halo)
	actor := &actorClient{hookClient: w.client, id: "9001"}
	w.in.Accounts = accounts{kind: platform.Halo, client: actor}
	first, err := w.in.Install(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	ep, _ := w.eps.GetEndpoint(ctx, first.EndpointID)
	if ep.ActorID != "9001" || len(ep.Watched) != 0 {
		t.Fatalf("installed endpoint %+v, want actor 9001 and no watch", ep)
	}
	ep.Watched = []string{"conn-1"}
	_ = w.eps.PutEndpoint(ctx, ep)
	second, err := w.in.Install(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	ep, _ = w.eps.GetEndpoint(ctx, second.EndpointID)
	if ep.ActorID != "9001" || !slices.Equal(ep.Watched, []string{"conn-1"}) {
		t.Fatalf("reinstalled endpoint %+v, want actor 9001 and conn-1's watch", ep)
	}

	actor.id = "9002"
	w.in.Reidentify(ctx, "acme")
	if ep, _ = w.eps.GetEndpoint(ctx, second.EndpointID); ep.ActorID != "9002" || !slices.Equal(ep.Watched, []string{"conn-1"}) {
		t.Fatalf("after new credentials: %+v, want actor 9002, the watch kept", ep)
	}
	// An endpoint of the platform the organisation left (its removal
	// failed) still receives that platform's deliveries: the user recorded
	// for it stays.
	left := webhook.Endpoint{ID: "wh_left", OrgID: "acme", Platform: platform.Autotask, ActorID: "29682886"}
	_ = w.eps.PutEndpoint(ctx, left)
	actor.id = "9003"
	w.in.Reidentify(ctx, "acme")
	if ep, _ = w.eps.GetEndpoint(ctx, "wh_left"); ep.ActorID != "29682886" {
		t.Fatalf("the other platform's endpoint now records actor %q, want 29682886 kept", ep.ActorID)
	}
	if ep, _ = w.eps.GetEndpoint(ctx, second.EndpointID); ep.ActorID != "9003" {
		t.Fatalf("after new credentials again: actor %q, want 9003", ep.ActorID)
	}
	actor.err = errors.New("platform unreachable")
	w.in.Reidentify(ctx, "acme")
	if ep, _ = w.eps.GetEndpoint(ctx, second.EndpointID); ep.ActorID != "" {
		t.Fatalf("credentials whose user cannot be read left actor %q", ep.ActorID)
	}
}

type actorClient struct {
	*hookClient
	id  string
	err error
}

func (c *actorClient) ActorID(context.Context) (string, error) { return c.id, c.err }

// failingWatches fails DeleteWatch once when set.
type failingWatches struct {
	*relaytest.MemAttention
	deleteErr error
}

func (f *failingWatches) DeleteWatch(ctx context.Context, connID, org string) error {
	if f.deleteErr != nil {
		return f.deleteErr
	}
	return f.MemAttention.DeleteWatch(ctx, connID, org)
}

// An open watch marks every endpoint of the organisation whose platform
// could drop an echo, and stays marked until the watch is deleted; a
// deletion that fails leaves the mark, so echoes still go through to
// clear it.
func TestEchoWatchesMarkTheEndpoints(t *testing.T) {
	ctx := context.Background()
	eps := &memEndpoints{m: map[string]webhook.Endpoint{}}
	for _, e := range []webhook.Endpoint{
		{ID: "wh_halo", OrgID: "acme", Platform: platform.Halo, ActorID: "12"},
		{ID: "wh_graph", OrgID: "acme", Platform: platform.Graph, ExpiresAt: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)},
		{ID: "wh_other", OrgID: "globex", Platform: platform.Halo, ActorID: "12"},
	} {
		_ = eps.PutEndpoint(ctx, e)
	}
	inner := &failingWatches{MemAttention: relaytest.NewMemAttention()}
	w := webhook.EchoWatches{Watches: inner, Endpoints: eps}
	watched := func(id string) []string {
		ep, _ := eps.GetEndpoint(ctx, id)
		return ep.Watched
	}
	var _ relay.Watches = w
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	for _, conn := range []string{"conn-1", "conn-2", "conn-1"} {
		if _, err := w.NoteMissed(ctx, conn, "acme", at); err != nil {
			t.Fatal(err)
		}
	}
	if got := watched("wh_halo"); !slices.Equal(got, []string{"conn-1", "conn-2"}) {
		t.Fatalf("halo endpoint watched %v", got)
	}
	if got, other := watched("wh_graph"), watched("wh_other"); got != nil || other != nil {
		t.Fatalf("expiring endpoint watched %v, another organisation's %v: both should be untouched", got, other)
	}

	inner.deleteErr = errors.New("table unavailable")
	if err := w.DeleteWatch(ctx, "conn-1", "acme"); err == nil {
		t.Fatal("a failed deletion reported success")
	}
	if got := watched("wh_halo"); !slices.Contains(got, "conn-1") {
		t.Fatalf("after a failed deletion: %v, conn-1's mark must stay", got)
	}
	if _, open, _ := inner.Watch(ctx, "conn-1", "acme"); !open {
		t.Fatal("the watch went despite the failure")
	}
	inner.deleteErr = nil
	for _, conn := range []string{"conn-1", "conn-2"} {
		if err := w.DeleteWatch(ctx, conn, "acme"); err != nil {
			t.Fatal(err)
		}
	}
	if got := watched("wh_halo"); len(got) != 0 {
		t.Fatalf("after both watches closed: %v", got)
	}

	eps.err = errors.New("table unavailable")
	if _, err := w.NoteMissed(ctx, "conn-3", "acme", at); err == nil {
		t.Fatal("a watch was noted though the endpoints could not be marked")
	}
	if _, open, _ := inner.Watch(ctx, "conn-3", "acme"); open {
		t.Fatal("a watch is open with no endpoint marked: its echoes would be dropped")
	}
}

package webhook_test

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/graph"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/queue"
	"github.com/tandemsync/tandem/pkg/secretstore/secretstoretest"
	"github.com/tandemsync/tandem/pkg/webhook"
	"github.com/tandemsync/tandem/pkg/zendesk"
)

// hookClient is a platform client that only registers webhooks; register
// runs inside RegisterWebhook, where a platform like Graph calls back.
type hookClient struct {
	platform.Client
	mu        sync.Mutex
	register  func(spec platform.WebhookSpec) error
	next      int
	live      []string // registrations at the platform
	removeErr error
	// ownSecret is the secret a platform like Zendesk chooses itself and
	// signs its deliveries with.
	ownSecret string
}

func (c *hookClient) RegisterWebhook(_ context.Context, spec platform.WebhookSpec) (platform.Webhook, error) {
	if c.register != nil {
		if err := c.register(spec); err != nil {
			return platform.Webhook{}, err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.next++
	id := "hook-" + string(rune('0'+c.next))
	c.live = append(c.live, id)
	return platform.Webhook{ID: id, Secret: c.ownSecret}, nil
}

func (c *hookClient) RemoveWebhook(_ context.Context, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.removeErr != nil {
		return c.removeErr
	}
	if !slices.Contains(c.live, id) {
		return &platform.Error{Reason: platform.ReasonNotFound, Status: 404, Message: "gone"}
	}
	c.live = slices.DeleteFunc(c.live, func(s string) bool { return s == id })
	return nil
}

func (c *hookClient) registrations() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.live)
}

type accounts struct {
	kind   platform.Kind
	client platform.Client
	err    error
}

func (a accounts) Kind(context.Context, string) (platform.Kind, error)     { return a.kind, a.err }
func (a accounts) Client(context.Context, string) (platform.Client, error) { return a.client, a.err }

type manual map[platform.Kind]func(url, secret string) string

func (m manual) ManualWebhook(k platform.Kind) func(url, secret string) string { return m[k] }

type installWorld struct {
	eps     *memEndpoints
	secrets *secretstoretest.Memory
	client  *hookClient
	in      *webhook.Installer
}

func newInstallWorld(kind platform.Kind) *installWorld {
	w := &installWorld{eps: &memEndpoints{m: map[string]webhook.Endpoint{}}, secrets: secretstoretest.NewMemory(), client: &hookClient{}}
	w.in = &webhook.Installer{Store: w.eps, Secrets: w.secrets, Accounts: accounts{kind: kind, client: w.client},
		BaseURL: "https://api.example.com/", Manual: manual{}, Clock: clock.NewManual(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))}
	return w
}

func endpointIDOf(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Path[strings.LastIndex(u.Path, "/")+1:]
}

// Graph validates the notification URL while the subscription is being
// created: the endpoint and its secret must already be stored then, so the
// receiver answers the handshake.
func TestInstallStoresTheEndpointBeforeRegistering(t *testing.T) {
	w := newInstallWorld(platform.Graph)
	rcv := &webhook.Receiver{Store: w.eps, Secrets: w.secrets, Out: &capture{sent: map[string][]queue.Message{}},
		Readers: readers{platform.Graph: graph.Provider.Inbound(false)}}
	w.client.register = func(spec platform.WebhookSpec) error {
		id := endpointIDOf(t, spec.URL)
		for _, target := range []string{spec.URL, spec.DeactivationURL} {
			if target == "" {
				continue
			}
			resp := rcv.Receive(context.Background(), "graph", endpointIDOf(t, target),
				platform.WebhookRequest{Query: url.Values{"validationToken": {"Validation: tok"}}})
			if resp.Status != 200 || resp.Body != "Validation: tok" || !strings.HasPrefix(resp.ContentType, "text/plain") {
				return &platform.Error{Platform: platform.Graph, Reason: platform.ReasonInvalid, Status: 400,
					Message: "Subscription validation request failed: " + resp.Body}
			}
		}
		if got, err := w.secrets.GetSecret(context.Background(), webhook.SecretName("acme", platform.Graph, id)); err != nil || string(got) != spec.Secret {
			return errors.New("the secret is not stored yet")
		}
		return nil
	}
	out, err := w.in.Install(context.Background(), "acme")
	if err != nil {
		t.Fatalf("Install: %v", err)
	}
	ep, err := w.eps.GetEndpoint(context.Background(), out.EndpointID)
	if err != nil || ep.PlatformWebhookID != "hook-1" || !out.Registered || out.Secret != "" {
		t.Fatalf("endpoint %+v (%v), answer %+v", ep, err, out)
	}
}

// A refused registration leaves neither endpoint nor secret behind.
func TestFailedRegistrationLeavesNothing(t *testing.T) {
	w := newInstallWorld(platform.Graph)
	w.client.register = func(platform.WebhookSpec) error {
		return &platform.Error{Platform: platform.Graph, Reason: platform.ReasonInvalid, Status: 400, Message: "Subscription validation request failed."}
	}
	if _, err := w.in.Install(context.Background(), "acme"); !errors.Is(err, webhook.ErrNotRegistered) || platform.ReasonOf(err) != platform.ReasonInvalid {
		t.Fatalf("Install: %v, want ErrNotRegistered with the platform's error", err)
	}
	if ids := w.eps.ids(); len(ids) != 0 || w.secrets.Len() != 0 {
		t.Fatalf("left behind: endpoints %v, %d secrets", ids, w.secrets.Len())
	}
	// Where the platform documents a manual set-up (Halo) the endpoint stays
	// for the administrator to paste.
	w = newInstallWorld(platform.Halo)
	w.in.Manual = manual{platform.Halo: func(u, s string) string { return "paste " + u }}
	w.client.register = func(platform.WebhookSpec) error { return errors.New("refused") }
	out, err := w.in.Install(context.Background(), "acme")
	if err != nil || out.Registered || out.Secret == "" || !strings.HasPrefix(out.Instructions, "paste ") || len(w.eps.ids()) != 1 {
		t.Fatalf("manual install: %+v %v, endpoints %v", out, err, w.eps.ids())
	}
}

// The endpoint keeps the secret the platform signs with: the one Tandem
// sent it, or the one it chose itself (Zendesk), so deliveries verify.
func TestEndpointKeepsTheSecretThePlatformSignsWith(t *testing.T) {
	ctx := context.Background()
	for _, own := range []string{"", "zendesk-chosen-signing-secret"} {
		w := newInstallWorld(zendesk.Kind)
		w.client.ownSecret = own
		var sent string
		w.client.register = func(spec platform.WebhookSpec) error { sent = spec.Secret; return nil }
		out, err := w.in.Install(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		want := sent
		if own != "" {
			want = own
		}
		got, err := w.secrets.GetSecret(ctx, webhook.SecretName("acme", zendesk.Kind, out.EndpointID))
		if err != nil || string(got) != want || want == "" {
			t.Fatalf("platform's own secret %q: endpoint verifies with %q (%v), want %q", own, got, err, want)
		}
	}
}

// Installing again replaces the previous endpoint: its registration at the
// platform, its secret and its record go.
func TestReinstallReplacesThePreviousEndpoint(t *testing.T) {
	ctx := context.Background()
	w := newInstallWorld(platform.ConnectWise)
	other := webhook.Endpoint{ID: "wh_other", OrgID: "globex", Platform: platform.ConnectWise, SecretName: "tandem/globex/connectwise/webhook/wh_other", PlatformWebhookID: "theirs"}
	_ = w.eps.PutEndpoint(ctx, other)
	_ = w.secrets.PutSecret(ctx, other.SecretName, []byte("x"))
	first, err := w.in.Install(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	second, err := w.in.Install(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	ids := w.eps.ids()
	if !sameSet(ids, second.EndpointID, "wh_other") || slices.Contains(ids, first.EndpointID) {
		t.Fatalf("endpoints %v, want the second install's and the other organisation's", ids)
	}
	if regs := w.client.registrations(); !slices.Equal(regs, []string{"hook-2"}) {
		t.Fatalf("registrations at the platform %v, want [hook-2]", regs)
	}
	if w.secrets.Len() != 2 {
		t.Fatalf("%d secrets, want 2 (the new endpoint's and the other organisation's)", w.secrets.Len())
	}

	// A registration that cannot be removed now keeps its endpoint, which
	// goes with the next install once the platform answers again.
	w.client.removeErr = &platform.Error{Platform: platform.ConnectWise, Reason: platform.ReasonUnreachable, Message: "down"}
	third, err := w.in.Install(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(w.eps.ids()); n != 3 {
		t.Fatalf("%d endpoints while the platform is down, want 3", n)
	}
	w.client.removeErr = nil
	fourth, err := w.in.Install(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	ids = w.eps.ids()
	if !sameSet(ids, fourth.EndpointID, "wh_other") || slices.Contains(ids, third.EndpointID) {
		t.Fatalf("endpoints %v after the platform is back", ids)
	}
}

// Deleting the credentials removes every endpoint of the organisation, at
// the platform too, so nothing verifies afterwards.
func TestRemoveAll(t *testing.T) {
	ctx := context.Background()
	w := newInstallWorld(platform.Autotask)
	if _, err := w.in.Install(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	stale := webhook.Endpoint{ID: "wh_stale", OrgID: "acme", Platform: platform.Halo, SecretName: "tandem/acme/halo/webhook/wh_stale"}
	_ = w.eps.PutEndpoint(ctx, stale)
	_ = w.secrets.PutSecret(ctx, stale.SecretName, []byte("x"))
	if err := w.in.RemoveAll(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	if ids, regs := w.eps.ids(), w.client.registrations(); len(ids) != 0 || len(regs) != 0 || w.secrets.Len() != 0 {
		t.Fatalf("left: endpoints %v, registrations %v, %d secrets", ids, regs, w.secrets.Len())
	}
	// The store failing is an error the caller sees, so it can try again.
	_, _ = w.in.Install(ctx, "acme")
	w.eps.err = errors.New("dynamodb: throttled")
	if err := w.in.RemoveAll(ctx, "acme"); err == nil {
		t.Fatal("RemoveAll hid a store failure")
	}
}

func sameSet(got []string, want ...string) bool {
	got, want = slices.Clone(got), slices.Clone(want)
	slices.Sort(got)
	slices.Sort(want)
	return slices.Equal(got, want)
}

package webhook_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/webhook"
)

// A delivery of exactly MaxBodyBytes is read and queued; one byte more is
// refused (TestReceiveRefusesAndQueuesNothing).
func TestBodyAtTheLimitIsRead(t *testing.T) {
	r, out := newReceiver(t)
	body := strings.Repeat(" ", webhook.MaxBodyBytes-len(autotaskBody)) + autotaskBody
	if resp := r.Receive(context.Background(), "autotask", "wh_at", signed(body)); resp.Status != 202 {
		t.Fatalf("a %d-byte delivery: %d %s, want 202", len(body), resp.Status, resp.Body)
	}
	if out.count() != 1 {
		t.Fatalf("%d messages queued, want 1", out.count())
	}
}

// countingSecrets counts the reads of the secret store, which is billed
// per call and throttled: an endpoint's secret is read once, not for every
// delivery.
type countingSecrets struct {
	webhook.SecretStore
	mu    sync.Mutex
	reads int
}

func (c *countingSecrets) GetSecret(ctx context.Context, name string) ([]byte, error) {
	c.mu.Lock()
	c.reads++
	c.mu.Unlock()
	return c.SecretStore.GetSecret(ctx, name)
}

func TestEndpointSecretIsReadOnceForManyDeliveries(t *testing.T) {
	r, out := newReceiver(t)
	counting := &countingSecrets{SecretStore: r.Secrets}
	r.Secrets = counting
	for i := range 3 {
		if resp := r.Receive(context.Background(), "autotask", "wh_at", signed(autotaskBody)); resp.Status != 202 {
			t.Fatalf("delivery %d: %d %s", i+1, resp.Status, resp.Body)
		}
	}
	if out.count() != 3 || counting.reads != 1 {
		t.Fatalf("%d deliveries queued with %d secret reads, want 3 with 1", out.count(), counting.reads)
	}
}

// undeletable lists endpoints but cannot delete them.
type undeletable struct{ *memEndpoints }

var errDelete = errors.New("dynamodb: conditional check failed")

func (undeletable) DeleteEndpoint(context.Context, webhook.Endpoint) error { return errDelete }

// An endpoint record that cannot be deleted is an error RemoveAll returns,
// so the settings service does not delete the credentials and the caller
// can try again.
func TestRemoveAllReportsARecordItCouldNotDelete(t *testing.T) {
	ctx := context.Background()
	w := newInstallWorld(platform.Autotask)
	if _, err := w.in.Install(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	w.in.Store = undeletable{w.eps}
	if err := w.in.RemoveAll(ctx, "acme"); !errors.Is(err, errDelete) {
		t.Fatalf("RemoveAll: %v, want %v", err, errDelete)
	}
	if len(w.eps.ids()) != 1 {
		t.Fatalf("endpoints %v, want the one that could not be deleted", w.eps.ids())
	}
}

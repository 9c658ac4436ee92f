// Package webhook receives partner platforms' deliveries: each organisation
// installs an endpoint with an unguessable id and its own signing secret;
// the receiver looks the endpoint up, verifies the delivery the platform's
// way, normalises it and queues the events — and queues nothing for a
// delivery it refuses.
package webhook

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
)

// Endpoint is one installed webhook URL.
type Endpoint struct {
	ID                string        `json:"id"`
	OrgID             string        `json:"orgId"`
	Platform          platform.Kind `json:"platform"`
	SecretName        string        `json:"secretName"`
	PlatformWebhookID string        `json:"platformWebhookId,omitempty"`
	CreatedAt         time.Time     `json:"createdAt"`
	ExpiresAt         time.Time     `json:"expiresAt,omitzero"` // Graph subscriptions expire and are renewed
	// DeltaLink is where the next catch-up of missed changes starts
	// (Graph: the inbox delta query's @odata.deltaLink, per mailbox).
	DeltaLink string `json:"deltaLink,omitempty"`
	// ActorID is the platform user Tandem acts as through the
	// organisation's credentials, recorded at install and again when they
	// are saved: a delivery of that user's change is the echo of Tandem's
	// own write, which the receiver acknowledges without queueing it.
	// Empty (not known, or an endpoint installed before it was recorded):
	// every delivery is queued and the sync function tells echoes apart.
	ActorID string `json:"actorId,omitempty"`
	// Watched names the connections whose stopped-webhook watch on this
	// side is open (EchoWatches): while any is, echoes are queued too, since
	// any delivery from the side clears the watch and its report.
	Watched []string `json:"watched,omitempty"`
}

// ErrUnknownEndpoint means no endpoint has that id.
var ErrUnknownEndpoint = errors.New("unknown webhook endpoint")

// Store keeps endpoints.
type Store interface {
	PutEndpoint(ctx context.Context, e Endpoint) error
	GetEndpoint(ctx context.Context, id string) (Endpoint, error) // ErrUnknownEndpoint
	EndpointsOf(ctx context.Context, org string) ([]Endpoint, error)
	DeleteEndpoint(ctx context.Context, e Endpoint) error
}

// SecretStore keeps the endpoints' signing secrets.
type SecretStore interface {
	PutSecret(ctx context.Context, name string, value []byte) error
	GetSecret(ctx context.Context, name string) ([]byte, error)
	DeleteSecret(ctx context.Context, name string) error
}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail on supported platforms
	return strings.TrimRight(base64.RawURLEncoding.EncodeToString(b), "=")
}

// newEndpointID has 128 bits: the URL itself must not be guessable, because
// some platforms (Halo) cannot sign their deliveries.
func newEndpointID() string { return "wh_" + randomToken(16) }

// newSecret fits every platform's limit (Autotask SecretKey ≤ 64, Graph
// clientState ≤ 128) with 256 bits of entropy.
func newSecret() string { return randomToken(32) }

// SecretName is where an endpoint's signing secret lives.
func SecretName(org string, kind platform.Kind, id string) string {
	return "tandem/" + org + "/" + string(kind) + "/webhook/" + id
}

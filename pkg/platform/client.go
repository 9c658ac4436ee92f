package platform

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Client is what every platform package's client provides. Consumers declare
// the subset they need; this full set is the contract the four packages keep,
// checked by a compile-time assertion in each.
type Client interface {
	// Test makes one real authenticated request and returns nil or an *Error
	// whose Message tells an administrator what to fix.
	Test(ctx context.Context) error

	GetTicket(ctx context.Context, id string) (Ticket, error)
	CreateTicket(ctx context.Context, t Ticket) (Ticket, error)
	UpdateTicket(ctx context.Context, id string, u TicketUpdate) error
	// CloseTicket moves the ticket to the given closing status (the
	// platform's "Complete"/"Closed" when status is empty).
	CloseTicket(ctx context.Context, id, status string) error

	AddNote(ctx context.Context, ticketID string, n Note) (Note, error)
	// ListNotes returns the ticket's notes created at or after since, oldest first.
	ListNotes(ctx context.Context, ticketID string, since time.Time) ([]Note, error)

	ListAttachments(ctx context.Context, ticketID string) ([]Attachment, error)
	GetAttachment(ctx context.Context, ticketID, attachmentID string) (Attachment, error)
	AddAttachment(ctx context.Context, ticketID string, a Attachment) (Attachment, error)

	// Picklist reads live values; parent scopes it where the platform does
	// (ConnectWise statuses per board).
	Picklist(ctx context.Context, kind PicklistKind, parent string) ([]Option, error)

	RegisterWebhook(ctx context.Context, spec WebhookSpec) (Webhook, error)
	RemoveWebhook(ctx context.Context, id string) error

	// Requests counts HTTP requests sent, retries included.
	Requests() int64
}

// WebhookSpec is what Tandem asks a platform to call.
type WebhookSpec struct {
	URL             string // where deliveries go
	DeactivationURL string // Autotask requires one; Graph lifecycleNotificationUrl
	Secret          string // signing secret / clientState / Basic password
	Name            string
	// ExcludeActorID keeps the integration's own writes from firing a
	// callout where the platform supports it (Autotask ExcludedResources).
	ExcludeActorID string
	// Resource narrows the subscription (Graph mailbox folder), optional.
	Resource string
}

// Webhook is a registered webhook / callback / subscription.
type Webhook struct {
	ID        string
	ExpiresAt time.Time // Graph subscriptions expire; zero elsewhere
	// Secret is the signing secret the platform chose, where it chooses
	// its own (Zendesk); it replaces WebhookSpec.Secret for verification.
	Secret string
}

// WebhookRequest is an inbound delivery as the webhook function received it.
type WebhookRequest struct {
	Header http.Header
	Query  url.Values
	Body   []byte
}

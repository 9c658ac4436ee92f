package graph

import (
	"context"

	"github.com/tandemsync/tandem/pkg/platform"
)

// Kind names the Microsoft 365 support mailbox in the API, in URLs and in
// queue names.
const Kind = platform.Graph

// Provider is a Microsoft 365 support mailbox, through Microsoft Graph, as
// the rest of Tandem uses it.
var Provider = platform.Provider{
	Kind: Kind,
	Name: "Microsoft 365 mail",
	Fields: []platform.Field{
		{Name: FieldTenantID}, {Name: FieldClientID}, {Name: FieldClientSecret, Secret: true}, {Name: FieldMailbox},
		// Simulator overrides, refused outside local/test mode.
		{Name: FieldLoginURL}, {Name: FieldGraphURL},
	},
	CheckCredentials: func(c platform.Credentials, allowPrivate bool) error {
		_, err := ParseCredentials(c, allowPrivate)
		return err
	},
	NewClient: func(c platform.Credentials, allowPrivate bool) (platform.Client, error) {
		creds, err := ParseCredentials(c, allowPrivate)
		if err != nil {
			return nil, err
		}
		return New(creds, Options{AllowPrivate: allowPrivate}), nil
	},
	Inbound: func(bool) platform.Inbound { return inbound{} },
	// Mail has no categories, ticket types or queues in the ticket sense:
	// the client answers those lists empty.
	Picklists: []platform.PicklistKind{
		platform.PickStatuses, platform.PickPriorities, platform.PickCategories, platform.PickTicketTypes,
		platform.PickQueues, platform.PickActions, platform.PickCustomFields,
	},
}

// inbound reads Graph change notifications: clientState carries the
// endpoint's secret, and a subscription starts with a validation handshake.
type inbound struct{}

func (inbound) Verify(_ context.Context, req platform.WebhookRequest, secret string, _ func(context.Context) (platform.Credentials, error)) error {
	return VerifyWebhook(req, secret)
}

func (inbound) Parse(body []byte) ([]platform.Event, error) { return ParseWebhook(body) }

func (inbound) Handshake(req platform.WebhookRequest) (string, bool) { return ValidationToken(req) }

package halo

import (
	"context"

	"github.com/tandemsync/tandem/pkg/platform"
)

// Kind names Halo in the API, in URLs and in queue names.
const Kind = platform.Halo

// Provider is HaloPSA/HaloITSM as the rest of Tandem uses it.
var Provider = platform.Provider{
	Kind: Kind,
	Name: "Halo",
	Fields: []platform.Field{
		{Name: FieldURL}, {Name: FieldTenant}, {Name: FieldClientID}, {Name: FieldClientSecret, Secret: true},
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
	// Halo's documentation has the administrator add the webhook in
	// Configuration > Integrations > Webhooks; the API registration is a
	// convenience that may be refused.
	ManualWebhook: WebhookInstructions,
	Picklists: []platform.PicklistKind{
		platform.PickStatuses, platform.PickPriorities, platform.PickCategories, platform.PickTicketTypes,
		platform.PickQueues, platform.PickActions, platform.PickCustomFields,
	},
}

// inbound reads Halo webhook deliveries: Basic authentication carrying the
// endpoint's secret, no handshake.
type inbound struct{}

func (inbound) Verify(_ context.Context, req platform.WebhookRequest, secret string, _ func(context.Context) (platform.Credentials, error)) error {
	return VerifyWebhook(req, secret)
}

func (inbound) Parse(body []byte) ([]platform.Event, error) { return ParseWebhook(body) }

func (inbound) Handshake(platform.WebhookRequest) (string, bool) { return "", false }

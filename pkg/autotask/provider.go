package autotask

import (
	"context"

	"github.com/tandemsync/tandem/pkg/platform"
)

// Kind names Autotask in the API, in URLs and in queue names.
const Kind = platform.Autotask

// Provider is Autotask as the rest of Tandem uses it.
var Provider = platform.Provider{
	Kind: Kind,
	Name: "Autotask",
	Fields: []platform.Field{
		{Name: FieldAPIURL}, {Name: FieldUsername},
		{Name: FieldSecret, Secret: true}, {Name: FieldIntegrationCode, Secret: true},
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
	Picklists: []platform.PicklistKind{
		platform.PickStatuses, platform.PickPriorities, platform.PickCategories, platform.PickTicketTypes,
		platform.PickQueues, platform.PickActions, platform.PickCustomFields,
	},
}

// inbound reads Autotask webhook callouts: HMAC-SHA1 with the endpoint's
// secret, no handshake.
type inbound struct{}

func (inbound) Verify(_ context.Context, req platform.WebhookRequest, secret string, _ func(context.Context) (platform.Credentials, error)) error {
	return VerifyWebhook(req, secret)
}

func (inbound) Parse(body []byte) ([]platform.Event, error) { return ParseWebhook(body) }

func (inbound) Handshake(platform.WebhookRequest) (string, bool) { return "", false }

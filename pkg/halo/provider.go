package halo

import "github.com/tandemsync/tandem/pkg/platform"

// Kind names Halo in the API, in URLs and in queue names.
const Kind = platform.Halo

// Provider is HaloPSA/HaloITSM as the rest of Tandem uses it.
var Provider = platform.Provider{
	Kind: Kind,
	Name: "Halo",
	Fields: []platform.Field{
		{Name: FieldURL}, {Name: FieldTenant}, {Name: FieldClientID}, {Name: FieldClientSecret, Secret: true},
	},
	CheckCredentials: platform.CheckWith(ParseCredentials),
	NewClient: platform.NewClientWith(ParseCredentials, func(c Credentials, allowPrivate bool) platform.Client {
		return New(c, Options{AllowPrivate: allowPrivate})
	}),
	// Deliveries carry the endpoint's secret as a Basic auth password.
	Inbound: func(bool) platform.Inbound {
		return platform.SecretInbound{VerifyFunc: VerifyWebhook, ParseFunc: ParseWebhook}
	},
	// Halo's documentation has the administrator add the webhook in
	// Configuration > Integrations > Webhooks; the API registration is a
	// convenience that may be refused.
	ManualWebhook: WebhookInstructions,
	Picklists:     platform.AllPicklists,
}

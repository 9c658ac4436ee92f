package autotask

import "github.com/tandemsync/tandem/pkg/platform"

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
	CheckCredentials: platform.CheckWith(ParseCredentials),
	NewClient: platform.NewClientWith(ParseCredentials, func(c Credentials, allowPrivate bool) platform.Client {
		return New(c, Options{AllowPrivate: allowPrivate})
	}),
	// Callouts are signed with HMAC-SHA1 over the endpoint's secret.
	Inbound: func(bool) platform.Inbound {
		return platform.SecretInbound{VerifyFunc: VerifyWebhook, ParseFunc: ParseWebhook}
	},
	Picklists: platform.TimePicklists,
}

package zendesk

import "github.com/tandemsync/tandem/pkg/platform"

// Provider is Zendesk Support as the rest of Tandem uses it.
var Provider = platform.Provider{
	Kind: Kind,
	Name: "Zendesk",
	Fields: []platform.Field{
		{Name: FieldSubdomain}, {Name: FieldEmail}, {Name: FieldAPIToken, Secret: true},
		{Name: FieldAccessToken, Secret: true}, {Name: FieldRefreshToken, Secret: true}, {Name: FieldTokenExpiry},
	},
	CheckCredentials: platform.CheckWith(ParseCredentials),
	NewClient: platform.NewClientWith(ParseCredentials, func(c Credentials, allowPrivate bool) platform.Client {
		return New(c, Options{AllowPrivate: allowPrivate})
	}),
	// Deliveries are signed with the webhook's signing secret.
	Inbound: func(bool) platform.Inbound {
		return platform.SecretInbound{VerifyFunc: VerifyWebhook, ParseFunc: ParseWebhook}
	},
	Picklists: Picklists,
}

package graph

import "github.com/tandemsync/tandem/pkg/platform"

// Kind names the Microsoft 365 support mailbox in the API, in URLs and in
// queue names.
const Kind = platform.Graph

// Provider is a Microsoft 365 support mailbox, through Microsoft Graph, as
// the rest of Tandem uses it.
var Provider = platform.Provider{
	Kind: Kind,
	Name: "Microsoft 365 mail",
	Fields: []platform.Field{
		{Name: FieldProvider}, {Name: FieldTenantID}, {Name: FieldClientID}, {Name: FieldClientSecret, Secret: true}, {Name: FieldMailbox},
		{Name: FieldCategories}, {Name: FieldServiceTypes}, {Name: FieldDefaultCategory}, {Name: FieldDefaultServiceType},
		{Name: FieldRules}, {Name: FieldClosingReply}, {Name: FieldSenderLimit},
		// Simulator overrides, refused outside local/test mode.
		{Name: FieldLoginURL}, {Name: FieldGraphURL},
	},
	CheckCredentials: platform.CheckWith(ParseCredentials),
	NewClient: platform.NewClientWith(ParseCredentials, func(c Credentials, allowPrivate bool) platform.Client {
		return New(c, Options{AllowPrivate: allowPrivate})
	}),
	// Notifications carry the endpoint's secret as clientState, and a
	// subscription starts with a validation handshake.
	Inbound: func(bool) platform.Inbound {
		return platform.SecretInbound{VerifyFunc: VerifyWebhook, ParseFunc: ParseWebhook, HandshakeFunc: ValidationToken}
	},
	// Categories and ticket types are the organisation's own categories
	// and service types; the one queue is the support inbox.
	Picklists: platform.AllPicklists,
}

package connectwise

import (
	"context"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/ttlcache"
)

// Kind names ConnectWise Manage in the API, in URLs and in queue names.
const Kind = platform.ConnectWise

// Provider is ConnectWise Manage (PSA) as the rest of Tandem uses it.
var Provider = platform.Provider{
	Kind: Kind,
	Name: "ConnectWise",
	Fields: []platform.Field{
		{Name: FieldSite}, {Name: FieldCompanyID}, {Name: FieldPublicKey},
		{Name: FieldPrivateKey, Secret: true}, {Name: FieldClientID},
	},
	CheckCredentials: platform.CheckWith(ParseCredentials),
	NewClient: platform.NewClientWith(ParseCredentials, func(c Credentials, allowPrivate bool) platform.Client {
		return New(c, Options{AllowPrivate: allowPrivate})
	}),
	Inbound: func(allowPrivate bool) platform.Inbound {
		return &inbound{allowPrivate: allowPrivate, verifiers: ttlcache.New[verifierKey, *Verifier](verifierTTL, 1024, nil)}
	},
	Picklists: platform.TimePicklists,
}

// verifierTTL bounds how long a verifier, built from an organisation's
// credentials, is reused: changed credentials take effect within it.
const verifierTTL = 5 * time.Minute

// inbound reads ConnectWise callbacks, which are signed with a key that
// ConnectWise hands out per callback: verifying one needs the
// organisation's site and client id, and a verifier per site keeps the
// fetched keys.
type inbound struct {
	allowPrivate bool
	verifiers    *ttlcache.Cache[verifierKey, *Verifier]
}

type verifierKey struct{ site, clientID string }

func (in *inbound) Verify(ctx context.Context, req platform.WebhookRequest, _ string, account func(context.Context) (platform.Credentials, error)) error {
	raw, err := account(ctx)
	if err != nil {
		return err
	}
	creds, err := ParseCredentials(raw, in.allowPrivate)
	if err != nil {
		return err
	}
	k := verifierKey{site: creds.Site, clientID: creds.ClientID}
	v, ok := in.verifiers.Get(k)
	if !ok {
		v = NewVerifier(creds, Options{AllowPrivate: in.allowPrivate})
		in.verifiers.Put(k, v)
	}
	return v.Verify(ctx, req)
}

func (*inbound) Parse(body []byte) ([]platform.Event, error) { return ParseWebhook(body) }

func (*inbound) Handshake(platform.WebhookRequest) (string, bool) { return "", false }

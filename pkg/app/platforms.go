package app

import (
	"context"
	"fmt"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/settings"
	"github.com/tandemsync/tandem/pkg/ttlcache"
)

// orgPlatformsTTL bounds how long a client built from an organisation's
// credentials is reused: changed credentials take effect within it.
const orgPlatformsTTL = 5 * time.Minute

// OrgPlatforms gives each organisation's platform kind and a client built
// from its stored credentials. Clients are kept for a few minutes per warm
// instance: building one costs a Secrets Manager read, and a kept client
// keeps its token, codebase and connection pool.
type OrgPlatforms struct {
	settings  *settings.Service
	providers *Platforms
	clients   *ttlcache.Cache[string, orgClient]
}

type orgClient struct {
	kind   platform.Kind
	creds  platform.Credentials
	client platform.Client
}

func newOrgPlatforms(s *settings.Service, p *Platforms) *OrgPlatforms {
	return &OrgPlatforms{settings: s, providers: p, clients: ttlcache.New[string, orgClient](orgPlatformsTTL, 10_000, nil)}
}

func (p *OrgPlatforms) get(ctx context.Context, org string) (orgClient, error) {
	if c, ok := p.clients.Get(org); ok {
		p.providers.tracked(org, c.client)
		return c, nil
	}
	kind, creds, err := p.settings.Credentials(ctx, org)
	if err != nil {
		return orgClient{}, fmt.Errorf("platform of %s: %w", org, err)
	}
	client, err := p.providers.Client(kind, creds)
	if err != nil {
		return orgClient{}, fmt.Errorf("platform client of %s: %w", org, err)
	}
	p.providers.forOrg(org, client)
	c := orgClient{kind: kind, creds: creds, client: client}
	p.clients.Put(org, c)
	return c, nil
}

// forget drops org's kept client: its credentials were saved or deleted.
// Other warm instances keep theirs until orgPlatformsTTL.
func (p *OrgPlatforms) forget(org string) { p.clients.Delete(org) }

// Kind is org's platform, without reading its credentials when no client
// is kept.
func (p *OrgPlatforms) Kind(ctx context.Context, org string) (platform.Kind, error) {
	if c, ok := p.clients.Get(org); ok {
		return c.kind, nil
	}
	a, err := p.settings.Get(ctx, org)
	if err != nil {
		return "", err
	}
	return a.Platform, nil
}

// Client is a client for org's platform.
func (p *OrgPlatforms) Client(ctx context.Context, org string) (platform.Client, error) {
	c, err := p.get(ctx, org)
	return c.client, err
}

// Credentials are for server-side verification only (ConnectWise's key
// URL must belong to the organisation's own site).
func (p *OrgPlatforms) Credentials(ctx context.Context, org string) (platform.Credentials, error) {
	c, err := p.get(ctx, org)
	return c.creds, err
}

package app

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/platforms"
	"github.com/tandemsync/tandem/pkg/settings"
)

// orgPlatforms gives each organisation's platform kind and a client built
// from its stored credentials. Clients are kept for a few minutes per warm
// instance: building one costs a Secrets Manager read, and a kept client
// keeps its token, codebase and connection pool.
type orgPlatforms struct {
	settings *settings.Service
	registry *platforms.Registry
	ttl      time.Duration

	mu      sync.Mutex
	clients map[string]cachedClient
}

type cachedClient struct {
	kind    platform.Kind
	creds   platform.Credentials
	client  platform.Client
	created time.Time
}

func newOrgPlatforms(s *settings.Service, r *platforms.Registry) *orgPlatforms {
	return &orgPlatforms{settings: s, registry: r, ttl: 5 * time.Minute, clients: map[string]cachedClient{}}
}

func (p *orgPlatforms) get(ctx context.Context, org string) (cachedClient, error) {
	p.mu.Lock()
	c, ok := p.clients[org]
	p.mu.Unlock()
	if ok && time.Since(c.created) < p.ttl {
		return c, nil
	}
	kind, creds, err := p.settings.Credentials(ctx, org)
	if err != nil {
		return cachedClient{}, fmt.Errorf("platform of %s: %w", org, err)
	}
	client, err := p.registry.Client(kind, creds)
	if err != nil {
		return cachedClient{}, fmt.Errorf("platform client of %s: %w", org, err)
	}
	c = cachedClient{kind: kind, creds: creds, client: client, created: time.Now()}
	p.mu.Lock()
	p.clients[org] = c
	p.mu.Unlock()
	return c, nil
}

func (p *orgPlatforms) Kind(ctx context.Context, org string) (platform.Kind, error) {
	p.mu.Lock()
	c, ok := p.clients[org]
	p.mu.Unlock()
	if ok && time.Since(c.created) < p.ttl {
		return c.kind, nil
	}
	a, err := p.settings.Get(ctx, org)
	if err != nil {
		return "", err
	}
	return a.Platform, nil
}

func (p *orgPlatforms) Client(ctx context.Context, org string) (platform.Client, error) {
	c, err := p.get(ctx, org)
	return c.client, err
}

// Credentials are for server-side verification only (ConnectWise's key
// URL must belong to the organisation's own site).
func (p *orgPlatforms) Credentials(ctx context.Context, org string) (platform.Credentials, error) {
	c, err := p.get(ctx, org)
	return c.creds, err
}

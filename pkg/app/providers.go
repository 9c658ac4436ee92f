package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/tandemsync/tandem/pkg/platform"
)

// Platforms looks the wired providers up by kind and serves, for each
// consumer, the part of a provider it needs: credential checks for
// settings, clients for the engine and configuration, delivery readers for
// the webhook receiver.
type Platforms struct {
	list         []platform.Provider
	byKind       map[platform.Kind]platform.Provider
	inbound      map[platform.Kind]platform.Inbound
	allowPrivate bool
	// keep gives a client built for an organisation what belongs to it
	// (a Zendesk client's token keeper).
	keep func(org string, c platform.Client)
	// track counts a client's requests towards its organisation's budget,
	// each time the client is handed out (the meter forgets idle clients).
	track func(org string, c platform.Client)
}

// NewPlatforms wires list; allowPrivate is local/test mode (simulator URLs
// on loopback over http).
func NewPlatforms(list []platform.Provider, allowPrivate bool) *Platforms {
	p := &Platforms{list: list, byKind: map[platform.Kind]platform.Provider{}, inbound: map[platform.Kind]platform.Inbound{}, allowPrivate: allowPrivate}
	for _, pr := range list {
		p.byKind[pr.Kind] = pr
		p.inbound[pr.Kind] = pr.Inbound(allowPrivate)
	}
	return p
}

// Kinds lists the wired platforms in the list's order.
func (p *Platforms) Kinds() []platform.Kind {
	out := make([]platform.Kind, len(p.list))
	for i, pr := range p.list {
		out[i] = pr.Kind
	}
	return out
}

func (p *Platforms) lookup(kind platform.Kind) (platform.Provider, error) {
	pr, ok := p.byKind[kind]
	if !ok {
		names := make([]string, len(p.list))
		for i, pr := range p.list {
			names[i] = string(pr.Kind)
		}
		return platform.Provider{}, fmt.Errorf("%w %q: use one of %s", platform.ErrUnknownPlatform, kind, strings.Join(names, ", "))
	}
	return pr, nil
}

// Validate checks creds for kind and returns them trimmed, with the names of
// the secret fields; the platform package normalises them again each time a
// client is built, so the stored form stays what the administrator typed.
func (p *Platforms) Validate(kind platform.Kind, creds platform.Credentials) (platform.Credentials, []string, error) {
	pr, err := p.lookup(kind)
	if err != nil {
		return nil, nil, err
	}
	declared := make(map[string]bool, len(pr.Fields))
	for _, f := range pr.Fields {
		declared[f.Name] = true
	}
	trimmed := make(platform.Credentials, len(creds))
	v := &platform.ValidationError{}
	for k, val := range creds {
		if !declared[k] {
			// Stored and shown back unmasked, a secret pasted under a wrong
			// key would leak: only the provider's fields are kept.
			v.Add(truncateKey(k), "is not a %s credential field", pr.Name)
			continue
		}
		trimmed[k] = strings.TrimSpace(val)
	}
	if err := v.Err(); err != nil {
		return nil, nil, err
	}
	if err := pr.CheckCredentials(trimmed, p.allowPrivate); err != nil {
		return nil, nil, err
	}
	return trimmed, pr.SecretFields(), nil
}

// Client builds a client for stored credentials.
func (p *Platforms) Client(kind platform.Kind, creds platform.Credentials) (platform.Client, error) {
	pr, err := p.lookup(kind)
	if err != nil {
		return nil, err
	}
	return pr.NewClient(creds, p.allowPrivate)
}

// ClientFor builds a client for stored credentials of the organisation ctx
// names (platform.WithOrg), whose budget its calls count towards.
func (p *Platforms) ClientFor(ctx context.Context, kind platform.Kind, creds platform.Credentials) (platform.Client, error) {
	c, err := p.Client(kind, creds)
	if err != nil {
		return nil, err
	}
	if org, ok := platform.OrgFrom(ctx); ok {
		p.forOrg(org, c)
	}
	return c, nil
}

// Test runs the platform's connection test; ctx names the organisation
// (platform.WithOrg) whose credentials these are.
func (p *Platforms) Test(ctx context.Context, kind platform.Kind, creds platform.Credentials) error {
	c, err := p.ClientFor(ctx, kind, creds)
	if err != nil {
		return err
	}
	return c.Test(ctx)
}

// Checklist runs kind's preparation checklist where its client has one
// (platform.Checklister); has is false for the other platforms. ctx names
// the organisation, as for Test.
func (p *Platforms) Checklist(ctx context.Context, kind platform.Kind, creds platform.Credentials, queue string) ([]platform.CheckItem, bool, error) {
	c, err := p.ClientFor(ctx, kind, creds)
	if err != nil {
		return nil, false, err
	}
	cl, ok := c.(platform.Checklister)
	if !ok {
		return nil, false, nil
	}
	items, err := cl.Checklist(ctx, queue)
	return items, true, err
}

func (p *Platforms) forOrg(org string, c platform.Client) {
	if p.keep != nil {
		p.keep(org, c)
	}
	p.tracked(org, c)
}

func (p *Platforms) tracked(org string, c platform.Client) {
	if p.track != nil {
		p.track(org, c)
	}
}

// Picklists are the lists kind's mapping rows choose from.
func (p *Platforms) Picklists(kind platform.Kind) []platform.PicklistKind {
	return p.byKind[kind].Picklists
}

// Inbound reads kind's webhook deliveries.
func (p *Platforms) Inbound(kind platform.Kind) (platform.Inbound, bool) {
	in, ok := p.inbound[kind]
	return in, ok
}

// ManualWebhook gives the paste-it-yourself steps where kind documents them.
func (p *Platforms) ManualWebhook(kind platform.Kind) func(url, secret string) string {
	return p.byKind[kind].ManualWebhook
}

// truncateKey keeps an unknown key short enough to quote back.
func truncateKey(k string) string {
	if r := []rune(k); len(r) > 64 {
		return string(r[:64]) + "…"
	}
	return k
}

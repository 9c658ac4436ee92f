// Package platforms is the registry that picks the platform package for a
// platform kind: credential validation, secret field names and clients.
package platforms

import (
	"context"
	"fmt"
	"strings"

	"github.com/tandemsync/tandem/pkg/autotask"
	"github.com/tandemsync/tandem/pkg/connectwise"
	"github.com/tandemsync/tandem/pkg/graph"
	"github.com/tandemsync/tandem/pkg/halo"
	"github.com/tandemsync/tandem/pkg/platform"
)

// Options apply to every client the registry builds.
type Options struct {
	// AllowPrivate is local/test mode: simulator URLs on loopback over http.
	AllowPrivate bool
}

// Registry implements settings.Platforms and builds clients.
type Registry struct{ opts Options }

// New returns a registry.
func New(opts Options) *Registry { return &Registry{opts: opts} }

type entry struct {
	secretFields []string
	parse        func(platform.Credentials, bool) error
	client       func(platform.Credentials, Options) (platform.Client, error)
}

var entries = map[platform.Kind]entry{
	platform.Autotask: {
		secretFields: autotask.SecretFields,
		parse:        func(c platform.Credentials, p bool) error { _, err := autotask.ParseCredentials(c, p); return err },
		client: func(c platform.Credentials, o Options) (platform.Client, error) {
			creds, err := autotask.ParseCredentials(c, o.AllowPrivate)
			if err != nil {
				return nil, err
			}
			return autotask.New(creds, autotask.Options{AllowPrivate: o.AllowPrivate}), nil
		},
	},
	platform.ConnectWise: {
		secretFields: connectwise.SecretFields,
		parse:        func(c platform.Credentials, p bool) error { _, err := connectwise.ParseCredentials(c, p); return err },
		client: func(c platform.Credentials, o Options) (platform.Client, error) {
			creds, err := connectwise.ParseCredentials(c, o.AllowPrivate)
			if err != nil {
				return nil, err
			}
			return connectwise.New(creds, connectwise.Options{AllowPrivate: o.AllowPrivate}), nil
		},
	},
	platform.Halo: {
		secretFields: halo.SecretFields,
		parse:        func(c platform.Credentials, p bool) error { _, err := halo.ParseCredentials(c, p); return err },
		client: func(c platform.Credentials, o Options) (platform.Client, error) {
			creds, err := halo.ParseCredentials(c, o.AllowPrivate)
			if err != nil {
				return nil, err
			}
			return halo.New(creds, halo.Options{AllowPrivate: o.AllowPrivate}), nil
		},
	},
	platform.Graph: {
		secretFields: graph.SecretFields,
		parse:        func(c platform.Credentials, p bool) error { _, err := graph.ParseCredentials(c, p); return err },
		client: func(c platform.Credentials, o Options) (platform.Client, error) {
			creds, err := graph.ParseCredentials(c, o.AllowPrivate)
			if err != nil {
				return nil, err
			}
			return graph.New(creds, graph.Options{AllowPrivate: o.AllowPrivate}), nil
		},
	},
}

func lookup(kind platform.Kind) (entry, error) {
	e, ok := entries[kind]
	if !ok {
		return entry{}, fmt.Errorf("unknown platform %q", kind)
	}
	return e, nil
}

// Validate checks creds for kind and returns them trimmed; the platform
// package normalises them again each time a client is built, so the stored
// form stays what the administrator typed.
func (r *Registry) Validate(kind platform.Kind, creds platform.Credentials) (platform.Credentials, []string, error) {
	e, err := lookup(kind)
	if err != nil {
		return nil, nil, err
	}
	trimmed := make(platform.Credentials, len(creds))
	for k, v := range creds {
		trimmed[k] = strings.TrimSpace(v)
	}
	if err := e.parse(trimmed, r.opts.AllowPrivate); err != nil {
		return nil, nil, err
	}
	return trimmed, e.secretFields, nil
}

// Client builds a client for stored credentials.
func (r *Registry) Client(kind platform.Kind, creds platform.Credentials) (platform.Client, error) {
	e, err := lookup(kind)
	if err != nil {
		return nil, err
	}
	return e.client(creds, r.opts)
}

// Test runs the platform's connection test.
func (r *Registry) Test(ctx context.Context, kind platform.Kind, creds platform.Credentials) error {
	c, err := r.Client(kind, creds)
	if err != nil {
		return err
	}
	return c.Test(ctx)
}

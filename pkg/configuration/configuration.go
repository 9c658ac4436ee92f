// Package configuration runs the use cases of a connection's integration
// configuration: read and save one side's integration.Config, validated
// against live picklists of both platforms, and list picklist values for the
// configuration page.
//
// Each organisation only ever addresses its own side: the organisation comes
// from the caller, never from the request, so the partner's side cannot even
// be named.
//
// Partner picklists are read server-side. The partner's credentials never
// leave this package: they build a client here, and only option values (id,
// name, flags) come back. Values are served from a short-lived in-memory
// cache that both organisations' reads fill, keyed by the organisation whose
// platform was read; on a miss the service reads the partner's platform with
// the partner's stored credentials. The alternative — refusing until the
// partner has opened their own page in the last minute — would make the
// feature depend on timing a person cannot see.
package configuration

import (
	"context"
	"errors"
	"fmt"

	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/settings"
)

// Errors the service returns; the API maps each to one HTTP status.
var (
	// ErrNotActive: only an active connection has two sides to configure.
	ErrNotActive = errors.New("connection is not active")
	// ErrVersionConflict: someone saved the configuration after the caller
	// read it; the caller must reload and re-apply their edit.
	ErrVersionConflict = errors.New("configuration was changed since it was read")
	// ErrUnknownKind: the picklist kind is not one of Kinds.
	ErrUnknownKind = errors.New("unknown picklist kind")
	// ErrInvalid marks an *InvalidError, so callers can test with errors.Is.
	ErrInvalid = errors.New("invalid configuration")
	// ErrPlatformUnavailable wraps a failed read of the caller's own
	// platform; the *platform.Error inside says what to fix.
	ErrPlatformUnavailable = errors.New("platform could not be read")
	// ErrPartnerNotConfigured: the partner has saved no platform credentials.
	ErrPartnerNotConfigured = errors.New("partner has no platform credentials saved")
	// ErrPartnerUnavailable: the partner's platform could not be read. The
	// cause is logged, never wrapped, so nothing about the partner's
	// platform or settings can reach the caller.
	ErrPartnerUnavailable = errors.New("partner platform could not be read")
)

// InvalidError is a configuration that failed validation; Problems names each
// offending row. It deliberately does not unwrap to *platform.ValidationError,
// which the API answers as invalid credentials.
type InvalidError struct {
	Problems *platform.ValidationError
}

func (e *InvalidError) Error() string { return "invalid configuration: " + e.Problems.Error() }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

// Kinds are the picklists the configuration page can ask for, and the lists
// a save validates against.
var Kinds = platform.TimePicklists

// ParseKind accepts a picklist kind as it appears in the URL.
func ParseKind(s string) (platform.PicklistKind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("%w %q", ErrUnknownKind, s)
}

// Store persists one integration.Config per connection and organisation.
type Store interface {
	// GetConfig returns org's side of connection connID. Nothing saved yet
	// is the zero Config (Version 0), not an error: the first save sends 0.
	GetConfig(ctx context.Context, connID, org string) (integration.Config, error)
	// PutConfig stores cfg, whose Version is the new version, only if the
	// stored version still equals expectedVersion (0: nothing stored);
	// otherwise it returns ErrVersionConflict and changes nothing.
	PutConfig(ctx context.Context, connID, org string, cfg integration.Config, expectedVersion int64) error
}

// Connections finds a connection the caller is a side of; another
// organisation's connection is connection.ErrNotFound. *connection.Service
// implements it.
type Connections interface {
	Get(ctx context.Context, caller connection.Caller, id string) (connection.Connection, error)
}

// Accounts tells an organisation's platform and, for server-side use only,
// its credentials. *settings.Service implements it.
type Accounts interface {
	// Get returns the account without reading the secret; a missing one
	// is settings.ErrNotConfigured.
	Get(ctx context.Context, org string) (settings.Account, error)
	Credentials(ctx context.Context, org string) (platform.Kind, platform.Credentials, error)
}

// Picklister is the part of platform.Client this package uses.
type Picklister interface {
	Picklist(ctx context.Context, kind platform.PicklistKind, parent string) ([]platform.Option, error)
}

// Clients builds a client for stored credentials.
type Clients func(kind platform.Kind, creds platform.Credentials) (Picklister, error)

// ClientBuilder builds a client for stored credentials; the application's
// provider list implements it.
type ClientBuilder interface {
	Client(kind platform.Kind, creds platform.Credentials) (platform.Client, error)
}

// ClientsFrom adapts a registry to Clients.
func ClientsFrom(b ClientBuilder) Clients {
	return func(kind platform.Kind, creds platform.Credentials) (Picklister, error) {
		return b.Client(kind, creds)
	}
}

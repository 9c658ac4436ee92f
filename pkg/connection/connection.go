// Package connection links two organisations so they can sync tickets: one
// side creates a pending connection and shares a verification code, the
// other accepts it, and the connection is active until either side ends it.
//
// The package is the domain core: it knows nothing of DynamoDB or HTTP. The
// store it needs is the Store interface below; dynamostore implements it for
// production and memstore for unit tests, and both pass the same contract
// test (connectiontest).
package connection

import (
	"context"
	"errors"
	"time"
)

// Role is an organisation's side of a connection.
type Role string

const (
	// Source is where tickets originate (typically the customer).
	Source Role = "source"
	// Target receives tickets (typically the provider).
	Target Role = "target"
)

// Other returns the partner's role.
func (r Role) Other() Role {
	if r == Source {
		return Target
	}
	return Source
}

// Status is where a connection is in its life.
type Status string

const (
	Pending Status = "pending"
	Active  Status = "active"
	// Ended covers a cancelled pending connection and a disconnected active one.
	Ended Status = "ended"
)

// CodeLifetime is how long a verification code can be accepted.
const CodeLifetime = 7 * 24 * time.Hour

// Connection is the stored record. CodeHash is empty once the connection is
// no longer pending.
type Connection struct {
	ID            string
	ContractName  string
	Status        Status
	CreatorOrg    string
	CreatorName   string
	CreatorRole   Role
	AcceptorOrg   string
	AcceptorName  string
	CreatedAt     time.Time
	AcceptedAt    time.Time
	EndedAt       time.Time
	EndedBy       string
	CodeHash      string
	CodeExpiresAt time.Time
}

// Involves reports whether org is one of the two sides.
func (c Connection) Involves(org string) bool {
	return org != "" && (c.CreatorOrg == org || c.AcceptorOrg == org)
}

// RoleOf returns org's role, which is only meaningful if Involves(org).
func (c Connection) RoleOf(org string) Role {
	if c.CreatorOrg == org {
		return c.CreatorRole
	}
	return c.CreatorRole.Other()
}

// Partner returns the other side's id and name as org sees them.
func (c Connection) Partner(org string) (id, name string) {
	if c.CreatorOrg == org {
		return c.AcceptorOrg, c.AcceptorName
	}
	return c.CreatorOrg, c.CreatorName
}

// OrgOf returns the organisation playing role, "" while pending and unknown.
func (c Connection) OrgOf(role Role) string {
	if c.CreatorRole == role {
		return c.CreatorOrg
	}
	return c.AcceptorOrg
}

// Errors the service returns; the API maps each to one HTTP status.
var (
	ErrNotFound = errors.New("connection not found")
	// ErrInvalidCode is the single answer for an unknown, used, revoked or
	// expired code, so a caller learns nothing about which codes exist.
	ErrInvalidCode = errors.New("verification code is not valid")
	ErrOwnCode     = errors.New("cannot accept a connection your own organisation created")
	ErrNotPending  = errors.New("connection is not pending")
	ErrEnded       = errors.New("connection has already ended")
	ErrRateLimited = errors.New("too many failed attempts to accept a connection")
	// ErrTooManyPending refuses a new connection while the organisation
	// holds MaxPending codes that are neither accepted nor expired.
	ErrTooManyPending = errors.New("too many pending connections")
	ErrInvalidInput   = errors.New("invalid connection request")
	// ErrConflict is returned by a Store when a conditional write lost to a
	// concurrent change.
	ErrConflict = errors.New("connection changed concurrently")
)

// Store persists connections. Every method that changes a connection is
// atomic and conditional on the state the caller read, so two concurrent
// writers cannot both win.
type Store interface {
	// CreatePending stores a new pending connection and indexes its code.
	CreatePending(ctx context.Context, c Connection) error
	// ByCodeHash returns the connection whose pending code has this hash, or
	// ErrNotFound.
	ByCodeHash(ctx context.Context, codeHash string) (Connection, error)
	// Get returns a connection by id, or ErrNotFound.
	Get(ctx context.Context, id string) (Connection, error)
	// ListForOrg returns every connection org is a side of.
	ListForOrg(ctx context.Context, org string) ([]Connection, error)
	// Activate stores next (now active) if the stored connection is still
	// pending with next's old code hash, unexpired at next.AcceptedAt; it
	// removes the code. Otherwise ErrConflict.
	Activate(ctx context.Context, next Connection, codeHash string) error
	// ReplaceCode swaps a pending connection's code if it still holds
	// oldHash; otherwise ErrConflict.
	ReplaceCode(ctx context.Context, next Connection, oldHash string) error
	// End stores next (now ended) if the stored status is still prev;
	// otherwise ErrConflict. A pending connection's code is removed.
	End(ctx context.Context, next Connection, prev Status) error
	// AddAcceptAttempts adds delta (1 to reserve an attempt, -1 to give one
	// back) to org's count for the window that starts at window, atomically,
	// and returns the count after the change.
	AddAcceptAttempts(ctx context.Context, org string, window, expires time.Time, delta int) (int, error)
}

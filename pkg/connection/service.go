package connection

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tandemsync/tandem/pkg/clock"
)

// Failed accepts allowed per organisation per window before it gets
// ErrRateLimited. With ~78-bit codes this is not what keeps codes safe; it
// stops a misbehaving client hammering the table and gives support a signal.
const (
	MaxFailedAccepts = 10
	FailureWindow    = 15 * time.Minute
)

// MaxPending is how many unaccepted, unexpired connections an organisation
// may hold: enough for a provider onboarding many customers at once, and a
// bound on what one account can make the table hold.
const MaxPending = 25

// Caller is the organisation making a request, as the authorizer vouched.
type Caller struct {
	OrgID   string
	OrgName string
}

// View is a connection as one of its organisations sees it.
type View struct {
	ID           string     `json:"id"`
	ContractName string     `json:"contractName"`
	Role         Role       `json:"role"`
	Status       Status     `json:"status"`
	PartnerOrgID string     `json:"partnerOrgId,omitempty"`
	PartnerName  string     `json:"partnerName,omitempty"`
	CreatedAt    time.Time  `json:"createdAt"`
	AcceptedAt   *time.Time `json:"acceptedAt,omitempty"`
	EndedAt      *time.Time `json:"endedAt,omitempty"`
	// ExpiresAt is the code's expiry, shown only to the creator while pending.
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
}

// Created is a new code for a pending connection. The code is shown once and
// never stored.
type Created struct {
	View
	VerificationCode string `json:"verificationCode"`
}

// Service runs the connection life cycle.
type Service struct {
	store Store
	clock clock.Clock
	log   *slog.Logger
	// Ready, when set, keeps a connection pending while either
	// organisation's platform fails a required prerequisite; the code
	// stays valid, so accepting works once the platform is fixed.
	Ready Readiness
}

// NewService wires a Service. log may be nil.
func NewService(store Store, clk clock.Clock, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, clock: clk, log: log}
}

// Create starts a pending connection with the caller in role.
func (s *Service) Create(ctx context.Context, caller Caller, role Role, contractName string) (Created, error) {
	contractName = strings.TrimSpace(contractName)
	if err := validateCreate(role, contractName); err != nil {
		return Created{}, err
	}
	code, err := newCode()
	if err != nil {
		return Created{}, fmt.Errorf("create connection: %w", err)
	}
	now := s.clock.Now()
	if err := s.checkPendingRoom(ctx, caller, now); err != nil {
		return Created{}, err
	}
	c := Connection{
		ID:            newID(),
		ContractName:  contractName,
		Status:        Pending,
		CreatorOrg:    caller.OrgID,
		CreatorName:   caller.OrgName,
		CreatorRole:   role,
		CreatedAt:     now,
		CodeHash:      hashCode(normaliseCode(code)),
		CodeExpiresAt: now.Add(CodeLifetime),
	}
	if err := s.store.CreatePending(ctx, c); err != nil {
		return Created{}, fmt.Errorf("create connection: %w", err)
	}
	s.log.InfoContext(ctx, "connection created", "org_id", caller.OrgID, "connection_id", c.ID, "role", role)
	return Created{View: c.viewFor(caller.OrgID), VerificationCode: code}, nil
}

// checkPendingRoom refuses a new connection while the caller holds
// MaxPending live codes. The count is read, not reserved, so parallel creates
// can pass it together; each still costs a request, and codes expire.
func (s *Service) checkPendingRoom(ctx context.Context, caller Caller, now time.Time) error {
	all, err := s.store.ListForOrg(ctx, caller.OrgID)
	if err != nil {
		return fmt.Errorf("create connection: %w", err)
	}
	live := 0
	for _, c := range all {
		if c.Status == Pending && c.CreatorOrg == caller.OrgID && now.Before(c.CodeExpiresAt) {
			live++
		}
	}
	if live >= MaxPending {
		return ErrTooManyPending
	}
	return nil
}

// printable refuses control characters and the invisible formatting
// characters (bidirectional overrides and isolates, zero-width marks) that
// make a name display as something other than what it is to the partner.
func printable(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return false
		}
	}
	return true
}

func validateCreate(role Role, contractName string) error {
	var msgs []string
	if role != Source && role != Target {
		msgs = append(msgs, `role must be "source" (your organisation raises the tickets) or "target" (your organisation receives them)`)
	}
	switch {
	case contractName == "":
		msgs = append(msgs, "contractName is required: name the agreement this connection serves, e.g. \"Acme managed service 2026\"")
	case utf8.RuneCountInString(contractName) > 200:
		msgs = append(msgs, "contractName is longer than 200 characters")
	case !printable(contractName):
		msgs = append(msgs, "contractName has a control or text-direction character: type the name as plain text")
	}
	if len(msgs) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidInput, strings.Join(msgs, "; "))
	}
	return nil
}

// Accept activates the connection that holds code, with the caller taking
// the role the creator did not.
func (s *Service) Accept(ctx context.Context, caller Caller, code string) (View, error) {
	now := s.clock.Now()
	window := now.Truncate(FailureWindow)
	expires := window.Add(2 * FailureWindow)
	// The attempt is counted before the code is looked at, in one atomic
	// update, so parallel guesses cannot all pass a check made before any of
	// them is counted. An attempt that turns out not to be a failure is given
	// back.
	n, err := s.store.AddAcceptAttempts(ctx, caller.OrgID, window, expires, 1)
	if err != nil {
		return View{}, fmt.Errorf("accept connection: %w", err)
	}
	if n > MaxFailedAccepts {
		return View{}, ErrRateLimited
	}
	v, err := s.accept(ctx, caller, code, now)
	if errors.Is(err, ErrInvalidCode) {
		s.log.WarnContext(ctx, "connection accept refused", "org_id", caller.OrgID, "reason", "invalid code")
		return View{}, err
	}
	if _, rerr := s.store.AddAcceptAttempts(ctx, caller.OrgID, window, expires, -1); rerr != nil {
		// The org is left one attempt short for this window: harmless, and
		// not worth failing an accept that has already happened.
		s.log.WarnContext(ctx, "accept attempt not given back", "org_id", caller.OrgID, "error", rerr)
	}
	return v, err
}

func (s *Service) accept(ctx context.Context, caller Caller, code string, now time.Time) (View, error) {
	c, err := s.lookupAcceptable(ctx, code, now)
	if err != nil {
		if errors.Is(err, ErrInvalidCode) {
			return View{}, err
		}
		return View{}, fmt.Errorf("accept connection: %w", err)
	}
	if c.CreatorOrg == caller.OrgID {
		return View{}, ErrOwnCode
	}
	if err := s.checkReady(ctx, caller.OrgID, c.CreatorOrg); err != nil {
		return View{}, fmt.Errorf("accept connection %s: %w", c.ID, err)
	}
	hash := c.CodeHash
	c.Status = Active
	c.AcceptorOrg = caller.OrgID
	c.AcceptorName = caller.OrgName
	c.AcceptedAt = now
	c.CodeHash = ""
	if err := s.store.Activate(ctx, c, hash); err != nil {
		if errors.Is(err, ErrConflict) {
			// Someone accepted (or the creator replaced or cancelled) first:
			// from this caller's side the code is simply no longer valid.
			return View{}, ErrInvalidCode
		}
		return View{}, fmt.Errorf("accept connection %s: %w", c.ID, err)
	}
	s.log.InfoContext(ctx, "connection accepted", "org_id", caller.OrgID, "connection_id", c.ID, "partner_org_id", c.CreatorOrg)
	return c.viewFor(caller.OrgID), nil
}

func (s *Service) lookupAcceptable(ctx context.Context, code string, now time.Time) (Connection, error) {
	norm := normaliseCode(code)
	if norm == "" {
		return Connection{}, ErrInvalidCode
	}
	c, err := s.store.ByCodeHash(ctx, hashCode(norm))
	if errors.Is(err, ErrNotFound) {
		return Connection{}, ErrInvalidCode
	}
	if err != nil {
		return Connection{}, err
	}
	// TTL deletion can lag by days: expiry is decided here, not by the table.
	if c.Status != Pending || !now.Before(c.CodeExpiresAt) {
		return Connection{}, ErrInvalidCode
	}
	return c, nil
}

// List returns the caller's connections, pending and active. Ended ones are
// history, not shown.
func (s *Service) List(ctx context.Context, caller Caller) (pending, active []View, err error) {
	all, err := s.store.ListForOrg(ctx, caller.OrgID)
	if err != nil {
		return nil, nil, fmt.Errorf("list connections: %w", err)
	}
	pending, active = []View{}, []View{}
	for _, c := range all {
		switch c.Status {
		case Pending:
			pending = append(pending, c.viewFor(caller.OrgID))
		case Active:
			active = append(active, c.viewFor(caller.OrgID))
		}
	}
	return pending, active, nil
}

// AllFor returns every connection the caller is a side of, ended ones
// included: their sync log outlives them.
func (s *Service) AllFor(ctx context.Context, caller Caller) ([]Connection, error) {
	all, err := s.store.ListForOrg(ctx, caller.OrgID)
	if err != nil {
		return nil, fmt.Errorf("list connections: %w", err)
	}
	return all, nil
}

// Get returns one connection the caller is a side of. Another organisation's
// connection is ErrNotFound, exactly like a missing one.
func (s *Service) Get(ctx context.Context, caller Caller, id string) (Connection, error) {
	c, err := s.store.Get(ctx, id)
	if err != nil {
		return Connection{}, fmt.Errorf("get connection %s: %w", id, err)
	}
	if !c.Involves(caller.OrgID) {
		return Connection{}, fmt.Errorf("get connection %s: %w", id, ErrNotFound)
	}
	return c, nil
}

// NewCode replaces a pending connection's code; the old one stops working.
func (s *Service) NewCode(ctx context.Context, caller Caller, id string) (Created, error) {
	c, err := s.Get(ctx, caller, id)
	if err != nil {
		return Created{}, err
	}
	if c.Status != Pending {
		return Created{}, fmt.Errorf("new code for connection %s: %w", id, ErrNotPending)
	}
	code, err := newCode()
	if err != nil {
		return Created{}, fmt.Errorf("new code for connection %s: %w", id, err)
	}
	old := c.CodeHash
	c.CodeHash = hashCode(normaliseCode(code))
	c.CodeExpiresAt = s.clock.Now().Add(CodeLifetime)
	if err := s.store.ReplaceCode(ctx, c, old); err != nil {
		if errors.Is(err, ErrConflict) {
			err = ErrNotPending
		}
		return Created{}, fmt.Errorf("new code for connection %s: %w", id, err)
	}
	s.log.InfoContext(ctx, "connection code replaced", "org_id", caller.OrgID, "connection_id", id)
	return Created{View: c.viewFor(caller.OrgID), VerificationCode: code}, nil
}

// End cancels a pending connection or disconnects an active one; both sides
// see it end.
func (s *Service) End(ctx context.Context, caller Caller, id string) error {
	c, err := s.Get(ctx, caller, id)
	if err != nil {
		return err
	}
	if c.Status == Ended {
		return fmt.Errorf("end connection %s: %w", id, ErrEnded)
	}
	prev := c.Status
	c.Status = Ended
	c.EndedAt = s.clock.Now()
	c.EndedBy = caller.OrgID
	c.CodeHash = ""
	if err := s.store.End(ctx, c, prev); err != nil {
		if errors.Is(err, ErrConflict) {
			err = ErrEnded
		}
		return fmt.Errorf("end connection %s: %w", id, err)
	}
	s.log.InfoContext(ctx, "connection ended", "org_id", caller.OrgID, "connection_id", id, "was", prev)
	return nil
}

func (c Connection) viewFor(org string) View {
	partnerID, partnerName := c.Partner(org)
	v := View{
		ID:           c.ID,
		ContractName: c.ContractName,
		Role:         c.RoleOf(org),
		Status:       c.Status,
		PartnerOrgID: partnerID,
		PartnerName:  partnerName,
		CreatedAt:    c.CreatedAt,
	}
	if !c.AcceptedAt.IsZero() {
		t := c.AcceptedAt
		v.AcceptedAt = &t
	}
	if !c.EndedAt.IsZero() {
		t := c.EndedAt
		v.EndedAt = &t
	}
	if c.Status == Pending && c.CreatorOrg == org {
		t := c.CodeExpiresAt
		v.ExpiresAt = &t
	}
	return v
}

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

func newID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return "conn_" + strings.ToLower(idEncoding.EncodeToString(b))
}

// Package preview shows the target side of a connection what one of the
// source's tickets would become on its platform under its configuration —
// the description builder's result, the mapped values and what would be
// skipped — without writing anything anywhere.
package preview

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tandemsync/tandem/pkg/configuration"
	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/relay"
	"github.com/tandemsync/tandem/pkg/settings"
)

// Errors of Preview besides those of the connection and configuration
// packages.
var (
	// ErrNotTarget: only the target side configures how new tickets look.
	ErrNotTarget = errors.New("preview: only the target side previews new tickets")
	// ErrNotShared: no ticket with this id is shared with the caller — it
	// does not exist, or the source does not send it (not linked and not
	// matching the source's escalation rule). One answer for both, so the
	// preview cannot probe the source's other tickets.
	ErrNotShared = errors.New("preview: no such ticket is shared with you")
	// ErrCannotCreate: the caller's configuration could not create it.
	ErrCannotCreate = integration.ErrCannotCreate
)

// Connections finds a connection the caller is a side of.
type Connections interface {
	Get(ctx context.Context, caller connection.Caller, id string) (connection.Connection, error)
}

// Configs reads a side's configuration.
type Configs interface {
	GetConfig(ctx context.Context, connID, org string) (integration.Config, error)
}

// Accounts gives an organisation's platform credentials, server-side only.
type Accounts interface {
	Credentials(ctx context.Context, org string) (platform.Kind, platform.Credentials, error)
}

// Reader is the part of a platform client a preview uses: reads only.
type Reader interface {
	GetTicket(ctx context.Context, id string) (platform.Ticket, error)
	Picklist(ctx context.Context, kind platform.PicklistKind, parent string) ([]platform.Option, error)
}

// Readers builds a reader for stored credentials; ctx names the
// organisation they belong to (platform.WithOrg), whose hourly budget the
// reads count towards.
type Readers func(ctx context.Context, kind platform.Kind, creds platform.Credentials) (Reader, error)

// Links tells whether a source ticket is already linked on a connection.
type Links interface {
	LinkByTicket(ctx context.Context, connID, org, ticketID string) (relay.Link, error)
}

// Service runs previews.
type Service struct {
	Conns    Connections
	Configs  Configs
	Accounts Accounts
	Readers  Readers
	Links    Links
	Log      *slog.Logger
}

// Result is the ticket the target's platform would be asked to create and
// what would be skipped on the way.
type Result struct {
	Ticket  Ticket                `json:"ticket"`
	Skipped []integration.Skipped `json:"skipped"`
}

// Ticket is what a create sends, in the receiving platform's values.
type Ticket struct {
	Summary     string            `json:"summary"`
	Description string            `json:"description,omitempty"`
	Status      string            `json:"status,omitempty"`
	Priority    string            `json:"priority,omitempty"`
	Type        string            `json:"type,omitempty"`
	Category    string            `json:"category,omitempty"`
	Queue       string            `json:"queue,omitempty"`
	Account     string            `json:"account,omitempty"`
	StartDate   *time.Time        `json:"startDate,omitempty"`
	TargetDate  *time.Time        `json:"targetDate,omitempty"`
	Custom      map[string]string `json:"custom,omitempty"`
}

// Preview translates the source's ticket ticketID with the caller's
// (target's) configuration and the source's outbound settings, as the sync
// engine would when the ticket is escalated.
func (s *Service) Preview(ctx context.Context, caller connection.Caller, connID, ticketID string) (Result, error) {
	if ticketID == "" || len(ticketID) > 64 {
		return Result{}, fmt.Errorf("%w: ticketId must be 1 to 64 characters", connection.ErrInvalidInput)
	}
	c, err := s.Conns.Get(ctx, caller, connID)
	if err != nil {
		return Result{}, err
	}
	if c.Status != connection.Active {
		return Result{}, fmt.Errorf("connection %s is %s: %w", connID, c.Status, configuration.ErrNotActive)
	}
	if c.RoleOf(caller.OrgID) != connection.Target {
		return Result{}, ErrNotTarget
	}
	source, _ := c.Partner(caller.OrgID)
	kind, creds, err := s.Accounts.Credentials(ctx, source)
	if err != nil {
		return Result{}, s.hidePartner(ctx, source, err)
	}
	reader, err := s.Readers(platform.WithOrg(ctx, source), kind, creds)
	if err != nil {
		return Result{}, s.hidePartner(ctx, source, err)
	}
	t, err := reader.GetTicket(ctx, ticketID)
	var pe *platform.Error
	if errors.As(err, &pe) && pe.Reason == platform.ReasonNotFound {
		return Result{}, ErrNotShared
	}
	if err != nil {
		return Result{}, s.hidePartner(ctx, source, err)
	}
	sourceCfg, err := s.Configs.GetConfig(ctx, connID, source)
	if err != nil {
		return Result{}, fmt.Errorf("preview: configuration of the source: %w", err)
	}
	if err := s.shared(ctx, connID, source, t, sourceCfg); err != nil {
		return Result{}, err
	}
	mine, err := s.Configs.GetConfig(ctx, connID, caller.OrgID)
	if err != nil {
		return Result{}, fmt.Errorf("preview: configuration: %w", err)
	}
	origin := relay.OriginOf(ctx, reader, kind, t, mine)
	plan, err := integration.Compile(mine).Translate(integration.Change{Kind: integration.TicketCreated, Ticket: &t, Origin: origin}, sourceCfg.Outbound)
	if err != nil {
		return Result{}, err
	}
	out := Result{Skipped: plan.Skipped}
	if out.Skipped == nil {
		out.Skipped = []integration.Skipped{}
	}
	for _, cmd := range plan.Commands {
		if cmd.Op == integration.OpCreateTicket && cmd.Ticket != nil {
			t := cmd.Ticket
			out.Ticket = Ticket{
				Summary: t.Summary, Description: t.Description, Status: t.Status, Priority: t.Priority, Type: t.Type,
				Category: t.Category, Queue: t.Queue, Account: t.Account, StartDate: t.StartDate, TargetDate: t.TargetDate, Custom: t.Custom,
			}
		}
	}
	return out, nil
}

// shared reports whether the source sends the ticket to the caller: it is
// linked already, or the source's escalation rule selects it.
func (s *Service) shared(ctx context.Context, connID, source string, t platform.Ticket, sourceCfg integration.Config) error {
	_, err := s.Links.LinkByTicket(ctx, connID, source, t.ID)
	switch {
	case err == nil:
		return nil
	case !errors.Is(err, relay.ErrNoLink):
		return fmt.Errorf("preview: find link: %w", err)
	case integration.Escalates(t, sourceCfg.Escalation):
		return nil
	}
	return ErrNotShared
}

// hidePartner keeps the source's setup and platform errors from the
// caller, as the configuration service does for the partner's picklists.
func (s *Service) hidePartner(ctx context.Context, org string, err error) error {
	if errors.Is(err, settings.ErrNotConfigured) {
		return configuration.ErrPartnerNotConfigured
	}
	if s.Log != nil {
		s.Log.WarnContext(ctx, "partner ticket not read for a preview", "partner_org_id", org, "error", err)
	}
	return configuration.ErrPartnerUnavailable
}

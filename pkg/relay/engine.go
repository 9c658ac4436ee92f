package relay

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/queue"
)

// Connections lists an organisation's active connections.
type Connections interface {
	ActiveFor(ctx context.Context, org string) ([]connection.Connection, error)
}

// TicketConnections is implemented by Connections that read, with what
// vouches for org's connection list, the link of org's ticket on each
// connection they return, so an event makes one store request before its
// platform calls instead of two. A connection missing from links is read
// as usual.
type TicketConnections interface {
	ActiveForTicket(ctx context.Context, org, ticketID string) (conns []connection.Connection, links map[string]LinkRead, err error)
}

// Configs reads one side's integration configuration (the zero Config if
// none was saved).
type Configs interface {
	GetConfig(ctx context.Context, connID, org string) (integration.Config, error)
}

// Platforms gives the platform an organisation runs and a client for it.
type Platforms interface {
	Kind(ctx context.Context, org string) (platform.Kind, error)
	Client(ctx context.Context, org string) (platform.Client, error)
}

// Sender puts messages on a queue.
type Sender interface {
	Send(ctx context.Context, queue string, msgs ...queue.Message) error
}

// ActorIdentifier is implemented by clients that know which platform user
// they act as, so an event caused by Tandem's own write is dropped without a
// single API call.
type ActorIdentifier interface {
	ActorID(ctx context.Context) (string, error)
}

// TicketResolver is implemented by clients whose events name an item inside
// a ticket rather than the ticket (a Microsoft 365 reply names its message;
// the conversation's first message is the ticket).
type TicketResolver interface {
	TicketOf(ctx context.Context, id string) (string, error)
}

// EventScope is implemented by clients whose webhooks say what kind of
// change happened, so an event costs only the reads it needs.
type EventScope interface {
	// NotesHaveOwnEvents: a new note always fires a note event, so a
	// ticket event needs no note listing.
	NotesHaveOwnEvents() bool
	// FieldsChangeOnlyInTicketEvents: ticket fields never change with a
	// note, so a note event needs no ticket read.
	FieldsChangeOnlyInTicketEvents() bool
}

// EventsQueue and CommandsQueue name a platform's queues.
func EventsQueue(k platform.Kind) string   { return string(k) + "-events" }
func CommandsQueue(k platform.Kind) string { return string(k) + "-commands" }

// Engine handles events and commands. Safe for concurrent use.
type Engine struct {
	Store     Store
	Conns     Connections
	Configs   Configs
	Platforms Platforms
	Out       Sender
	Clock     clock.Clock
	Log       *slog.Logger
	// MaxInlineAttachment is the largest file carried inside a command;
	// SQS messages are capped at 256 KiB and the data travels base64.
	// Larger files travel through Files.
	MaxInlineAttachment int64
	// Files holds the content of larger files between the two sync
	// functions; nil means files over MaxInlineAttachment are skipped (and
	// logged as such).
	Files Files
	// MaxAttachment is the largest file copied at all (DefaultMaxAttachment).
	MaxAttachment int64
	// LedgerTTL is how long applied command ids are remembered.
	LedgerTTL time.Duration
	// Subscriptions restores change notifications after Graph's lifecycle
	// notifications; nil only logs them.
	Subscriptions Subscriptions
	// Failures, when set, turns a command that will not succeed into a
	// failure record holding its ticket's later commands (Failure); nil
	// logs it and lets later changes flow.
	Failures Failures
	// MaxReceives is the receive on which a command that keeps failing
	// becomes a failure instead of going back to the queue: the queue's
	// redrive count, so it never reaches the dead-letter queue.
	MaxReceives int
	// Progress, when set, counts initial syncs' progress.
	Progress Progress
	// Attention, when set, keeps the connections' attention lists
	// (unmapped values, refused transitions, stopped webhooks); Watches
	// the evidence of stopped webhooks, reported once the sweep has found
	// missed changes for WebhooksStoppedAfter
	// (DefaultWebhooksStoppedAfter).
	Attention            Attentions
	Watches              Watches
	WebhooksStoppedAfter time.Duration

	compiled *sync.Map // connID|org|version → *integration.Rules
	warm     *warm
}

// NewEngine fills defaults.
func NewEngine(e Engine) *Engine {
	if e.Clock == nil {
		e.Clock = clock.System{}
	}
	if e.Log == nil {
		e.Log = slog.New(slog.DiscardHandler)
	}
	if e.MaxInlineAttachment == 0 {
		e.MaxInlineAttachment = DefaultMaxInlineAttachment
	}
	if e.MaxAttachment == 0 {
		e.MaxAttachment = DefaultMaxAttachment
	}
	if e.LedgerTTL == 0 {
		e.LedgerTTL = 30 * 24 * time.Hour
	}
	if e.WebhooksStoppedAfter == 0 {
		e.WebhooksStoppedAfter = DefaultWebhooksStoppedAfter
	}
	e.compiled = &sync.Map{}
	e.warm = newWarm()
	return &e
}

// Handle dispatches one queue message.
func (e *Engine) Handle(ctx context.Context, env Envelope) error {
	switch {
	case env.Event != nil:
		return e.HandleEvent(ctx, env.Org, *env.Event)
	case env.Command != nil:
		return e.HandleCommand(ctx, *env.Command)
	case env.Release != nil:
		return e.release(ctx, *env.Release)
	}
	return fmt.Errorf("%w: envelope carries neither event nor command", ErrPermanent)
}

// ErrPermanent marks a message that can never succeed; the caller drops it
// (it is logged) instead of retrying it into the DLQ.
var ErrPermanent = errors.New("permanent failure")

// Retryable reports whether a failed message should go back to the queue.
func Retryable(err error) bool {
	if err == nil || errors.Is(err, ErrPermanent) {
		return false
	}
	var pe *platform.Error
	if errors.As(err, &pe) {
		return pe.Temporary()
	}
	return true
}

func (e *Engine) rules(ctx context.Context, connID, org string) (*integration.Rules, integration.Config, error) {
	cfg, err := e.Configs.GetConfig(ctx, connID, org)
	if err != nil {
		return nil, cfg, fmt.Errorf("configuration of %s on %s: %w", org, connID, err)
	}
	k := fmt.Sprintf("%s|%s|%d", connID, org, cfg.Version)
	if r, ok := e.compiled.Load(k); ok {
		return r.(*integration.Rules), cfg, nil
	}
	r := integration.Compile(cfg)
	e.compiled.Store(k, r)
	return r, cfg, nil
}

func (e *Engine) logEntry(ctx context.Context, l LogEntry) {
	l.At = e.Clock.Now()
	if err := e.Store.AppendLog(ctx, l); err != nil {
		e.Log.ErrorContext(ctx, "sync log not written", "connection_id", l.ConnectionID, "error", err)
	}
	e.logLine(ctx, l)
}

// logLine writes a sync log entry to the function's log.
func (e *Engine) logLine(ctx context.Context, l LogEntry) {
	lvl := slog.LevelInfo
	if l.Outcome == Failed {
		lvl = slog.LevelWarn
	}
	e.Log.Log(ctx, lvl, "sync "+string(l.Outcome), "connection_id", l.ConnectionID, "org_id", l.Org, "ticket", l.Ticket, "what", l.What, "reason", l.Reason)
}

// commandID is deterministic in what the command carries, so a redelivered
// event produces the same id and the ledger drops the repeat.
func commandID(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:16])
}

func fingerprint(body string) string {
	h := sha256.Sum256([]byte(strings.TrimSpace(body)))
	return "fp:" + hex.EncodeToString(h[:8])
}

func fileFingerprint(name string, size int64) string {
	return fingerprint("file\x00" + name + "\x00" + strconv.FormatInt(size, 10))
}

func (e *Engine) send(ctx context.Context, cmds []Command) error {
	if len(cmds) == 0 {
		return nil
	}
	byQueue := map[string][]queue.Message{}
	for _, c := range cmds {
		if err := e.stash(ctx, &c); err != nil {
			return err
		}
		body, err := json.Marshal(Envelope{Org: c.ToOrg, Command: &c})
		if err != nil {
			return fmt.Errorf("encode command: %w", err)
		}
		q := CommandsQueue(c.ToPlatform)
		byQueue[q] = append(byQueue[q], queue.Message{Group: queue.GroupID(c.ConnectionID, c.LinkKey), DedupID: c.ID, Body: body})
	}
	for _, q := range slices.Sorted(maps.Keys(byQueue)) {
		if err := e.Out.Send(ctx, q, byQueue[q]...); err != nil {
			return fmt.Errorf("queue commands on %s: %w", q, err)
		}
	}
	return nil
}

package relay

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
)

// Snapshot is what Tandem last knew of one side's ticket: the fields it
// syncs and the notes and files already accounted for (seen there, or
// written there by Tandem).
type Snapshot struct {
	Summary     string            `json:"summary,omitempty"`
	Status      string            `json:"status,omitempty"`
	Priority    string            `json:"priority,omitempty"`
	Category    string            `json:"category,omitempty"`
	Type        string            `json:"type,omitempty"`
	StartDate   string            `json:"startDate,omitempty"`
	TargetDate  string            `json:"targetDate,omitempty"`
	Custom      map[string]string `json:"custom,omitempty"`
	Closed      bool              `json:"closed,omitempty"`
	Notes       []string          `json:"notes,omitempty"`
	Attachments []string          `json:"attachments,omitempty"`
	// Times are the time entries accounted for, like Notes.
	Times []string `json:"times,omitempty"`
	// Pending holds fingerprints of notes Tandem is writing on this side,
	// recorded before the write so the platform's event for it is known as
	// an echo even if it arrives before the write's bookkeeping.
	Pending []string `json:"pending,omitempty"`
}

// Side is one organisation's end of a link.
type Side struct {
	Org      string        `json:"org"`
	Platform platform.Kind `json:"platform"`
	TicketID string        `json:"ticketId,omitempty"` // empty until the partner ticket exists
	// Seq counts changes of this side's snapshot; it keys update commands
	// so a redelivered event makes the same ids and a later change new ones.
	Seq      int64    `json:"seq"`
	Snapshot Snapshot `json:"snapshot"`
	// Creating is the marker (platform.Ticket.Ref) of a create of this
	// side's ticket that was sent but whose ticket id is not recorded yet:
	// set before the partner create, cleared with the id. A command that
	// finds it set looks the marker up before creating again.
	Creating string `json:"creating,omitempty"`
	// Refused is the platform's reason for refusing to create this side's
	// ticket for good: the changes that would follow the create are
	// skipped with it instead of waiting for a ticket that will not come.
	Refused string `json:"refused,omitempty"`
	// Blocked is the failure (Failure.ID) this side's writes wait behind:
	// a later command for this side is held until it is retried or skipped.
	Blocked string `json:"blocked,omitempty"`
	// RefusedTransition is the attention item (Attention.ID) of a status
	// change or close this side's platform refused: the next one that
	// succeeds clears it, at no cost while none is open.
	RefusedTransition string `json:"refusedTransition,omitempty"`
	// Stamp is the sequence of the newest delivery whose own copy of the
	// ticket was taken as the read (sourceState.ticketFor): one at or
	// below it is late, and the ticket is re-read instead.
	Stamp int64 `json:"stamp,omitempty"`
	// Version counts the writes of this side (SideWriter); only the
	// store sets it, and a store without side writes leaves it 0.
	Version int64 `json:"v,omitempty"`
}

// Link ties a source ticket to its partner ticket for one connection.
type Link struct {
	ConnectionID string `json:"connectionId"`
	// Key is "<source org>#<source ticket id>": stable from escalation on.
	Key     string `json:"key"`
	Source  Side   `json:"source"`
	Target  Side   `json:"target"`
	Version int64  `json:"version"` // optimistic concurrency
	// Indexed is the store's record of the tickets ("<org>#<ticket id>")
	// it has indexed this link under, so a write indexes only a ticket
	// new to the link (a side's ticket id is set once, or moves to a
	// follow-up). Only the store writes it; the engine carries it along.
	Indexed []string `json:"indexed,omitempty"`
}

// SideOf returns the side of org, and the other side.
func (l *Link) SideOf(org string) (mine, other *Side) {
	if l.Source.Org == org {
		return &l.Source, &l.Target
	}
	return &l.Target, &l.Source
}

// Outcome of one change in the sync log.
type Outcome string

const (
	Applied Outcome = "applied"
	Skipped Outcome = "skipped"
	Failed  Outcome = "failed"
	// Held: the change waits behind an earlier failure of its ticket.
	Held Outcome = "held"
)

// LogEntry is one line of a connection's sync log.
type LogEntry struct {
	ConnectionID string    `json:"connectionId"`
	At           time.Time `json:"at"`
	Outcome      Outcome   `json:"outcome"`
	Org          string    `json:"org"`    // the organisation whose platform was (or was not) written
	Ticket       string    `json:"ticket"` // the link key: "<source org>#<source ticket id>"
	TargetTicket string    `json:"targetTicket,omitempty"`
	What         string    `json:"what"`
	Reason       string    `json:"reason,omitempty"`
	// Position orders entries across connections (LogPosition); the store
	// sets it when reading.
	Position string `json:"-"`
}

// Errors of the Store.
var (
	ErrNoLink   = errors.New("no link for this ticket")
	ErrConflict = errors.New("link changed concurrently")
)

// Store keeps links, the command ledger and the sync log.
type Store interface {
	// LinkByTicket finds the link holding org's ticket on a connection.
	LinkByTicket(ctx context.Context, connID, org, ticketID string) (Link, error)
	// PutLink stores l if the stored version is l.Version (0: absent),
	// and each side's is the side's Version where the store keeps them
	// (SideWriter), and indexes each side's ticket id; it returns the
	// stored link (Version+1).
	PutLink(ctx context.Context, l Link) (Link, error)
	// Done reports whether a command id was already applied.
	Done(ctx context.Context, commandID string) (bool, error)
	// MarkDone records a command id as applied (kept until expires).
	MarkDone(ctx context.Context, commandID string, expires time.Time) error
	// AppendLog adds a sync log entry.
	AppendLog(ctx context.Context, e LogEntry) error
	LogReader
}

// SideWriter is implemented by stores that write one side of a link on
// its own: PutSide stores org's side of l if that side is as the caller
// read it (its Version), whatever the other side became meanwhile, and
// indexes that side's ticket as PutLink does; a write of the whole link
// (PutLink) still conflicts with any side write since its read. It
// returns l with org's side stored (Version+1) and the other side as the
// caller had it.
//
// Each side is written by the events of its own platform (the sending
// side's snapshot) and by the commands to its platform (the receiving
// side's bookkeeping), never by the other side's events or commands: so
// an event's write of its side and the command it just sent, which writes
// the other side, do not conflict and re-read, while two writers of the
// same side do. Only the write that creates the link, and
// stores without SideWriter, write both sides at once.
type SideWriter interface {
	PutSide(ctx context.Context, l Link, org string) (Link, error)
}

// DoneLogger is implemented by stores that record a command as applied and
// add its sync log entry in one request (both are unconditional writes);
// the engine uses it instead of MarkDone and AppendLog where it can.
type DoneLogger interface {
	MarkDoneWithLog(ctx context.Context, commandID string, expires time.Time, e LogEntry) error
}

// LinkLedger is implemented by stores that read a link by its key (a
// command carries it) in one request, and whether a command was applied
// together with that link; linkErr is ErrNoLink when there is none.
type LinkLedger interface {
	DoneWithLink(ctx context.Context, commandID, connID, linkKey string) (done bool, link Link, linkErr, err error)
	LinkByKey(ctx context.Context, connID, linkKey string) (Link, error)
}

// Command is one write for the partner's sync function.
type Command struct {
	ID           string              `json:"id"`
	ConnectionID string              `json:"connectionId"`
	LinkKey      string              `json:"linkKey"`
	FromOrg      string              `json:"fromOrg"`
	FromTicketID string              `json:"fromTicketId"`
	ToOrg        string              `json:"toOrg"`
	ToPlatform   platform.Kind       `json:"toPlatform"`
	SourceFileID string              `json:"sourceFileId,omitempty"`
	Data         []byte              `json:"data,omitempty"`    // attachment content, inline
	FileKey      string              `json:"fileKey,omitempty"` // attachment content in Engine.Files, when too large for Data
	Do           integration.Command `json:"do"`
	// Match: the command escalates a ticket of an initial sync, whose
	// partner ticket may already exist. A create looks for it by marker
	// first, and a note for the same text, so nothing is copied twice.
	Match bool `json:"match,omitempty"`
	// MatchNumber is the source ticket's number, set on an initial sync's
	// create when the target has a match rule (integration.Config
	// MatchField): a target ticket holding it in that field is matched too.
	MatchNumber string `json:"matchNumber,omitempty"`
	// SyncRun names the initial sync the command belongs to, whose
	// progress it counts.
	SyncRun string `json:"syncRun,omitempty"`
	// Resent: a create sent again for a link whose partner ticket is not
	// recorded (sendCreate): an attempt of an earlier send may have
	// created it, so it is looked up first.
	Resent bool `json:"resent,omitempty"`
}

// Envelope is what travels on the queues: an event from the webhook, a
// command from the partner's sync function, or a sweep request from the
// schedule.
type Envelope struct {
	Org     string          `json:"org"`
	Event   *platform.Event `json:"event,omitempty"`
	Command *Command        `json:"command,omitempty"`
	Sweep   *Sweep          `json:"sweep,omitempty"`
	Release *Release        `json:"release,omitempty"`
}

// Sweep asks Org's sync function to reconcile its side of a connection:
// list what its platform reports changed since the side's watermark and
// queue an event for each change, so what a webhook missed still crosses.
type Sweep struct {
	ConnectionID string `json:"connectionId"`
	// Since, when set, lists the changes since then instead of since the
	// watermark: the initial sync of a connection from a start date.
	Since *time.Time `json:"since,omitempty"`
	// At names the schedule tick or request, so a repeated send of the
	// same request is dropped by the queue.
	At time.Time `json:"at"`
}

// LogMatches reports whether e concerns ticket: its link key, or the ticket
// id of either side as it appears in the key ("<org>#<id>"). An empty ticket
// matches everything.
func LogMatches(e LogEntry, ticket string) bool {
	if ticket == "" || e.Ticket == ticket {
		return true
	}
	_, id, _ := strings.Cut(e.Ticket, "#")
	return id == ticket || e.TargetTicket == ticket
}

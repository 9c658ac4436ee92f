// Package sweep is the reconciliation sweep: on a schedule, each side of
// each active connection asks its platform what changed since that side's
// watermark and queues an ordinary event for each change, so the change
// goes through the same engine, ledger and echo suppression as a webhook's,
// and a delivery the platform dropped costs nothing but the wait for the
// next sweep.
//
// The schedule (Scheduler) only decides which sides are due and queues a
// relay.Sweep on each side's events queue; the side's own sync function,
// the only one holding that platform's credentials, runs it (Sweeper).
package sweep

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/queue"
	"github.com/tandemsync/tandem/pkg/relay"
)

// DefaultInterval is how often a side is swept unless its configuration
// says otherwise: the 3–15 minutes polling sync tools use, at the slow end,
// since webhooks carry the changes and the sweep only catches what they
// missed.
const DefaultInterval = 15 * time.Minute

// Overlap is how far before the watermark each query starts: platform
// clocks, second-resolution dates (ConnectWise) and replication delays
// can put a change a little behind one already seen. Changes already
// queued are recognised by the watermark and not queued again.
const Overlap = 5 * time.Minute

// ChangeLister is what a platform's client provides for the sweep: the
// tickets changed after since, with UpdatedAt set, from one query followed
// page by page. Autotask, ConnectWise, Halo and Zendesk filter on their
// own last-change dates; a mailbox, which has no such date, answers from
// its delta query instead (relay.ChangeReader, runDelta).
type ChangeLister interface {
	ChangedSince(ctx context.Context, since time.Time) ([]platform.Ticket, error)
}

// Mark is one connection side's sweep state.
type Mark struct {
	// Watermark is the platform's time of the newest change queued, and
	// Boundary the tickets queued with exactly that time (boundaryKey): a
	// later change at the same instant (a platform that keeps whole
	// seconds) is still new.
	Watermark time.Time `json:"watermark"`
	Boundary  []string  `json:"boundary,omitempty"`
	// LastRun is when the sweep last ran, on Tandem's clock.
	LastRun time.Time `json:"lastRun"`
	// Found is how many changes the last run queued.
	Found int `json:"found"`
	// Activation is set on the source side when the connection is
	// accepted (in the same write that activates it), and cleared by the
	// automatic initial sync it asks for: the first sweep of that side
	// once its configuration selects tickets (an escalation rule can only
	// be saved on an active connection).
	Activation *time.Time `json:"activation,omitempty"`
	// DeltaLink is where the next sweep of a side that lists changes by
	// delta link (Microsoft 365) resumes; its watermark stays unused.
	DeltaLink string `json:"deltaLink,omitempty"`
}

// Baselines gives the delta link a mailbox's subscription recorded when it
// was made: where a mailbox side's first sweep starts.
type Baselines interface {
	DeltaLink(ctx context.Context, org string) (string, error)
}

// Marks keeps each connection side's Mark.
type Marks interface {
	// Mark is the zero Mark when the side was never swept.
	Mark(ctx context.Context, connID, org string) (Mark, error)
	PutMark(ctx context.Context, connID, org string, m Mark) error
}

// Connections finds a connection by id.
type Connections interface {
	Get(ctx context.Context, id string) (connection.Connection, error)
}

// Links finds the link holding a ticket.
type Links interface {
	LinkByTicket(ctx context.Context, connID, org, ticketID string) (relay.Link, error)
}

// Totals starts an initial sync's progress and records how many tickets
// it found.
type Totals interface {
	StartSync(ctx context.Context, connID string, p relay.SyncProgress) error
	SetSyncTotal(ctx context.Context, connID, run string, total int) error
}

// Sweeper runs one side's sweep in that side's sync function.
type Sweeper struct {
	Conns     Connections
	Platforms relay.Platforms
	Links     Links
	Marks     Marks
	Totals    Totals
	// Configs is read only while the automatic initial sync is owed.
	Configs relay.Configs
	// Baselines is read only by a mailbox side's first sweep.
	Baselines Baselines
	Out       relay.Sender
	Clock     clock.Clock
	Log       *slog.Logger
}

// Run names an initial sync: its request's time.
func Run(req relay.Sweep) string { return req.At.UTC().Format(time.RFC3339Nano) }

// Run sweeps org's side of a connection: one query to org's platform, an
// event queued for each ticket changed since the watermark that this
// connection syncs, then the watermark moves — only once the events are
// queued, so a failed send repeats the sweep rather than losing a change.
func (s *Sweeper) Run(ctx context.Context, org string, req relay.Sweep) error {
	c, err := s.Conns.Get(ctx, req.ConnectionID)
	if errors.Is(err, connection.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sweep %s: %w", req.ConnectionID, err)
	}
	if c.Status != connection.Active || !c.Involves(org) {
		return nil
	}
	client, err := s.Platforms.Client(ctx, org)
	if err != nil {
		return fmt.Errorf("sweep %s: client for %s: %w", c.ID, org, err)
	}
	kind, err := s.Platforms.Kind(ctx, org)
	if err != nil {
		return fmt.Errorf("sweep %s: platform of %s: %w", c.ID, org, err)
	}
	lister, ok := client.(ChangeLister)
	reader, delta := client.(relay.ChangeReader)
	if !ok && (!delta || req.Since != nil) {
		s.Log.InfoContext(ctx, "platform cannot list changes: sweep skipped", "connection_id", c.ID, "org_id", org, "platform", kind)
		return nil
	}
	mark, err := s.Marks.Mark(ctx, c.ID, org)
	if err != nil {
		return fmt.Errorf("sweep %s: %w", c.ID, err)
	}
	if !ok {
		return s.runDelta(ctx, c, org, kind, reader, mark, req)
	}
	since := mark.Watermark
	if since.IsZero() {
		since = c.AcceptedAt
	}
	initial := req.Since != nil
	run := ""
	if initial {
		since, run = *req.Since, Run(req)
	} else if mark.Activation != nil {
		if since, run, err = s.activationSync(ctx, c, org, *mark.Activation); err != nil {
			return fmt.Errorf("sweep %s: %w", c.ID, err)
		}
		initial = run != ""
	}
	changed, err := lister.ChangedSince(ctx, since.Add(-Overlap))
	if err != nil {
		return fmt.Errorf("sweep %s on %s: %w", c.ID, kind, err)
	}
	source := c.RoleOf(org) == connection.Source
	if initial && !source {
		return nil // only the source's tickets are escalated
	}
	var msgs []queue.Message
	next := mark
	for _, t := range changed {
		if !initial && !mark.after(t) {
			continue
		}
		next.advance(t)
		if !source {
			// A target's ticket crosses only once linked; its unlinked
			// tickets are none of this connection's business.
			if _, err := s.Links.LinkByTicket(ctx, c.ID, org, t.ID); errors.Is(err, relay.ErrNoLink) {
				continue
			} else if err != nil {
				return fmt.Errorf("sweep %s: %w", c.ID, err)
			}
		}
		m, err := eventMessage(c.ID, org, kind, t, run)
		if err != nil {
			return err
		}
		msgs = append(msgs, m)
	}
	if len(msgs) > 0 {
		if err := s.Out.Send(ctx, relay.EventsQueue(kind), msgs...); err != nil {
			return fmt.Errorf("sweep %s: queue events: %w", c.ID, err)
		}
	}
	if initial {
		if err := s.Totals.SetSyncTotal(ctx, c.ID, run, len(msgs)); err != nil {
			return fmt.Errorf("sweep %s: %w", c.ID, err)
		}
	}
	next.LastRun, next.Found = s.Clock.Now(), len(msgs)
	if initial && mark.Activation != nil {
		next.Activation = nil
	}
	if err := s.Marks.PutMark(ctx, c.ID, org, next); err != nil {
		return fmt.Errorf("sweep %s: %w", c.ID, err)
	}
	s.Log.InfoContext(ctx, "swept", "connection_id", c.ID, "org_id", org, "platform", kind,
		"listed", len(changed), "queued", len(msgs), "watermark", next.Watermark, "initial", initial)
	return nil
}

// activationSync turns this sweep of the source side into the automatic
// initial sync the connection's activation asked for, once the side's
// configuration has an escalation rule: it reaches InitialSyncDays back
// from the activation and is named by it, so a repeated attempt is the
// same run. Until then ("" run) the sweep is an ordinary one and the
// initial sync stays owed.
func (s *Sweeper) activationSync(ctx context.Context, c connection.Connection, org string, activated time.Time) (time.Time, string, error) {
	cfg, err := s.Configs.GetConfig(ctx, c.ID, org)
	if err != nil {
		return time.Time{}, "", err
	}
	if cfg.Escalation.IsZero() {
		return time.Time{}, "", nil
	}
	days := cfg.InitialSyncDays
	if days == 0 {
		days = integration.DefaultInitialSyncDays
	}
	since := activated.AddDate(0, 0, -days)
	run := Run(relay.Sweep{At: activated})
	if err := s.Totals.StartSync(ctx, c.ID, relay.SyncProgress{Run: run, Since: since.UTC(), StartedAt: s.Clock.Now()}); err != nil {
		return time.Time{}, "", err
	}
	s.Log.InfoContext(ctx, "initial sync of the activation", "connection_id", c.ID, "org_id", org, "since", since)
	return since, run, nil
}

// runDelta sweeps a side whose platform lists changes by delta link rather
// than by date (a Microsoft 365 mailbox: the inbox's delta query): one
// delta round from the side's own link, followed page by page, an event
// queued for each message it names — what a change notification would
// have queued — and then the new link kept. The first sweep starts from
// the link the mailbox's subscription recorded when it was made, or,
// without one, only records where the next starts: reading the whole
// mailbox would escalate every mail it ever received.
func (s *Sweeper) runDelta(ctx context.Context, c connection.Connection, org string, kind platform.Kind, reader relay.ChangeReader, mark Mark, req relay.Sweep) error {
	link := mark.DeltaLink
	if link == "" && s.Baselines != nil {
		var err error
		if link, err = s.Baselines.DeltaLink(ctx, org); err != nil {
			s.Log.WarnContext(ctx, "no subscription delta link: the sweep starts from now", "connection_id", c.ID, "org_id", org, "error", err)
			link = ""
		}
	}
	ids, next, err := reader.InboxChanges(ctx, link)
	if err != nil {
		return fmt.Errorf("sweep %s on %s: %w", c.ID, kind, err)
	}
	if link == "" {
		ids = nil
	}
	msgs := make([]queue.Message, 0, len(ids))
	at := req.At.UTC().Format(time.RFC3339Nano)
	for _, id := range ids {
		ev := platform.Event{Platform: kind, Type: platform.EventMailReceived, TicketID: id, DeliveryID: "sweep:" + c.ID + ":" + id + ":" + at}
		body, err := json.Marshal(relay.Envelope{Org: org, Event: &ev})
		if err != nil {
			return fmt.Errorf("encode event: %w", err)
		}
		msgs = append(msgs, queue.Message{Group: queue.GroupID(org, id), DedupID: queue.DedupID("sweep", c.ID, org, id, at), Body: body})
	}
	if len(msgs) > 0 {
		if err := s.Out.Send(ctx, relay.EventsQueue(kind), msgs...); err != nil {
			return fmt.Errorf("sweep %s: queue events: %w", c.ID, err)
		}
	}
	mark.DeltaLink, mark.LastRun, mark.Found = next, s.Clock.Now(), len(msgs)
	if err := s.Marks.PutMark(ctx, c.ID, org, mark); err != nil {
		return fmt.Errorf("sweep %s: %w", c.ID, err)
	}
	s.Log.InfoContext(ctx, "swept", "connection_id", c.ID, "org_id", org, "platform", kind, "queued", len(msgs))
	return nil
}

// after reports whether t changed after what the mark has seen.
func (m Mark) after(t platform.Ticket) bool {
	switch t.UpdatedAt.Compare(m.Watermark) {
	case 1:
		return true
	case 0:
		return !slices.Contains(m.Boundary, boundaryKey(t))
	}
	return false
}

// advance moves the watermark to t's change when it is the newest.
func (m *Mark) advance(t platform.Ticket) {
	switch t.UpdatedAt.Compare(m.Watermark) {
	case 1:
		m.Watermark, m.Boundary = t.UpdatedAt, []string{boundaryKey(t)}
	case 0:
		if k := boundaryKey(t); !slices.Contains(m.Boundary, k) {
			m.Boundary = append(m.Boundary, k)
		}
	}
}

// boundaryKey names a ticket at the watermark by its id and what the
// listing showed of it: a platform keeping whole seconds (ConnectWise) can
// change the same ticket twice within the second a sweep saw, and the
// second change then shows only in its fields.
func boundaryKey(t platform.Ticket) string {
	t.UpdatedAt = time.Time{}
	h := sha256.Sum256(fmt.Appendf(nil, "%+v", t))
	return t.ID + "@" + hex.EncodeToString(h[:8])
}

// eventMessage is the event a webhook would have delivered for t's change.
// Its id is fixed by the change, so a sweep repeated after a failure
// queues nothing twice within the queue's deduplication window, and the
// ledger covers the rest.
// An initial sync's events name its run, which joins the id: a second run
// handles every ticket again.
func eventMessage(connID, org string, kind platform.Kind, t platform.Ticket, run string) (queue.Message, error) {
	// The listing's fields join the time: two changes within one second
	// of a platform keeping whole seconds are two events.
	at := strconv.FormatInt(t.UpdatedAt.UnixNano(), 10) + ":" + boundaryKey(t)
	ev := platform.Event{
		Platform: kind, Type: platform.EventTicketReconciled, TicketID: t.ID, OccurredAt: t.UpdatedAt,
		DeliveryID: relay.SweepDelivery + connID + ":" + at,
	}
	if run != "" {
		ev.Fields = map[string]string{relay.FieldSyncRun: run, relay.FieldSyncConnection: connID}
		ev.DeliveryID += ":" + run
	}
	body, err := json.Marshal(relay.Envelope{Org: org, Event: &ev})
	if err != nil {
		return queue.Message{}, fmt.Errorf("encode event: %w", err)
	}
	return queue.Message{Group: queue.GroupID(org, t.ID), DedupID: queue.DedupID("sweep", connID, org, t.ID, at, run), Body: body}, nil
}

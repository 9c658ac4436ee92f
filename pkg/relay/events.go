package relay

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
)

// sourceState is the current state of the ticket an event is about, read
// lazily: each read is a partner API call, and an event needs only what it
// can have changed.
type sourceState struct {
	client   platform.Client
	ticketID string
	ticket   platform.Ticket
	notes    []platform.Note
	files    []platform.Attachment
	times    []platform.TimeEntry
	loaded   struct{ ticket, notes, files, times bool }
	// fieldsUnchanged: a note event of a platform whose ticket fields only
	// change in ticket events; notesUnchanged: a ticket event of a platform
	// whose notes arrive as their own events (each note crosses with its
	// own event, whichever order they come in); created: such a platform's
	// creation event, when the ticket can hold no note without an event of
	// its own.
	fieldsUnchanged, notesUnchanged, created bool
	// filesOnCreate: a new ticket of this platform can hold files (a
	// mail's attachments), listed when it escalates.
	filesOnCreate bool
	// syncRun and syncConn name the initial sync the event belongs to
	// (from a Sweep with Since), on that connection only.
	syncRun, syncConn string
	// swept: the event comes from a reconciliation sweep; sent counts the
	// commands it sent, so a sweep's event that sends any found a change
	// no webhook delivered.
	swept bool
	sent  int
	// delivered and deliveredNote are the ticket and the note as the
	// delivery carried them (platform.Event.Ticket and .Note), seq the
	// delivery's sequence; noCustom: delivered has no custom fields.
	delivered     *platform.Ticket
	deliveredNote *platform.Note
	noCustom      bool
	seq           int64
	// fromDelivery: ticket is delivered's, not read.
	fromDelivery bool
}

// ticketFor makes the ticket known for one side of a link (nil: no link
// yet), taking the delivery's own copy as the read where that is safe.
//
// The rule: the delivered ticket is taken when the delivery is in order —
// its sequence is above the last one taken on this side (Side.Stamp) — and
// it carries what the connection reads (custom fields only where the
// platform's deliveries carry them, or where no field mapping, description
// part or escalation flag reads one). Otherwise the ticket is re-read: a
// late or repeated delivery (a sequence at or below the stamp), one
// without a sequence or without the whole ticket, and every sweep. A
// re-read is always right (the current state is the truth); an in-order
// delivery moves the side through the ticket's states in the order they
// happened, so the partner ends where the ticket is. One case is left to
// the reconciliation sweep: a delivery that leaves the snapshot as it was
// records no stamp, so an older one arriving after it is still taken.
func (s *sourceState) ticketFor(ctx context.Context, side *Side, customOK bool) error {
	var stamp int64
	if side != nil {
		stamp = side.Stamp
	}
	// At the stamp: taken already by this very event (escalate stores the
	// stamp before propagating), or a repeat of a delivery taken earlier.
	inOrder := s.seq > stamp || s.fromDelivery && s.seq == stamp
	usable := s.delivered != nil && s.seq > 0 && inOrder && (!s.noCustom || customOK)
	if s.loaded.ticket && s.fromDelivery && !usable {
		// Taken for another connection's side; this side saw newer.
		s.loaded.ticket, s.fromDelivery = false, false
	}
	if !s.loaded.ticket && usable {
		s.ticket, s.loaded.ticket, s.fromDelivery = *s.delivered, true, true
		return nil
	}
	return s.loadTicket(ctx)
}

// usesCustom reports whether the connection reads the sending side's
// custom fields: the receiver's field mappings or description parts, or
// the sender's escalation flag.
func usesCustom(sender, receiver integration.Config) bool {
	if sender.Escalation.Flag.Field != "" {
		return true
	}
	for _, m := range receiver.FieldMappings {
		if strings.HasPrefix(m.Partner, integration.CustomField("")) {
			return true
		}
	}
	for _, p := range receiver.DescriptionParts {
		if strings.HasPrefix(p, integration.CustomField("")) {
			return true
		}
	}
	return false
}

func (s *sourceState) loadTicket(ctx context.Context) error {
	return loadOnce(&s.loaded.ticket, &s.ticket, "read ticket "+s.ticketID, func() (platform.Ticket, error) {
		return s.client.GetTicket(ctx, s.ticketID)
	})
}

func (s *sourceState) loadNotes(ctx context.Context) error {
	return loadOnce(&s.loaded.notes, &s.notes, "list notes of "+s.ticketID, func() ([]platform.Note, error) {
		return s.client.ListNotes(ctx, s.ticketID, timeZero)
	})
}

func (s *sourceState) loadFiles(ctx context.Context) error {
	return loadOnce(&s.loaded.files, &s.files, "list attachments of "+s.ticketID, func() ([]platform.Attachment, error) {
		return s.client.ListAttachments(ctx, s.ticketID)
	})
}

// loadOnce reads one part of the source ticket into dst the first time it
// is needed; what names the read in an error.
func loadOnce[T any](loaded *bool, dst *T, what string, read func() (T, error)) error {
	if *loaded {
		return nil
	}
	v, err := read()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	*dst, *loaded = v, true
	return nil
}

// HandleEvent handles one event from org's platform.
func (e *Engine) HandleEvent(ctx context.Context, org string, ev platform.Event) error {
	switch ev.Type {
	case platform.EventTicketCreated, platform.EventTicketUpdated, platform.EventNoteCreated, platform.EventMailReceived, platform.EventTicketReconciled:
	case platform.EventSubscriptionRenew:
		return e.renew(ctx, org, ev)
	case platform.EventSubscriptionRemoved, platform.EventSubscriptionMissed:
		if e.Subscriptions != nil {
			return e.restore(ctx, org, ev)
		}
		e.Log.InfoContext(ctx, "event not synced", "org_id", org, "event", ev.Type)
		return nil
	default:
		// Lifecycle and delete events change no partner ticket; a deleted
		// ticket keeps its partner, which the partner's agents still own.
		e.Log.InfoContext(ctx, "event not synced", "org_id", org, "event", ev.Type, "ticket_id", ev.TicketID)
		return nil
	}
	if ev.TicketID == "" {
		return fmt.Errorf("%w: %s event without a ticket id", ErrPermanent, ev.Type)
	}
	if ev.ActorID != "" && ev.Type != platform.EventTicketReconciled && e.watchesClosed(org) && e.ownEcho(ctx, org, ev.ActorID) {
		// The echo of Tandem's own write, and no stopped-webhook report
		// for this delivery to clear: no store read, no API call.
		return nil
	}
	var conns []connection.Connection
	var links map[string]LinkRead
	var err error
	if tc, ok := e.Conns.(TicketConnections); ok {
		conns, links, err = tc.ActiveForTicket(ctx, org, ev.TicketID)
	} else {
		conns, err = e.Conns.ActiveFor(ctx, org)
	}
	if err != nil || len(conns) == 0 {
		return err
	}
	if ev.Type != platform.EventTicketReconciled {
		e.webhookArrived(ctx, conns, org)
	}
	client, err := e.Platforms.Client(ctx, org)
	if err != nil {
		return fmt.Errorf("client for %s: %w", org, err)
	}
	if ev.ActorID != "" && e.ownEcho(ctx, org, ev.ActorID) {
		// The echo of Tandem's own write: nothing to read, nothing to send.
		return nil
	}
	kind, err := e.Platforms.Kind(ctx, org)
	if err != nil {
		return err
	}
	if s, ok := client.(MailScreen); ok {
		what, skip, err := s.ScreenEvent(ctx, ev)
		if err != nil {
			return fmt.Errorf("screen %s item %s: %w", kind, ev.TicketID, err)
		}
		if skip != "" {
			for _, c := range conns {
				partner, _ := c.Partner(org)
				e.logEntry(ctx, LogEntry{ConnectionID: c.ID, Outcome: Skipped, Org: partner, Ticket: org + "#" + ev.TicketID, What: what, Reason: skip})
			}
			return nil
		}
	}
	if r, ok := client.(TicketResolver); ok {
		id, err := r.TicketOf(ctx, ev.TicketID)
		if err != nil {
			return fmt.Errorf("resolve %s item %s: %w", kind, ev.TicketID, err)
		}
		if id != ev.TicketID {
			links = nil // read for the item, not its ticket
		}
		ev.TicketID = id
	}
	src := &sourceState{client: client, ticketID: ev.TicketID, syncRun: ev.Fields[FieldSyncRun], syncConn: ev.Fields[FieldSyncConnection],
		noCustom: ev.NoCustom, seq: ev.Sequence}
	src.swept = ev.Type == platform.EventTicketReconciled && strings.HasPrefix(ev.DeliveryID, SweepDelivery) && src.syncRun == ""
	if ev.Ticket != nil && ev.Ticket.ID == ev.TicketID {
		src.delivered = ev.Ticket
	}
	if ev.Note != nil && ev.Note.TicketID == ev.TicketID {
		src.deliveredNote = ev.Note
	}
	if fb, ok := client.(FileBearer); ok {
		src.filesOnCreate = fb.TicketsCarryFiles()
	}
	if sc, ok := client.(EventScope); ok {
		src.fieldsUnchanged = ev.Type == platform.EventNoteCreated && sc.FieldsChangeOnlyInTicketEvents()
		src.notesUnchanged = (ev.Type == platform.EventTicketUpdated || ev.Type == platform.EventTicketCreated) && sc.NotesHaveOwnEvents()
		src.created = ev.Type == platform.EventTicketCreated && sc.NotesHaveOwnEvents()
	}
	for _, c := range conns {
		var pre *LinkRead
		if l, ok := links[c.ID]; ok {
			pre = &l
		}
		if err := e.eventForConnection(ctx, c, org, kind, src, pre); err != nil {
			return err
		}
	}
	return nil
}

// ownEcho reports whether actor is the platform user Tandem acts as on
// org's platform; any failure to tell says no, and the event goes the
// usual way.
func (e *Engine) ownEcho(ctx context.Context, org, actor string) bool {
	client, err := e.Platforms.Client(ctx, org)
	if err != nil {
		return false
	}
	id, ok := client.(ActorIdentifier)
	if !ok {
		return false
	}
	self, err := id.ActorID(ctx)
	return err == nil && self != "" && self == actor
}

// eventForConnection handles the event on one connection; pre is the link
// as read with the connection list (nil: read it here).
func (e *Engine) eventForConnection(ctx context.Context, c connection.Connection, org string, kind platform.Kind, src *sourceState, pre *LinkRead) error {
	sent := src.sent
	for attempt := 0; ; attempt++ {
		var link Link
		var err error
		if attempt == 0 && pre != nil {
			link, err = pre.Link, pre.Err
		} else {
			link, err = e.Store.LinkByTicket(ctx, c.ID, org, src.ticketID)
		}
		switch {
		case errors.Is(err, ErrNoLink):
			err = e.escalate(ctx, c, org, kind, src)
		case err == nil:
			err = e.propagate(ctx, c, org, link, src, false)
		}
		if errors.Is(err, ErrConflict) && attempt < 5 {
			continue // the link moved under us (a command landed): diff again
		}
		if err == nil && src.syncRun != "" && src.syncConn == c.ID {
			e.count(ctx, c.ID, src.syncRun, ProgressDone)
		}
		if err == nil && src.swept && src.sent > sent {
			e.noteMissed(ctx, c, org, kind)
		}
		return err
	}
}

// escalate sends a source ticket that matches the escalation rule to the
// target. Only the target receives new tickets.
func (e *Engine) escalate(ctx context.Context, c connection.Connection, org string, kind platform.Kind, src *sourceState) error {
	if c.RoleOf(org) != connection.Source {
		return nil
	}
	_, mine, err := e.rules(ctx, c.ID, org)
	if err != nil {
		return err
	}
	partner, _ := c.Partner(org)
	_, receiver, err := e.rules(ctx, c.ID, partner)
	if err != nil {
		return err
	}
	if err := src.ticketFor(ctx, nil, !usesCustom(mine, receiver)); err != nil {
		return err
	}
	if !integration.Escalates(src.ticket, mine.Escalation) {
		return nil
	}
	partnerKind, err := e.Platforms.Kind(ctx, partner)
	if err != nil {
		return fmt.Errorf("partner platform: %w", err)
	}
	// The description crosses with the create; every note on the ticket
	// then crosses as a note (as far as the customer's outbound actions
	// allow), whether it was written before the escalation or in the
	// moments before this event is handled — so the outcome does not
	// depend on which of a ticket's deliveries arrives first. Platforms
	// that keep the description as the first note (ConnectWise) do not
	// get it twice.
	snap := snapshotOf(src.ticket, Snapshot{})
	if !src.created {
		if err := src.loadNotes(ctx); err != nil {
			return err
		}
		for _, n := range src.notes {
			if strings.TrimSpace(n.Body) == strings.TrimSpace(src.ticket.Description) {
				snap.Notes = addID(snap.Notes, n.ID)
			}
		}
	}
	link := Link{
		ConnectionID: c.ID, Key: org + "#" + src.ticketID,
		Source: Side{Org: org, Platform: kind, TicketID: src.ticketID, Snapshot: snap, Seq: 1},
		Target: Side{Org: partner, Platform: partnerKind},
	}
	if src.fromDelivery {
		link.Source.Stamp = src.seq
	}
	// The link goes first, so the partner's sync function always finds it
	// when the create arrives; if we die before sending, the redelivered
	// event finds a link without a partner ticket and sends the create.
	stored, err := e.Store.PutLink(ctx, link)
	if err != nil {
		return err
	}
	if err := e.sendCreate(ctx, c, stored, src, mine.Outbound, false); err != nil {
		return err
	}
	// Notes already there follow the create, in the same message group.
	return e.propagate(ctx, c, org, stored, src, true)
}

// sendCreate (re)sends the create of a linked source ticket whose partner
// ticket does not exist yet. Its command id is fixed per link, so a resend
// is dropped by the queue or the ledger if the first one got through; a
// resend is marked Resent, since an attempt of the first may have created
// the ticket without recording it.
func (e *Engine) sendCreate(ctx context.Context, c connection.Connection, link Link, src *sourceState, outbound integration.Outbound, resend bool) error {
	rules, receiver, err := e.rules(ctx, c.ID, link.Target.Org)
	if err != nil {
		return err
	}
	_, sender, err := e.rules(ctx, c.ID, link.Source.Org)
	if err != nil {
		return err
	}
	if !src.loaded.ticket {
		// A resend for a link made by an earlier delivery: the stored
		// stamp decides, as for any linked side.
		if err := src.ticketFor(ctx, &link.Source, !usesCustom(sender, receiver)); err != nil {
			return err
		}
	}
	origin := OriginOf(ctx, src.client, link.Source.Platform, src.ticket, receiver)
	plan, err := rules.Translate(integration.Change{Kind: integration.TicketCreated, Ticket: &src.ticket, Origin: origin}, outbound)
	if err != nil {
		e.logEntry(ctx, LogEntry{ConnectionID: c.ID, Outcome: Failed, Org: link.Target.Org, Ticket: link.Key, What: "create ticket", Reason: err.Error()})
		return nil
	}
	cmds := e.commands(c, link, link.Source.Org, link.Target.Org, link.Target.Platform, plan, "create")
	src.mark(c.ID, cmds)
	for i := range cmds {
		cmds[i].Resent = resend && cmds[i].Do.Op == integration.OpCreateTicket
	}
	if receiver.MatchField != "" {
		number := cmp.Or(src.ticket.Number, src.ticket.ID)
		for i := range cmds {
			if cmds[i].Match && cmds[i].Do.Op == integration.OpCreateTicket {
				cmds[i].MatchNumber = number
			}
		}
	}
	if err := e.send(ctx, cmds); err != nil {
		return err
	}
	src.sent += len(cmds)
	e.logSkips(ctx, c.ID, link.Target.Org, link.Key, plan.Skipped)
	e.noteUnmapped(ctx, c.ID, link.Target.Org, link.Target.Platform, link.Key, src.ticket.Type, plan)
	return nil
}

func (e *Engine) commands(c connection.Connection, link Link, from, to string, toKind platform.Kind, p integration.Plan, tag string) []Command {
	fromSide, _ := link.SideOf(from)
	out := make([]Command, 0, len(p.Commands))
	for i, do := range p.Commands {
		cmd := Command{
			ID:           commandID(c.ID, link.Key, from, tag, strconv.Itoa(i), string(do.Op)),
			ConnectionID: c.ID, LinkKey: link.Key,
			FromOrg: from, FromTicketID: fromSide.TicketID, ToOrg: to, ToPlatform: toKind, Do: do,
		}
		if do.Attachment != nil {
			cmd.SourceFileID = do.Attachment.ID
			cmd.Data = do.Attachment.Data
		}
		out = append(out, cmd)
	}
	return out
}

func (e *Engine) logSkips(ctx context.Context, connID, org, key string, skips []integration.Skipped) {
	for _, s := range skips {
		e.logEntry(ctx, LogEntry{ConnectionID: connID, Outcome: Skipped, Org: org, Ticket: key, What: s.What, Reason: s.Reason})
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// MailScreen is implemented by clients whose events can be mail that must
// never become a ticket or note (automatic replies, bounces, the mailbox's
// own mail, a sender over its rate): skip says why, what names the mail,
// for the sync log.
type MailScreen interface {
	ScreenEvent(ctx context.Context, ev platform.Event) (what, skip string, err error)
}

// FileBearer is implemented by clients whose tickets can have files from
// the moment they exist (a mail's attachments and inline images): those
// cross with the escalation instead of waiting for a note to ride with.
type FileBearer interface {
	TicketsCarryFiles() bool
}

// Renewer is implemented by platforms whose webhook subscriptions expire
// (Microsoft Graph).
type Renewer interface {
	RenewWebhook(ctx context.Context, id string) (platform.Webhook, error)
}

// Subscriptions keeps an organisation's change-notification subscription
// (Microsoft Graph) and the delta link a catch-up resumes from; the
// webhook installer implements it.
type Subscriptions interface {
	// Reauthorize renews the subscription and records its new expiry.
	Reauthorize(ctx context.Context, org, subscriptionID string) error
	// Recreate replaces a subscription the platform removed; a repeat
	// for the same removed subscription does nothing.
	Recreate(ctx context.Context, org, subscriptionID string) error
	DeltaLink(ctx context.Context, org string) (string, error)
	SaveDeltaLink(ctx context.Context, org, link string) error
}

// ChangeReader is implemented by clients that can list what changed since
// a delta link (Microsoft Graph's delta query on the inbox): the items and
// the link to resume from next time. An empty link lists everything.
type ChangeReader interface {
	InboxChanges(ctx context.Context, deltaLink string) (ids []string, next string, err error)
}

// restore answers the lifecycle notifications that mean changes were or
// will be missed: subscriptionRemoved recreates the subscription, and
// both then catch up.
func (e *Engine) restore(ctx context.Context, org string, ev platform.Event) error {
	if ev.Type == platform.EventSubscriptionRemoved {
		if err := e.Subscriptions.Recreate(ctx, org, ev.Fields["subscriptionId"]); err != nil {
			return fmt.Errorf("recreate subscription of %s: %w", org, err)
		}
	}
	return e.CatchUp(ctx, org)
}

// CatchUp syncs what changed on org's platform since the stored delta link
// as if each change had been notified, then stores the new link. Handling
// a change twice creates nothing twice (links, snapshots and the command
// ledger see to that), so a catch-up that fails part-way is simply run
// again. Without a stored link it only records one: reading the whole
// mailbox would escalate every mail ever received.
func (e *Engine) CatchUp(ctx context.Context, org string) error {
	client, err := e.Platforms.Client(ctx, org)
	if err != nil {
		return fmt.Errorf("client for %s: %w", org, err)
	}
	cr, ok := client.(ChangeReader)
	if !ok {
		return fmt.Errorf("%w: %s cannot list changes to catch up", ErrPermanent, org)
	}
	kind, err := e.Platforms.Kind(ctx, org)
	if err != nil {
		return err
	}
	link, err := e.Subscriptions.DeltaLink(ctx, org)
	if err != nil {
		return fmt.Errorf("delta link of %s: %w", org, err)
	}
	ids, next, err := cr.InboxChanges(ctx, link)
	if err != nil {
		return fmt.Errorf("changes of %s: %w", org, err)
	}
	if link == "" {
		e.Log.WarnContext(ctx, "no delta link: catch-up starts from now", "org_id", org)
		ids = nil
	}
	for _, id := range ids {
		ev := platform.Event{Platform: kind, Type: platform.EventMailReceived, TicketID: id, DeliveryID: "catch-up-" + id}
		if err := e.HandleEvent(ctx, org, ev); err != nil {
			return fmt.Errorf("catch up %s: %w", id, err)
		}
	}
	if err := e.Subscriptions.SaveDeltaLink(ctx, org, next); err != nil {
		return fmt.Errorf("save delta link of %s: %w", org, err)
	}
	e.Log.InfoContext(ctx, "caught up", "org_id", org, "changes", len(ids))
	return nil
}

// renew answers Graph's reauthorizationRequired lifecycle notification by
// extending the subscription, so the mailbox keeps notifying.
func (e *Engine) renew(ctx context.Context, org string, ev platform.Event) error {
	id := ev.Fields["subscriptionId"]
	if e.Subscriptions != nil {
		if err := e.Subscriptions.Reauthorize(ctx, org, id); err != nil {
			return fmt.Errorf("reauthorize subscription %s: %w", id, err)
		}
		return nil
	}
	client, err := e.Platforms.Client(ctx, org)
	if err != nil {
		return fmt.Errorf("client for %s: %w", org, err)
	}
	r, ok := client.(Renewer)
	if !ok || id == "" {
		return fmt.Errorf("%w: %s asked to renew subscription %q it cannot renew", ErrPermanent, org, id)
	}
	hook, err := r.RenewWebhook(ctx, id)
	if err != nil {
		return fmt.Errorf("renew subscription %s: %w", id, err)
	}
	e.Log.InfoContext(ctx, "subscription renewed", "org_id", org, "subscription_id", id, "expires_at", hook.ExpiresAt)
	return nil
}

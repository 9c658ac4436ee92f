package relay

import (
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
// lazily so an event that concerns no connection costs no extra API call.
type sourceState struct {
	client platform.Client
	ticket platform.Ticket
	notes  []platform.Note
	files  []platform.Attachment
	loaded struct{ notes, files bool }
}

func (s *sourceState) loadNotes(ctx context.Context) error {
	if s.loaded.notes {
		return nil
	}
	n, err := s.client.ListNotes(ctx, s.ticket.ID, timeZero)
	if err != nil {
		return fmt.Errorf("list notes of %s: %w", s.ticket.ID, err)
	}
	s.notes, s.loaded.notes = n, true
	return nil
}

func (s *sourceState) loadFiles(ctx context.Context) error {
	if s.loaded.files {
		return nil
	}
	f, err := s.client.ListAttachments(ctx, s.ticket.ID)
	if err != nil {
		return fmt.Errorf("list attachments of %s: %w", s.ticket.ID, err)
	}
	s.files, s.loaded.files = f, true
	return nil
}

// HandleEvent handles one event from org's platform.
func (e *Engine) HandleEvent(ctx context.Context, org string, ev platform.Event) error {
	switch ev.Type {
	case platform.EventTicketCreated, platform.EventTicketUpdated, platform.EventNoteCreated, platform.EventMailReceived:
	default:
		// Lifecycle and delete events change no partner ticket; a deleted
		// ticket keeps its partner, which the partner's agents still own.
		e.Log.InfoContext(ctx, "event not synced", "org_id", org, "event", ev.Type, "ticket_id", ev.TicketID)
		return nil
	}
	if ev.TicketID == "" {
		return fmt.Errorf("%w: %s event without a ticket id", ErrPermanent, ev.Type)
	}
	conns, err := e.Conns.ActiveFor(ctx, org)
	if err != nil || len(conns) == 0 {
		return err
	}
	client, err := e.Platforms.Client(ctx, org)
	if err != nil {
		return fmt.Errorf("client for %s: %w", org, err)
	}
	if ev.ActorID != "" {
		if id, ok := client.(ActorIdentifier); ok {
			self, err := id.ActorID(ctx)
			if err == nil && self != "" && self == ev.ActorID {
				// The echo of Tandem's own write: nothing to read, nothing to send.
				return nil
			}
		}
	}
	kind, err := e.Platforms.Kind(ctx, org)
	if err != nil {
		return err
	}
	if r, ok := client.(TicketResolver); ok {
		id, err := r.TicketOf(ctx, ev.TicketID)
		if err != nil {
			return fmt.Errorf("resolve %s item %s: %w", kind, ev.TicketID, err)
		}
		ev.TicketID = id
	}
	ticket, err := client.GetTicket(ctx, ev.TicketID)
	if err != nil {
		return fmt.Errorf("read %s ticket %s: %w", kind, ev.TicketID, err)
	}
	src := &sourceState{client: client, ticket: ticket}
	for _, c := range conns {
		if err := e.eventForConnection(ctx, c, org, kind, src); err != nil {
			return err
		}
	}
	return nil
}

func (e *Engine) eventForConnection(ctx context.Context, c connection.Connection, org string, kind platform.Kind, src *sourceState) error {
	for attempt := 0; ; attempt++ {
		link, err := e.Store.LinkByTicket(ctx, c.ID, org, src.ticket.ID)
		switch {
		case errors.Is(err, ErrNoLink):
			err = e.escalate(ctx, c, org, kind, src)
		case err == nil:
			err = e.propagate(ctx, c, org, link, src)
		}
		if errors.Is(err, ErrConflict) && attempt < 5 {
			continue // the link moved under us (a command landed): diff again
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
	if !integration.Escalates(src.ticket, mine.Escalation) {
		return nil
	}
	partner, _ := c.Partner(org)
	partnerKind, err := e.Platforms.Kind(ctx, partner)
	if err != nil {
		return fmt.Errorf("partner platform: %w", err)
	}
	rules, _, err := e.rules(ctx, c.ID, partner)
	if err != nil {
		return err
	}
	key := org + "#" + src.ticket.ID
	plan, err := rules.Translate(integration.Change{Kind: integration.TicketCreated, Ticket: &src.ticket}, mine.Outbound)
	if err != nil {
		e.logEntry(ctx, LogEntry{ConnectionID: c.ID, Outcome: Failed, Org: partner, Ticket: key, What: "create ticket", Reason: err.Error()})
		return nil
	}
	// Notes already on the ticket stay where they are: the description
	// carries the story, and the partner's agents start from there.
	if err := src.loadNotes(ctx); err != nil {
		return err
	}
	snap := snapshotOf(src.ticket, Snapshot{})
	for _, n := range src.notes {
		snap.Notes = addID(snap.Notes, n.ID)
	}
	link := Link{
		ConnectionID: c.ID, Key: key,
		Source: Side{Org: org, Platform: kind, TicketID: src.ticket.ID, Snapshot: snap, Seq: 1},
		Target: Side{Org: partner, Platform: partnerKind},
	}
	cmds := e.commands(c, link, org, partner, partnerKind, plan, "create")
	if err := e.send(ctx, cmds); err != nil {
		return err
	}
	if _, err := e.Store.PutLink(ctx, link); err != nil {
		return err
	}
	e.logSkips(ctx, c.ID, partner, key, plan.Skipped)
	return nil
}

// propagate sends what changed on org's side of a linked ticket.
func (e *Engine) propagate(ctx context.Context, c connection.Connection, org string, link Link, src *sourceState) error {
	mine, other := link.SideOf(org)
	rules, _, err := e.rules(ctx, c.ID, other.Org)
	if err != nil {
		return err
	}
	_, myCfg, err := e.rules(ctx, c.ID, org)
	if err != nil {
		return err
	}
	cur := snapshotOf(src.ticket, mine.Snapshot)
	var plans []integration.Plan
	var tags []string
	add := func(p integration.Plan, tag string) {
		plans = append(plans, p)
		tags = append(tags, tag)
	}

	if fields := diff(mine.Snapshot, cur); len(fields) > 0 {
		p, err := rules.Translate(integration.Change{Kind: integration.TicketUpdated, Fields: fields}, myCfg.Outbound)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrPermanent, err)
		}
		add(p, "update:"+strconv.FormatInt(mine.Seq+1, 10))
	}
	if err := src.loadNotes(ctx); err != nil {
		return err
	}
	var files []platform.Attachment
	if myCfg.Outbound.Attachments {
		if err := src.loadFiles(ctx); err != nil {
			return err
		}
		for _, f := range src.files {
			if contains(cur.Attachments, f.ID) {
				continue
			}
			if fp := fileFingerprint(f.Name, f.Size); contains(cur.Pending, fp) {
				cur.Attachments = addID(cur.Attachments, f.ID)
				cur.Pending = removeID(cur.Pending, fp)
				continue
			}
			files = append(files, f)
		}
	}
	for _, n := range src.notes {
		if contains(cur.Notes, n.ID) {
			continue
		}
		cur.Notes = addID(cur.Notes, n.ID)
		if fp := fingerprint(n.Body); contains(cur.Pending, fp) {
			// Tandem wrote this note; the command's bookkeeping had not
			// landed when the platform's event did.
			cur.Pending = removeID(cur.Pending, fp)
			continue
		}
		var own []platform.Attachment
		files, own = splitByNote(files, n.ID)
		own, err := e.download(ctx, src, own)
		if err != nil {
			return err
		}
		for _, f := range own {
			cur.Attachments = addID(cur.Attachments, f.ID)
		}
		p, err := rules.Translate(integration.Change{Kind: integration.NoteAdded, Note: &n, Attachments: own}, myCfg.Outbound)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrPermanent, err)
		}
		add(p, "note:"+n.ID)
	}
	if len(files) > 0 {
		files, err = e.download(ctx, src, files)
		if err != nil {
			return err
		}
		var p integration.Plan
		for _, f := range files {
			cur.Attachments = addID(cur.Attachments, f.ID)
			p.Commands = append(p.Commands, integration.Command{Op: integration.OpAddAttachment, Attachment: &f})
		}
		add(p, "files")
	}
	if cur.Closed && !mine.Snapshot.Closed {
		p, err := rules.Translate(integration.Change{Kind: integration.TicketClosed, Ticket: &src.ticket}, myCfg.Outbound)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrPermanent, err)
		}
		add(p, "close:"+strconv.FormatInt(mine.Seq+1, 10))
	}
	if len(plans) == 0 && equalSnapshots(mine.Snapshot, cur) {
		return nil // nothing new: an echo, a duplicate, or a change nobody syncs
	}
	var cmds []Command
	for i, p := range plans {
		cmds = append(cmds, e.commands(c, link, org, other.Org, other.Platform, p, tags[i])...)
	}
	// Commands go out before the snapshot moves: if we crash in between,
	// the redelivered event rebuilds the same command ids and the ledger
	// drops them; the other order could lose the change.
	if err := e.send(ctx, cmds); err != nil {
		return err
	}
	mine.Snapshot = cur
	mine.Seq++
	if _, err := e.Store.PutLink(ctx, link); err != nil {
		return err
	}
	for _, p := range plans {
		e.logSkips(ctx, c.ID, other.Org, link.Key, p.Skipped)
	}
	return nil
}

// download fetches file content to travel inline; files too large for a
// queue message are logged and left out.
func (e *Engine) download(ctx context.Context, src *sourceState, files []platform.Attachment) ([]platform.Attachment, error) {
	var out []platform.Attachment
	for _, f := range files {
		if f.Size > e.MaxInlineAttachment {
			e.Log.WarnContext(ctx, "attachment too large to sync", "ticket_id", src.ticket.ID, "attachment_id", f.ID, "size", f.Size)
			continue
		}
		full, err := src.client.GetAttachment(ctx, src.ticket.ID, f.ID)
		if err != nil {
			return nil, fmt.Errorf("download attachment %s: %w", f.ID, err)
		}
		if int64(len(full.Data)) > e.MaxInlineAttachment {
			continue
		}
		out = append(out, full)
	}
	return out, nil
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
		if strings.HasPrefix(tag, "note:") && do.Op == integration.OpAddNote {
			cmd.SourceNoteID = strings.TrimPrefix(tag, "note:")
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

func splitByNote(files []platform.Attachment, noteID string) (rest, own []platform.Attachment) {
	for _, f := range files {
		if f.NoteID != "" && f.NoteID == noteID {
			own = append(own, f)
		} else {
			rest = append(rest, f)
		}
	}
	return rest, own
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

package relay

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
)

// propagate sends what changed on org's side of a linked ticket.
func (e *Engine) propagate(ctx context.Context, c connection.Connection, org string, link Link, src *sourceState, createSent bool) error {
	mine, other := link.SideOf(org)
	rules, otherCfg, err := e.rules(ctx, c.ID, other.Org)
	if err != nil {
		return err
	}
	_, myCfg, err := e.rules(ctx, c.ID, org)
	if err != nil {
		return err
	}
	if mine.Org == link.Source.Org && other.TicketID == "" && !createSent {
		// Linked by an earlier delivery whose create may never have been
		// queued (a crash between the two); its fixed command id makes a
		// resend harmless when it was.
		if err := e.sendCreate(ctx, c, link, src, myCfg.Outbound, true); err != nil {
			return err
		}
	}
	p := &propagation{e: e, src: src, rules: rules, outbound: myCfg.Outbound, was: mine.Snapshot, seq: mine.Seq, createSent: createSent,
		side: mine, customOK: !usesCustom(myCfg, otherCfg)}
	if err := p.plan(ctx); err != nil {
		return err
	}
	if len(p.plans) == 0 && equalSnapshots(mine.Snapshot, p.cur) {
		return nil // nothing new: an echo, a duplicate, or a change nobody syncs
	}
	var cmds []Command
	for i, plan := range p.plans {
		cmds = append(cmds, e.commands(c, link, org, other.Org, other.Platform, plan, p.tags[i])...)
	}
	if createSent {
		// The notes that follow an initial sync's create may be on a
		// matched partner ticket already.
		src.mark(c.ID, cmds)
	}
	// Commands go out before the snapshot moves: if we crash in between,
	// the redelivered event rebuilds the same command ids and the ledger
	// drops them; the other order could lose the change.
	if err := e.send(ctx, cmds); err != nil {
		return err
	}
	src.sent += len(cmds)
	mine.Snapshot = p.cur
	mine.Seq++
	if src.fromDelivery && src.seq > mine.Stamp {
		mine.Stamp = src.seq
	}
	// Only this side moves: the commands just sent write the other side,
	// and need not wait for this write nor make it conflict.
	if _, err := e.putSide(ctx, link, org); err != nil {
		return err
	}
	for _, plan := range p.plans {
		e.logSkips(ctx, c.ID, other.Org, link.Key, plan.Skipped)
		e.noteUnmapped(ctx, c.ID, other.Org, other.Platform, link.Key, p.cur.Type, plan)
	}
	return nil
}

// propagation is what one event on one side of a link sends to the other
// side: the plans, in the order they go out, and the snapshot the side
// moves to once they are sent.
type propagation struct {
	e        *Engine
	src      *sourceState
	rules    *integration.Rules   // the receiving side's
	outbound integration.Outbound // what the sending side lets out
	was      Snapshot             // the sending side's snapshot before the event
	seq      int64                // and its sequence number
	cur      Snapshot             // the snapshot after the event
	// createSent: the event escalated the ticket, whose create went out
	// just before this propagation.
	createSent bool
	// side is the sending side as stored (its Stamp decides whether the
	// delivery's copy of the ticket is taken); customOK: the connection
	// reads none of its custom fields.
	side     *Side
	customOK bool

	plans []integration.Plan
	tags  []string // the command-id tag of each plan
}

func (p *propagation) add(plan integration.Plan, tag string) {
	p.plans = append(p.plans, plan)
	p.tags = append(p.tags, tag)
}

// plan takes the steps in the order their changes cross: fields, each new
// note with its files, the files of no new note, the close.
func (p *propagation) plan(ctx context.Context) error {
	if err := p.fields(ctx); err != nil {
		return err
	}
	fresh, err := p.newNotes(ctx)
	if err != nil {
		return err
	}
	files, err := p.newFiles(ctx, len(fresh) > 0 || p.createSent && p.src.filesOnCreate)
	if err != nil {
		return err
	}
	if files, err = p.notes(ctx, fresh, files); err != nil {
		return err
	}
	if err := p.looseFiles(ctx, files); err != nil {
		return err
	}
	if err := p.timeEntries(ctx); err != nil {
		return err
	}
	return p.closed()
}

// fields reads the ticket, unless the event cannot have changed its
// fields, and plans an update of the fields that differ from the snapshot.
func (p *propagation) fields(ctx context.Context) error {
	p.cur = p.was.clone()
	if !p.src.fieldsUnchanged {
		if err := p.src.ticketFor(ctx, p.side, p.customOK); err != nil {
			return err
		}
		p.cur = snapshotOf(p.src.ticket, p.was)
		if p.src.fromDelivery && p.src.noCustom {
			p.cur.Custom = maps.Clone(p.was.Custom) // not delivered: unchanged as far as this event knows
		}
	}
	if fields := diff(p.was, p.cur); len(fields) > 0 {
		plan, err := p.rules.Translate(integration.Change{Kind: integration.TicketUpdated, Fields: fields, TicketType: p.cur.Type}, p.outbound)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrPermanent, err)
		}
		p.add(plan, "update:"+strconv.FormatInt(p.seq+1, 10))
	}
	return nil
}

// newNotes lists the ticket's notes, unless the event cannot have added
// one, and returns those not synced yet. Every note listed is recorded in
// the snapshot; one Tandem wrote itself is only recorded.
func (p *propagation) newNotes(ctx context.Context) ([]platform.Note, error) {
	listed := p.src.notes
	switch {
	case p.src.notesUnchanged:
	case p.src.deliveredNote != nil && !p.src.loaded.notes && !p.createSent:
		// A note never changes once written, and each note brings its own
		// event (the assumption NotesHaveOwnEvents states): the delivered
		// note is the read. Two notes whose deliveries swap places cross
		// in the order they arrive.
		listed = []platform.Note{*p.src.deliveredNote}
	default:
		if err := p.src.loadNotes(ctx); err != nil {
			return nil, err
		}
		listed = p.src.notes
	}
	var fresh []platform.Note
	for _, n := range listed {
		if contains(p.cur.Notes, n.ID) {
			continue
		}
		p.cur.Notes = addID(p.cur.Notes, n.ID)
		if fp := fingerprint(n.Body); contains(p.cur.Pending, fp) {
			// Tandem wrote this note; the command's bookkeeping had not
			// landed when the platform's event did.
			p.cur.Pending = removeID(p.cur.Pending, fp)
			continue
		} else if contains(p.cur.Pending, descriptionMark+fp) {
			continue // the description Tandem created the ticket with
		}
		fresh = append(fresh, n)
	}
	if p.src.loaded.notes {
		// Whether or not the platform made the description a note, it
		// would have by its first listing.
		p.cur.Pending = slices.DeleteFunc(p.cur.Pending, func(id string) bool { return strings.HasPrefix(id, descriptionMark) })
	}
	return fresh, nil
}

// newFiles returns the ticket's files not synced yet. Files travel with
// notes (Autotask fires no webhook for a file alone, Halo syncs them
// through actions), so they are listed only when a new note goes out: a
// status change costs no attachment listing. A file Tandem wrote itself is
// only recorded in the snapshot.
func (p *propagation) newFiles(ctx context.Context, noteGoesOut bool) ([]platform.Attachment, error) {
	if !p.outbound.Attachments || !noteGoesOut {
		return nil, nil
	}
	if err := p.src.loadFiles(ctx); err != nil {
		return nil, err
	}
	var files []platform.Attachment
	for _, f := range p.src.files {
		if contains(p.cur.Attachments, f.ID) {
			continue
		}
		if fp := fileFingerprint(f.Name, f.Size); contains(p.cur.Pending, fp) {
			p.cur.Attachments = addID(p.cur.Attachments, f.ID)
			p.cur.Pending = removeID(p.cur.Pending, fp)
			continue
		}
		files = append(files, f)
	}
	return files, nil
}

// notes plans each new note with the files attached to it, and returns the
// files attached to none of them.
func (p *propagation) notes(ctx context.Context, fresh []platform.Note, files []platform.Attachment) ([]platform.Attachment, error) {
	for _, n := range fresh {
		var own []platform.Attachment
		files, own = splitByNote(files, n.ID)
		own, skipped, err := p.fetch(ctx, own)
		if err != nil {
			return nil, err
		}
		plan, err := p.rules.Translate(integration.Change{Kind: integration.NoteAdded, Note: &n, Attachments: own}, p.outbound)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrPermanent, err)
		}
		plan.Skipped = append(plan.Skipped, skipped...)
		p.add(plan, "note:"+n.ID)
	}
	return files, nil
}

// looseFiles plans the new files that belong to no new note as one plan of
// their own.
func (p *propagation) looseFiles(ctx context.Context, files []platform.Attachment) error {
	if len(files) == 0 {
		return nil
	}
	files, skipped, err := p.fetch(ctx, files)
	if err != nil {
		return err
	}
	plan := integration.Plan{Skipped: skipped}
	for _, f := range files {
		plan.Commands = append(plan.Commands, integration.Command{Op: integration.OpAddAttachment, Attachment: &f})
	}
	p.add(plan, "files")
	return nil
}

// fetch downloads files to send and records every one of them, sent or
// skipped, as accounted for: a skipped file is logged once, not retried
// with each later note.
func (p *propagation) fetch(ctx context.Context, files []platform.Attachment) ([]platform.Attachment, []integration.Skipped, error) {
	out, skipped, err := p.e.fetch(ctx, p.src, files)
	if err != nil {
		return nil, nil, err
	}
	for _, f := range files {
		p.cur.Attachments = addID(p.cur.Attachments, f.ID)
	}
	return out, skipped, nil
}

// closed plans the close when the event closed the ticket.
func (p *propagation) closed() error {
	if !p.cur.Closed || p.was.Closed {
		return nil
	}
	plan, err := p.rules.Translate(integration.Change{Kind: integration.TicketClosed, Ticket: &p.src.ticket}, p.outbound)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrPermanent, err)
	}
	p.add(plan, "close:"+strconv.FormatInt(p.seq+1, 10))
	return nil
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

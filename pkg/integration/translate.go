package integration

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/tandemsync/tandem/pkg/platform"
)

// ErrCannotCreate means the configuration lacks what creating a ticket needs
// (a default ticket type or status): it is not a validated target side.
var ErrCannotCreate = errors.New("integration: configuration cannot create tickets")

// Translate turns one partner change into the plan for the receiving side,
// given the receiving side's configuration and the sending side's outbound
// settings (only the sender decides which of its actions and attachments
// leave). It compiles receiver on every call; sync functions that handle many
// changes should Compile once and call Rules.Translate.
func Translate(change Change, receiver Config, sender Outbound) (Plan, error) {
	return Compile(receiver).Translate(change, sender)
}

// Translate is the pure mapping engine: it reads nothing but its arguments.
// Values without a mapping are skipped with a reason, never guessed. An error
// means the change is malformed or the rules cannot create a ticket.
func (r *Rules) Translate(change Change, sender Outbound) (Plan, error) {
	var p Plan
	switch change.Kind {
	case TicketCreated:
		if change.Ticket == nil {
			return Plan{}, fmt.Errorf("integration: %s change without a ticket", change.Kind)
		}
		if err := r.create(*change.Ticket, change.Origin, &p); err != nil {
			return Plan{}, err
		}
		attachments(change.Attachments, nil, sender, &p)
	case TicketUpdated:
		r.update(change.Fields, change.TicketType, &p)
	case NoteAdded:
		if change.Note == nil {
			return Plan{}, fmt.Errorf("integration: %s change without a note", change.Kind)
		}
		r.note(*change.Note, change.Attachments, sender, &p)
	case TicketClosed:
		// An unmapped closing status is not guessed: the platform closes the
		// ticket with its own closing status, as CloseTicket("") defines.
		var status string
		if change.Ticket != nil {
			status = r.tables(change.Ticket.Type).status[change.Ticket.Status]
		}
		p.Commands = append(p.Commands, Command{Op: OpCloseTicket, Status: status})
	case TimeLogged:
		if change.Time == nil {
			return Plan{}, fmt.Errorf("integration: %s change without a time entry", change.Kind)
		}
		r.timeEntry(*change.Time, &p)
	default:
		return Plan{}, fmt.Errorf("integration: unknown change kind %q", change.Kind)
	}
	return p, nil
}

func (p *Plan) skip(what, reason string) {
	p.Skipped = append(p.Skipped, Skipped{What: what, Reason: reason})
}

// mapValue looks a partner picklist value up; unmapped, it records why and
// what happens instead.
func mapValue(table map[string]string, noun, partner, instead string, p *Plan) (string, bool) {
	mine, ok := table[partner]
	if !ok {
		p.skip(fmt.Sprintf("%s %q", noun, partner), fmt.Sprintf("partner %s %q has no mapping; %s", noun, partner, instead))
	}
	return mine, ok
}

func (r *Rules) create(src platform.Ticket, origin Origin, p *Plan) error {
	t := platform.Ticket{Summary: src.Summary, Description: describe(r.describe, src, origin), Queue: r.board, Account: r.account}
	switch mine, ok := r.ticketType[src.Type]; {
	case ok:
		t.Type = mine
	case r.defaultTicketType != "":
		t.Type = r.defaultTicketType
	case len(r.ticketType) == 0:
		// No type mapped and no default: my platform has no ticket types
		// (Microsoft 365 mail), which validation alone lets through.
	default:
		return fmt.Errorf("%w: partner ticket type %q is unmapped and there is no default ticket type", ErrCannotCreate, src.Type)
	}
	values := r.tables(src.Type)
	// Halo's rule: a mapped status wins, else the default, else the ticket
	// type's default (left empty for the platform to fill).
	switch mine, ok := values.status[src.Status]; {
	case ok:
		t.Status = mine
	case r.defaultStatus != "":
		t.Status = r.defaultStatus
	case !r.typeDefaultStatus:
		return fmt.Errorf("%w: partner status %q is unmapped and there is no default status", ErrCannotCreate, src.Status)
	}
	const platformDefault = "the platform's default applies"
	if src.Priority != "" {
		t.Priority, _ = mapValue(values.priority, "priority", src.Priority, platformDefault, p)
	}
	if src.Category != "" {
		t.Category, _ = mapValue(r.category, "category", src.Category, platformDefault, p)
	}

	var u platform.TicketUpdate
	for _, m := range r.fieldOrder {
		if v, ok := fieldValue(src, m.Partner); ok {
			setMapped(&u, m, v, p)
		}
	}
	if u.Summary != nil {
		t.Summary = *u.Summary
	}
	t.StartDate, t.TargetDate, t.Custom = u.StartDate, u.TargetDate, u.Custom

	// The summary is always copied because a ticket needs one; every other
	// field the partner filled in but nobody mapped is reported.
	const unmapped = "no field mapping, so it is not synced"
	if src.StartDate != nil && !r.mapsField(FieldStartDate) {
		p.skip("field "+FieldStartDate, unmapped)
	}
	if src.TargetDate != nil && !r.mapsField(FieldTargetDate) {
		p.skip("field "+FieldTargetDate, unmapped)
	}
	for _, key := range slices.Sorted(maps.Keys(src.Custom)) {
		if ref := CustomField(key); !r.mapsField(ref) {
			p.skip("field "+ref, unmapped)
		}
	}
	p.Commands = append(p.Commands, Command{Op: OpCreateTicket, Ticket: &t})
	return nil
}

func (r *Rules) mapsField(ref string) bool {
	_, ok := r.fields[ref]
	return ok
}

func (r *Rules) update(fields []FieldChange, partnerType string, p *Plan) {
	var u platform.TicketUpdate
	values := r.tables(partnerType)
	changed := false
	const unchanged = "the field is left unchanged"
	// The picklist fields go through their value tables.
	picklists := map[string]struct {
		table map[string]string
		noun  string
		dst   **string
	}{
		FieldStatus:     {values.status, "status", &u.Status},
		FieldPriority:   {values.priority, "priority", &u.Priority},
		FieldCategory:   {r.category, "category", &u.Category},
		FieldTicketType: {r.ticketType, "ticket type", &u.Type},
	}
	for _, f := range fields {
		if pl, ok := picklists[f.Field]; ok {
			if mine, ok := mapValue(pl.table, pl.noun, f.New, unchanged, p); ok {
				*pl.dst, changed = new(mine), true
			}
			continue
		}
		mine, ok := r.fields[f.Field]
		if !ok {
			p.skip("field "+f.Field, "no field mapping, so it is not synced")
			continue
		}
		if setMapped(&u, Mapping{Partner: f.Field, Mine: mine}, f.New, p) {
			changed = true
		}
	}
	if changed {
		p.Commands = append(p.Commands, Command{Op: OpUpdateTicket, Update: &u})
	}
}

func (r *Rules) note(n platform.Note, files []platform.Attachment, sender Outbound, p *Plan) {
	if !slices.Contains(sender.Actions, n.Kind) {
		p.skip(fmt.Sprintf("note %q", n.ID), fmt.Sprintf("partner action %q is not in the partner's outbound actions, so it stays on the partner's side", n.Kind))
		return
	}
	kind, public := r.defaultAction, n.Public
	if m, ok := r.actions[n.Kind]; ok {
		kind = m.Mine
		switch m.Visibility {
		case Public:
			public = true
		case Private:
			public = false
		}
	}
	if kind == "" {
		p.skip(fmt.Sprintf("note %q", n.ID), fmt.Sprintf("partner action %q has no mapping and there is no default action", n.Kind))
		return
	}
	out := &platform.Note{Kind: kind, Title: n.Title, Body: n.Body, Public: public, CreatedAt: n.CreatedAt}
	r.attribute(n, out)
	p.Commands = append(p.Commands, Command{Op: OpAddNote, Note: out})
	attachments(files, &public, sender, p)
}

// attachments plans the partner's files; public, when set, is the visibility
// of the note they belong to, which they follow so a note made private does
// not leak its files to the end user.
func attachments(files []platform.Attachment, public *bool, sender Outbound, p *Plan) {
	for _, a := range files {
		if !sender.Attachments {
			p.skip(fmt.Sprintf("attachment %q", a.Name), "the partner does not sync attachments out (its outbound.attachments is off)")
			continue
		}
		if public != nil {
			a.Public = *public
		}
		p.Commands = append(p.Commands, Command{Op: OpAddAttachment, Attachment: &a})
	}
}

// attribute says who wrote the partner's note n on my copy out: a mapped
// person becomes its author; otherwise the author's name, when the partner's
// platform gives one, heads the text.
func (r *Rules) attribute(n platform.Note, out *platform.Note) {
	for _, k := range []string{n.AuthorEmail, n.AuthorID} {
		if mine, ok := r.people[strings.ToLower(strings.TrimSpace(k))]; ok && k != "" {
			out.AuthorID = mine
			return
		}
	}
	if name := strings.TrimSpace(n.AuthorName); name != "" {
		out.Body = name + " wrote:\n\n" + n.Body
	}
}

// timeEntry plans the partner's time entry t on my ticket, credited to the
// mapped member (by worker id, then e-mail) or the default member, billed
// as the mapped work type or the default one.
func (r *Rules) timeEntry(t platform.TimeEntry, p *Plan) {
	what := fmt.Sprintf("time entry %q", t.ID)
	if r.time == nil {
		p.skip(what, "time entries are not enabled on this side")
		return
	}
	if t.Minutes <= 0 {
		p.skip(what, "it records no time")
		return
	}
	out := platform.TimeEntry{Start: t.Start, End: t.End, Minutes: t.Minutes, Note: t.Note, WorkerID: r.time.cfg.DefaultMember, Role: r.time.cfg.Role}
	mapped := false
	for _, k := range []string{t.WorkerID, t.WorkerEmail} {
		if mine, ok := r.time.members[strings.ToLower(strings.TrimSpace(k))]; ok && k != "" {
			out.WorkerID, mapped = mine, true
			break
		}
	}
	if mine, ok := r.time.workTypes[t.WorkType]; ok && t.WorkType != "" {
		out.WorkType = mine
	} else {
		out.WorkType = r.time.cfg.DefaultWorkType
	}
	if !mapped {
		// Credited to the default member: say whose time it was.
		if name := strings.TrimSpace(cmp.Or(t.WorkerName, t.WorkerEmail)); name != "" {
			out.Note = strings.TrimSpace(name + " worked:\n\n" + t.Note)
		}
	}
	p.Commands = append(p.Commands, Command{Op: OpAddTimeEntry, TimeEntry: &out})
}

package relay

import (
	"maps"
	"slices"
	"time"

	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
)

func dateText(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// clone copies the snapshot's slices and map, so editing the copy (notes
// found, fingerprints consumed) never changes the original it is diffed with.
func (s Snapshot) clone() Snapshot {
	s.Custom = maps.Clone(s.Custom)
	s.Notes = slices.Clone(s.Notes)
	s.Attachments = slices.Clone(s.Attachments)
	s.Pending = slices.Clone(s.Pending)
	s.Times = slices.Clone(s.Times)
	return s
}

// snapshotOf takes the synced fields of t, keeping the note and file ids
// the previous snapshot accounted for.
func snapshotOf(t platform.Ticket, prev Snapshot) Snapshot {
	s := prev.clone()
	s.Summary, s.Status, s.Priority, s.Category, s.Type = t.Summary, t.Status, t.Priority, t.Category, t.Type
	s.StartDate, s.TargetDate = dateText(t.StartDate), dateText(t.TargetDate)
	s.Custom = maps.Clone(t.Custom)
	s.Closed = t.Closed
	return s
}

// diff lists the fields that changed from old to cur, as the mapping engine
// wants them.
func diff(old, cur Snapshot) []integration.FieldChange {
	var out []integration.FieldChange
	add := func(field, o, n string) {
		if o != n {
			out = append(out, integration.FieldChange{Field: field, Old: o, New: n})
		}
	}
	add(integration.FieldSummary, old.Summary, cur.Summary)
	add(integration.FieldStatus, old.Status, cur.Status)
	add(integration.FieldPriority, old.Priority, cur.Priority)
	add(integration.FieldCategory, old.Category, cur.Category)
	add(integration.FieldTicketType, old.Type, cur.Type)
	add(integration.FieldStartDate, old.StartDate, cur.StartDate)
	add(integration.FieldTargetDate, old.TargetDate, cur.TargetDate)
	for _, k := range slices.Sorted(maps.Keys(cur.Custom)) {
		add(integration.CustomField(k), old.Custom[k], cur.Custom[k])
	}
	return out
}

// applyUpdate records what Tandem is about to write, so the platform's echo
// of the write diffs to nothing.
func applyUpdate(s *Snapshot, u platform.TicketUpdate) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&s.Summary, u.Summary)
	set(&s.Status, u.Status)
	set(&s.Priority, u.Priority)
	set(&s.Type, u.Type)
	set(&s.Category, u.Category)
	if u.StartDate != nil {
		s.StartDate = dateText(u.StartDate)
	}
	if u.TargetDate != nil {
		s.TargetDate = dateText(u.TargetDate)
	}
	if len(u.Custom) > 0 {
		if s.Custom == nil {
			s.Custom = map[string]string{}
		}
		maps.Copy(s.Custom, u.Custom)
	}
}

func addID(list []string, id string) []string {
	if id == "" || slices.Contains(list, id) {
		return list
	}
	return append(list, id)
}

func removeID(list []string, id string) []string {
	return slices.DeleteFunc(list, func(v string) bool { return v == id })
}

var timeZero time.Time

func equalSnapshots(a, b Snapshot) bool {
	return len(diff(a, b)) == 0 && a.Closed == b.Closed &&
		slices.Equal(a.Notes, b.Notes) && slices.Equal(a.Attachments, b.Attachments) && slices.Equal(a.Pending, b.Pending) && slices.Equal(a.Times, b.Times) &&
		len(a.Custom) == len(b.Custom)
}

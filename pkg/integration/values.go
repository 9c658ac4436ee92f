package integration

import (
	"fmt"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
)

// fieldValue reads a field of the partner's ticket as FieldChange text.
func fieldValue(t platform.Ticket, ref string) (string, bool) {
	switch ref {
	case FieldSummary:
		return t.Summary, true
	case FieldStartDate:
		return formatDate(t.StartDate)
	case FieldTargetDate:
		return formatDate(t.TargetDate)
	}
	key, ok := customKey(ref)
	if !ok {
		return "", false
	}
	v, ok := t.Custom[key]
	return v, ok
}

func formatDate(t *time.Time) (string, bool) {
	if t == nil {
		return "", false
	}
	return t.Format(time.RFC3339), true
}

// setMapped writes value into m.Mine on u, or records why it could not.
// Values pass as text: the validator only lets same-typed fields be mapped.
func setMapped(u *platform.TicketUpdate, m Mapping, value string, p *Plan) bool {
	switch m.Mine {
	case FieldSummary:
		u.Summary = new(value)
		return true
	case FieldStartDate, FieldTargetDate:
		if value == "" {
			p.skip("field "+m.Partner, "clearing a date is not supported: platform.TicketUpdate cannot express it")
			return false
		}
		d, err := time.Parse(time.RFC3339, value)
		switch {
		case err != nil:
			p.skip("field "+m.Partner, fmt.Sprintf("%q is not an RFC 3339 date", value))
			return false
		case m.Mine == FieldStartDate:
			u.StartDate = &d
		default:
			u.TargetDate = &d
		}
		return true
	}
	key, ok := customKey(m.Mine)
	if !ok {
		p.skip("field "+m.Partner, fmt.Sprintf("mapped to %q, which is not a field reference", m.Mine))
		return false
	}
	if u.Custom == nil {
		u.Custom = make(map[string]string)
	}
	u.Custom[key] = value
	return true
}

package integration

import (
	"strings"

	"github.com/tandemsync/tandem/pkg/platform"
)

// Parts of a new ticket's description (Config.DescriptionParts), besides
// custom fields ("custom:<key>", the partner's field).
const (
	PartSummary     = "summary"
	PartDescription = "description"
	PartContact     = "contact"
	PartAccount     = "account"
	PartPriority    = "priority"
	PartLink        = "link" // names the source ticket: platform, number and id
)

var descriptionParts = []string{PartSummary, PartDescription, PartContact, PartAccount, PartPriority, PartLink}

// Origin is what the sending side knows of its ticket beyond the ticket
// itself, for the description of the ticket it becomes.
type Origin struct {
	Platform platform.Kind `json:"platform,omitempty"`
	// PriorityName is the name of the ticket's priority on its platform,
	// read only when the description shows the priority.
	PriorityName string `json:"priorityName,omitempty"`
}

// describe builds a new ticket's description from the source ticket's
// parts, in the configured order: the description as its own paragraph,
// every other part as a "Label: value" line, parts without a value left
// out. No parts configured keeps the source description as it is.
func describe(parts []string, t platform.Ticket, o Origin) string {
	if len(parts) == 0 {
		return t.Description
	}
	var blocks []string
	var lines []string
	flush := func() {
		if len(lines) > 0 {
			blocks = append(blocks, strings.Join(lines, "\n"))
			lines = nil
		}
	}
	line := func(label, value string) {
		if value = strings.TrimSpace(value); value != "" {
			lines = append(lines, label+": "+value)
		}
	}
	for _, p := range parts {
		switch p {
		case PartDescription:
			if d := strings.TrimSpace(t.Description); d != "" {
				flush()
				blocks = append(blocks, d)
			}
		case PartSummary:
			line("Summary", t.Summary)
		case PartContact:
			line("Contact", t.Contact)
		case PartAccount:
			line("Account", t.AccountName)
		case PartPriority:
			if o.PriorityName != "" {
				line("Priority", o.PriorityName)
			} else {
				line("Priority", t.Priority)
			}
		case PartLink:
			ref := t.Number
			if ref == "" || ref == t.ID {
				ref = t.ID
			} else {
				ref += " (id " + t.ID + ")"
			}
			line("Source ticket", displayName(o.Platform)+" "+ref)
		default:
			if key, ok := customKey(p); ok {
				line(key, t.Custom[key])
			}
		}
	}
	flush()
	return strings.Join(blocks, "\n\n")
}

// descriptionParts checks the builder's parts: target side only, each known
// and used once, custom fields the partner's.
func (c *checker) descriptionParts(parts []string) {
	if len(parts) == 0 {
		return
	}
	if c.side.Role == Source {
		c.errs.Add("descriptionParts", "applies only to the target side, which receives new tickets")
		return
	}
	seen := make(map[string]int, len(parts))
	for i, p := range parts {
		path := row("descriptionParts", i)
		if j, dup := seen[p]; dup {
			c.errs.Add(path, "%q is already in %s; each part appears once", p, row("descriptionParts", j))
			continue
		}
		seen[p] = i
		if key, ok := customKey(p); ok {
			c.partnerHas(path, platform.PickCustomFields, key)
			continue
		}
		known := false
		for _, k := range descriptionParts {
			known = known || k == p
		}
		if !known {
			c.errs.Add(path, "%q is not one of summary, description, contact, account, priority, link or custom:<partner field>", p)
		}
	}
}

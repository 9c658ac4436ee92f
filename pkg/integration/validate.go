package integration

import (
	"fmt"

	"github.com/tandemsync/tandem/pkg/platform"
)

// Validate checks one side's configuration against both platforms' live
// catalogs. It returns nil or a *platform.ValidationError listing every
// problem at once, each FieldError naming the JSON path of the offending row
// (e.g. "statusMappings[3]") so the console can mark it.
func Validate(cfg Config, side Side, mine, partner Catalog) error {
	c := checker{
		side:    side,
		mine:    indexCatalog(mine),
		partner: indexCatalog(partner),
		boards:  mine.Boards,
	}
	if side.Role != Source && side.Role != Target {
		c.errs.Add("role", "must be %q or %q, got %q", Source, Target, side.Role)
		return c.errs.Err()
	}
	c.customFieldDefs(cfg.CustomFields)
	c.picklistMappings("statusMappings", cfg.StatusMappings, platform.PickStatuses)
	c.picklistMappings("priorityMappings", cfg.PriorityMappings, platform.PickPriorities)
	c.picklistMappings("categoryMappings", cfg.CategoryMappings, platform.PickCategories)
	c.typeMappings(cfg)
	c.creation(cfg)
	c.board(cfg)
	c.fieldMappings(cfg.FieldMappings)
	c.descriptionParts(cfg.DescriptionParts)
	c.actions(cfg)
	c.personMappings(cfg.PersonMappings)
	c.outbound(cfg.Outbound)
	c.escalation(cfg.Escalation)
	c.timeEntries(cfg.TimeEntries)
	if m := cfg.SweepMinutes; m != 0 && (m < MinSweepMinutes || m > MaxSweepMinutes) {
		c.errs.Add("sweepMinutes", "must be between %d and %d minutes, got %d", MinSweepMinutes, MaxSweepMinutes, m)
	}
	return c.errs.Err()
}

type checker struct {
	side          Side
	mine, partner catalogIndex
	boards        map[string]Board
	// myFields holds my custom fields by key: the catalog's plus my
	// definitions, filled by customFieldDefs before anything reads it.
	myFields map[string]FieldType
	errs     platform.ValidationError
}

type catalogIndex map[platform.PicklistKind]map[string]platform.Option

func indexCatalog(c Catalog) catalogIndex {
	idx := make(catalogIndex, len(c.Picklists))
	for kind, opts := range c.Picklists {
		m := make(map[string]platform.Option, len(opts))
		for _, o := range opts {
			m[o.ID] = o
		}
		idx[kind] = m
	}
	return idx
}

var nouns = map[platform.PicklistKind]string{
	platform.PickStatuses:     "status",
	platform.PickPriorities:   "priority",
	platform.PickCategories:   "category",
	platform.PickTicketTypes:  "ticket type",
	platform.PickQueues:       "queue",
	platform.PickActions:      "action",
	platform.PickCustomFields: "custom field",
	platform.PickWorkTypes:    "work type",
}

// noun names a picklist the way the platform's own screens do, so the
// administrator recognises the row.
func noun(kind platform.PicklistKind, k platform.Kind) string {
	switch {
	case kind == platform.PickQueues && k == platform.ConnectWise:
		return "service board"
	case kind == platform.PickQueues && k == platform.Halo:
		return "team"
	case kind == platform.PickActions && k != platform.Halo:
		return "note type"
	case kind == platform.PickWorkTypes && k == platform.Autotask:
		return "billing code"
	}
	return nouns[kind]
}

// partnerHas reports whether the partner's platform has the value, recording
// an error at path if not. Inactive partner values are accepted: old partner
// tickets still carry them.
func (c *checker) partnerHas(path string, kind platform.PicklistKind, id string) (platform.Option, bool) {
	o, ok := c.partner[kind][id]
	if !ok {
		c.errs.Add(path, "partner %s %q does not exist on %s", noun(kind, c.side.Partner), id, displayName(c.side.Partner))
	}
	return o, ok
}

// mineHas reports whether my platform has the value and it is active, since
// writing an inactive value fails on every platform.
func (c *checker) mineHas(path string, kind platform.PicklistKind, id string) (platform.Option, bool) {
	o, ok := c.mine[kind][id]
	switch {
	case !ok:
		c.errs.Add(path, "%s %q does not exist on %s", noun(kind, c.side.Platform), id, displayName(c.side.Platform))
	case !o.Active:
		c.errs.Add(path, "%s %q (%s) is inactive on %s; pick an active one", noun(kind, c.side.Platform), id, o.Name, displayName(c.side.Platform))
		ok = false
	}
	return o, ok
}

// duplicates tracks partner values already mapped in one table.
type duplicates struct {
	path string
	seen map[string]int
}

func newDuplicates(path string, n int) duplicates {
	return duplicates{path: path, seen: make(map[string]int, n)}
}

// check records an error if partner was already mapped by an earlier row.
func (d duplicates) check(c *checker, i int, what, partner string) {
	if j, dup := d.seen[partner]; dup {
		c.errs.Add(row(d.path, i), "partner %s %q is already mapped in %s; one partner value maps to one of mine", what, partner, row(d.path, j))
		return
	}
	d.seen[partner] = i
}

func row(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

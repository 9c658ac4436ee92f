package integration

import "github.com/tandemsync/tandem/pkg/platform"

// typeMappings checks the per-type rows like the connection-wide ones, and
// that each names a partner ticket type once.
func (c *checker) typeMappings(cfg Config) {
	dup := newDuplicates("typeMappings", len(cfg.TypeMappings))
	for i, tm := range cfg.TypeMappings {
		path := row("typeMappings", i)
		if tm.PartnerType == "" {
			c.errs.Add(path+".partnerType", "is required: the partner ticket type these rows apply to")
			continue
		}
		dup.check(c, i, noun(platform.PickTicketTypes, c.side.Partner), tm.PartnerType)
		c.partnerHas(path+".partnerType", platform.PickTicketTypes, tm.PartnerType)
		if len(tm.StatusMappings) == 0 && len(tm.PriorityMappings) == 0 {
			c.errs.Add(path, "has no status or priority rows; remove it or add rows")
		}
		c.picklistMappings(path+".statusMappings", tm.StatusMappings, platform.PickStatuses)
		c.picklistMappings(path+".priorityMappings", tm.PriorityMappings, platform.PickPriorities)
		if c.side.Platform == platform.ConnectWise && c.side.Role == Target && cfg.Board != "" {
			for j, r := range tm.StatusMappings {
				if o, ok := c.mine[platform.PickStatuses][r.Mine]; ok && o.Parent != "" && o.Parent != cfg.Board {
					c.errs.Add(row(path+".statusMappings", j), "status %q (%s) belongs to board %q, not to board %q new tickets land on", r.Mine, o.Name, o.Parent, cfg.Board)
				}
			}
		}
	}
}

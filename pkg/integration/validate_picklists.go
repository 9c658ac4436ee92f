package integration

import "github.com/tandemsync/tandem/pkg/platform"

func (c *checker) picklistMappings(path string, rows []Mapping, kind platform.PicklistKind) {
	dup := newDuplicates(path, len(rows))
	for i, r := range rows {
		dup.check(c, i, noun(kind, c.side.Partner), r.Partner)
		c.partnerHas(row(path, i), kind, r.Partner)
		c.mineHas(row(path, i), kind, r.Mine)
	}
}

// creation checks the settings that only matter when a ticket is created on
// my side, which happens on the target side alone.
func (c *checker) creation(cfg Config) {
	if c.side.Role == Source {
		const why = "applies only to the target side, which receives new tickets"
		if len(cfg.TicketTypeMappings) > 0 {
			c.errs.Add("ticketTypeMappings", why)
		}
		if cfg.DefaultTicketType != "" {
			c.errs.Add("defaultTicketType", why)
		}
		if cfg.DefaultStatus != "" {
			c.errs.Add("defaultStatus", why)
		}
		if cfg.UseTicketTypeDefaultStatus {
			c.errs.Add("useTicketTypeDefaultStatus", why)
		}
		return
	}
	c.picklistMappings("ticketTypeMappings", cfg.TicketTypeMappings, platform.PickTicketTypes)
	switch {
	case cfg.DefaultTicketType == "" && len(c.mine[platform.PickTicketTypes]) == 0:
		// A platform without ticket types (Microsoft 365 mail) creates
		// tickets without one.
	case cfg.DefaultTicketType == "":
		c.errs.Add("defaultTicketType", "is required: it is the type of new tickets whose partner type is unmapped")
	default:
		c.mineHas("defaultTicketType", platform.PickTicketTypes, cfg.DefaultTicketType)
	}
	switch {
	case cfg.DefaultStatus != "" && cfg.UseTicketTypeDefaultStatus:
		c.errs.Add("defaultStatus", "set either defaultStatus or useTicketTypeDefaultStatus, not both")
	case cfg.DefaultStatus != "":
		c.mineHas("defaultStatus", platform.PickStatuses, cfg.DefaultStatus)
	case !cfg.UseTicketTypeDefaultStatus:
		c.errs.Add("defaultStatus", "is required unless useTicketTypeDefaultStatus is set: it is the status of new tickets whose partner status is unmapped")
	}
}

// board applies ConnectWise's prerequisites for the board new tickets land
// on, and its rule that statuses belong to a board.
func (c *checker) board(cfg Config) {
	createsHere := c.side.Platform == platform.ConnectWise && c.side.Role == Target
	if !createsHere {
		if cfg.Board != "" {
			c.errs.Add("board", "applies only to a ConnectWise target side, where new tickets land on a service board")
		}
		return
	}
	if cfg.Board == "" {
		c.errs.Add("board", "is required: choose the ConnectWise service board new tickets land on")
		return
	}
	if _, ok := c.mineHas("board", platform.PickQueues, cfg.Board); !ok {
		return
	}
	facts := c.boards[cfg.Board]
	if !facts.HasStatuses {
		c.errs.Add("board", "board %q has no statuses; add statuses to it in ConnectWise", cfg.Board)
	}
	if !facts.HasDefaultTeam {
		c.errs.Add("board", "board %q has no default team; set one in ConnectWise", cfg.Board)
	}
	onBoard := func(path, status string) {
		if o, ok := c.mine[platform.PickStatuses][status]; ok && o.Parent != "" && o.Parent != cfg.Board {
			c.errs.Add(path, "status %q (%s) belongs to board %q, not to board %q new tickets land on", status, o.Name, o.Parent, cfg.Board)
		}
	}
	for i, r := range cfg.StatusMappings {
		onBoard(row("statusMappings", i), r.Mine)
	}
	if cfg.DefaultStatus != "" {
		onBoard("defaultStatus", cfg.DefaultStatus)
	}
}

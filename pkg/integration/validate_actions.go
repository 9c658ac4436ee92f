package integration

import (
	"maps"
	"slices"

	"github.com/tandemsync/tandem/pkg/platform"
)

func (c *checker) actions(cfg Config) {
	outbound := make(map[string]bool, len(cfg.Outbound.Actions))
	for _, a := range cfg.Outbound.Actions {
		outbound[a] = true
	}
	mapped := make(map[string]bool, len(cfg.ActionMappings))
	dup := newDuplicates("actionMappings", len(cfg.ActionMappings))
	for i, r := range cfg.ActionMappings {
		path := row("actionMappings", i)
		dup.check(c, i, noun(platform.PickActions, c.side.Partner), r.Partner)
		mapped[r.Partner] = true
		if r.Visibility != KeepVisibility && r.Visibility != Public && r.Visibility != Private {
			c.errs.Add(path, "visibility %q is not public, private or empty (keep the partner's)", r.Visibility)
		}
		p, pok := c.partnerHas(path, platform.PickActions, r.Partner)
		m, mok := c.mineHas(path, platform.PickActions, r.Mine)
		// Halo's troubleshooting table: two e-mail actions mapped together
		// send the mail from both instances and the sync times out.
		if pok && mok && p.IsEmail && m.IsEmail && !c.mailboxSide() {
			c.errs.Add(path, "partner action %q (%s) and action %q (%s) both send e-mail, so the mail would go out twice and the sync times out; map it to a note action", r.Partner, p.Name, r.Mine, m.Name)
		}
		c.loop(path, r.Mine, outbound)
	}

	if cfg.DefaultAction == "" {
		c.errs.Add("defaultAction", "is required: it receives every partner action without a mapping (an internal note is a good choice)")
		return
	}
	def, ok := c.mineHas("defaultAction", platform.PickActions, cfg.DefaultAction)
	if !ok {
		return
	}
	c.loop("defaultAction", cfg.DefaultAction, outbound)
	if !def.IsEmail || c.mailboxSide() {
		return
	}
	partnerActions := c.partner[platform.PickActions]
	for _, id := range slices.Sorted(maps.Keys(partnerActions)) {
		if p := partnerActions[id]; p.IsEmail && !mapped[id] {
			c.errs.Add("defaultAction", "action %q (%s) sends e-mail and would receive the partner's unmapped e-mail action %q (%s); choose a note action as default or map %q", cfg.DefaultAction, def.Name, id, p.Name, id)
		}
	}
}

// mailboxSide reports whether either side is a support mailbox. The e-mail
// action rules above are Halo's, for two PSAs that each mail their end
// user when a note lands; a mailbox holds a note only as the mail itself
// (its one action, the reply, is an e-mail), so applied to it they would
// refuse every configuration a mailbox can have.
func (c *checker) mailboxSide() bool {
	return c.side.Platform == platform.Graph || c.side.Partner == platform.Graph
}

// loop rejects landing a received action on one of my actions that is itself
// sent to the partner: it would travel straight back (Halo warns of the same).
func (c *checker) loop(path, mine string, outbound map[string]bool) {
	if outbound[mine] {
		c.errs.Add(path, "action %q is in outbound.actions, so every received action would be sent back to the partner in a loop; map it to an action that is not sent out", mine)
	}
}

func (c *checker) outbound(o Outbound) {
	seen := make(map[string]bool, len(o.Actions))
	for i, a := range o.Actions {
		path := row("outbound.actions", i)
		if seen[a] {
			c.errs.Add(path, "action %q is listed twice", a)
		}
		seen[a] = true
		c.mineHas(path, platform.PickActions, a)
	}
}

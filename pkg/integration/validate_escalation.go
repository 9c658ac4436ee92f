package integration

import "github.com/tandemsync/tandem/pkg/platform"

func (c *checker) escalation(r EscalationRule) {
	if c.side.Role == Target {
		if !r.IsZero() {
			c.errs.Add("escalation", "applies only to the source side, which sends tickets to the partner")
		}
		return
	}
	if r.IsZero() {
		c.errs.Add("escalation", "set at least one of queues, statuses, ticketTypes or flag; an empty rule sends no ticket")
		return
	}
	for i, q := range r.Queues {
		c.mineHas(row("escalation.queues", i), platform.PickQueues, q)
	}
	for i, s := range r.Statuses {
		c.mineHas(row("escalation.statuses", i), platform.PickStatuses, s)
	}
	for i, t := range r.TicketTypes {
		c.mineHas(row("escalation.ticketTypes", i), platform.PickTicketTypes, t)
	}
	if r.Flag == (Flag{}) {
		return
	}
	if _, ok := c.myFields[r.Flag.Field]; !ok {
		c.errs.Add("escalation.flag.field", "custom field %q does not exist on %s; define it under customFields", r.Flag.Field, displayName(c.side.Platform))
	}
	if r.Flag.Value == "" {
		c.errs.Add("escalation.flag.value", "is required: the value the flag field must hold for a ticket to escalate")
	}
}

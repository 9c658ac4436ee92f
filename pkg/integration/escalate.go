package integration

import (
	"slices"
	"strings"

	"github.com/tandemsync/tandem/pkg/platform"
)

// Escalates reports whether the source side sends ticket to the partner:
// every criterion the rule sets must match, and an empty rule matches nothing.
func Escalates(ticket platform.Ticket, rule EscalationRule) bool {
	if rule.IsZero() {
		return false
	}
	if len(rule.Queues) > 0 && !slices.Contains(rule.Queues, ticket.Queue) {
		return false
	}
	if len(rule.Statuses) > 0 && !slices.Contains(rule.Statuses, ticket.Status) {
		return false
	}
	if len(rule.TicketTypes) > 0 && !slices.Contains(rule.TicketTypes, ticket.Type) {
		return false
	}
	if rule.Flag != (Flag{}) {
		v, ok := ticket.Custom[rule.Flag.Field]
		return ok && strings.EqualFold(v, rule.Flag.Value)
	}
	return true
}

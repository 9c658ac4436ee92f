package integration

import (
	"testing"

	"github.com/tandemsync/tandem/pkg/platform"
)

func TestEscalates(t *testing.T) {
	ticket := autotaskTicket() // queue 6, status 8, type 2, Escalate to MSP = true
	example := loadConfig(t, "autotask-halo-source.json").Escalation
	cases := []struct {
		name   string
		ticket platform.Ticket
		rule   EscalationRule
		want   bool
	}{
		{"the example rule: queue and flag match", ticket, example, true},
		{"an empty rule sends nothing", ticket, EscalationRule{}, false},
		{"queue is one of several", ticket, EscalationRule{Queues: []string{"5", "6"}}, true},
		{"queue differs", ticket, EscalationRule{Queues: []string{"5"}}, false},
		{"status matches", ticket, EscalationRule{Statuses: []string{"8"}}, true},
		{"status differs", ticket, EscalationRule{Statuses: []string{"1"}}, false},
		{"ticket type matches", ticket, EscalationRule{TicketTypes: []string{"2", "3"}}, true},
		{"ticket type differs", ticket, EscalationRule{TicketTypes: []string{"1"}}, false},
		{"flag matches case-insensitively", ticket, EscalationRule{Flag: Flag{Field: "Escalate to MSP", Value: "True"}}, true},
		{"flag holds another value", ticket, EscalationRule{Flag: Flag{Field: "Escalate to MSP", Value: "false"}}, false},
		{"flag field absent", platform.Ticket{Queue: "6"}, EscalationRule{Flag: Flag{Field: "Escalate to MSP", Value: ""}}, false},
		{"every criterion matches", ticket, EscalationRule{Queues: []string{"6"}, Statuses: []string{"8"}, TicketTypes: []string{"2"}, Flag: example.Flag}, true},
		{"all must match: one criterion fails", ticket, EscalationRule{Queues: []string{"6"}, Statuses: []string{"8"}, TicketTypes: []string{"1"}, Flag: example.Flag}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Escalates(tc.ticket, tc.rule); got != tc.want {
				t.Errorf("Escalates = %v, want %v", got, tc.want)
			}
		})
	}
}

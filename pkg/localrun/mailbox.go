package localrun

import (
	"github.com/tandemsync/tandem/pkg/graph"
	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
)

// MailboxDesk is the demo support mailbox's own settings, added to the
// simulator's credentials: two categories and two service types, a rule
// that sends printer trouble from fabrikam.example to Hardware/Incident,
// and a closing reply.
func MailboxDesk(creds platform.Credentials) {
	creds[graph.FieldProvider] = graph.ProviderMicrosoft
	creds[graph.FieldCategories] = "Hardware, Software"
	creds[graph.FieldServiceTypes] = "Incident, Request"
	creds[graph.FieldDefaultCategory] = "Software"
	creds[graph.FieldDefaultServiceType] = "Request"
	creds[graph.FieldRules] = `[{"senderDomain":"fabrikam.example","subjectKeywords":["printer","toner"],"category":"Hardware","serviceType":"Incident"}]`
	creds[graph.FieldClosingReply] = MailboxClosingReply
}

// MailboxClosingReply is the demo mailbox's closing reply.
const MailboxClosingReply = "Your request is now closed. Thank you for contacting support."

// MailboxConfigs are both sides' configurations when a support mailbox
// escalates every new conversation to an MSP on partner (Halo or
// ConnectWise), in the simulators' ids: received mail ("mail") crosses as
// a public note, the MSP's public and private notes come back, where the
// mailbox mails the public ones to the requester and keeps the private
// ones out.
func MailboxConfigs(partner platform.Kind) (mailbox, msp integration.Config) {
	mailbox = integration.Config{
		DefaultAction: graph.NoteKindReply,
		Outbound:      integration.Outbound{Attachments: true, Actions: []string{graph.NoteKindMail}},
		Escalation:    integration.EscalationRule{Queues: []string{graph.InboxQueue}},
	}
	switch partner {
	case platform.Halo:
		mailbox.StatusMappings = []integration.Mapping{{Partner: "1", Mine: "New"}, {Partner: "2", Mine: "In Progress"}, {Partner: "9", Mine: "Resolved"}}
		msp = integration.Config{
			DefaultStatus:      "1",
			PriorityMappings:   []integration.Mapping{{Partner: "high", Mine: "2"}, {Partner: "normal", Mine: "3"}, {Partner: "low", Mine: "4"}},
			CategoryMappings:   []integration.Mapping{{Partner: "Hardware", Mine: "Hardware"}, {Partner: "Software", Mine: "Software"}},
			TicketTypeMappings: []integration.Mapping{{Partner: "Incident", Mine: "1"}, {Partner: "Request", Mine: "21"}},
			DefaultTicketType:  "1",
			// A requester's mail lands as "Partner Update", made public.
			ActionMappings: []integration.ActionMapping{{Partner: graph.NoteKindMail, Mine: "5", Visibility: integration.Public}},
			DefaultAction:  "5",
			// Public and private notes go to the mailbox side, which mails
			// only the public ones.
			Outbound: integration.Outbound{Attachments: true, Actions: []string{"3", "1"}},
		}
	case platform.ConnectWise:
		mailbox.StatusMappings = []integration.Mapping{{Partner: "1", Mine: "New"}, {Partner: "2", Mine: "In Progress"}, {Partner: "5", Mine: "Resolved"}}
		msp = integration.Config{
			DefaultStatus:      "1",
			PriorityMappings:   []integration.Mapping{{Partner: "high", Mine: "2"}, {Partner: "normal", Mine: "3"}, {Partner: "low", Mine: "4"}},
			CategoryMappings:   []integration.Mapping{{Partner: "Hardware", Mine: "31"}, {Partner: "Software", Mine: "30"}},
			TicketTypeMappings: []integration.Mapping{{Partner: "Incident", Mine: "20"}, {Partner: "Request", Mine: "21"}},
			DefaultTicketType:  "20",
			Board:              "1",
			Account:            "250",
			ActionMappings:     []integration.ActionMapping{{Partner: graph.NoteKindMail, Mine: "resolution"}},
			DefaultAction:      "resolution",
			Outbound:           integration.Outbound{Attachments: true, Actions: []string{"discussion", "internal"}},
		}
	}
	return mailbox, msp
}

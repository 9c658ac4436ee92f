package localrun_test

import (
	"github.com/tandemsync/tandem/pkg/connectwise/connectwisesim"
	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/zendesk"
)

// A vendor's Zendesk escalating to its IT service provider's ConnectWise,
// as in the seed: tickets land on the chosen service board, each Zendesk
// status and priority maps to a ConnectWise one, and one ConnectWise
// status serves two Zendesk statuses (new and open) while another (In
// Progress) serves none.
var (
	connectwiseFromZendesk = integration.Config{
		StatusMappings: []integration.Mapping{
			{Partner: "new", Mine: "1"}, {Partner: "open", Mine: "1"}, {Partner: "pending", Mine: "3"}, {Partner: "solved", Mine: "5"},
		},
		DefaultStatus: "1",
		PriorityMappings: []integration.Mapping{
			{Partner: "urgent", Mine: "1"}, {Partner: "high", Mine: "2"}, {Partner: "normal", Mine: "3"}, {Partner: "low", Mine: "3"},
		},
		TicketTypeMappings: []integration.Mapping{{Partner: "incident", Mine: "20"}, {Partner: "question", Mine: "21"}, {Partner: "problem", Mine: "22"}},
		DefaultTicketType:  "20",
		Board:              "1",
		Account:            connectwisesimCustomer,
		FieldMappings:      []integration.Mapping{{Partner: integration.FieldSummary, Mine: integration.FieldSummary}},
		ActionMappings:     []integration.ActionMapping{{Partner: zendesk.NoteKind, Mine: "resolution"}},
		DefaultAction:      "resolution",
		Outbound:           integration.Outbound{Attachments: true, Actions: []string{"discussion", "internal"}},
	}
	zendeskFromConnectWise = integration.Config{
		StatusMappings: []integration.Mapping{
			{Partner: "1", Mine: "open"}, {Partner: "2", Mine: "pending"}, {Partner: "3", Mine: "hold"}, {Partner: "5", Mine: "solved"},
		},
		PriorityMappings: []integration.Mapping{
			{Partner: "1", Mine: "urgent"}, {Partner: "2", Mine: "high"}, {Partner: "3", Mine: "normal"}, {Partner: "4", Mine: "low"},
		},
		ActionMappings: []integration.ActionMapping{{Partner: "discussion", Mine: zendesk.PartnerNoteKind}, {Partner: "internal", Mine: zendesk.PartnerNoteKind}},
		DefaultAction:  zendesk.PartnerNoteKind,
		Outbound:       integration.Outbound{Attachments: true, Actions: []string{zendesk.NoteKind}},
		Escalation:     integration.EscalationRule{Queues: []string{"360000002"}},
	}
)

// connectwisesimCustomer is the simulated site's customer company.
var connectwisesimCustomer = itoa(connectwisesim.CustomerCompanyID)

// The Zendesk pair runs through every scenario of the pairs list
// (TestEndToEnd, TestFaultsLeaveTheSameFinalState); it is appended here so
// the platforms' files stay apart.
func init() {
	pairs = append(pairs, pair{
		name: "Zendesk to ConnectWise", src: zendesk.Kind, dst: platform.ConnectWise,
		srcCfg: zendeskFromConnectWise, dstCfg: connectwiseFromZendesk,
		escalate: platform.Ticket{Summary: "Array controller degraded", Description: "Predictive failure on bay 3", Queue: "360000002",
			Priority: "high", Status: "open", Type: "incident"},
		stayHome: platform.Ticket{Summary: "Local only", Queue: "360000001", Priority: "normal", Status: "open", Type: "question"},
		want:     platform.Ticket{Status: "1", Priority: "2", Type: "20"},
		srcNote:  zendesk.NoteKind, dstNote: "discussion",
		dstStatus: "2", wantSrcStat: "pending",
		unmappedSrcStatus: "hold", srcClosedStatus: "solved",
	})
}

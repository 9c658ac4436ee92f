package integration

// Config is one side's configuration of one active connection, the body of
// PUT /v1/connections/{id}/config. Like Halo's inbound settings it describes
// how the PARTNER's changes land in this side's own platform; the only
// outward-facing parts are Outbound and, on the source side, Escalation.
// Picklist values are platform ids as strings, as in platform.Ticket.
type Config struct {
	// Version is the optimistic-concurrency token and lives in the document so
	// a GET → edit → PUT round trip carries it without headers: a PUT sends the
	// version it read, the store writes Version+1 only if the stored version
	// still equals it (0 for the first save). Validate ignores it.
	Version int64 `json:"version"`

	// StatusMappings map partner status → my status. A partner status without
	// a row leaves my ticket's status unchanged.
	StatusMappings []Mapping `json:"statusMappings,omitempty"`
	// DefaultStatus is the status of a ticket created on my side when the
	// partner's status is unmapped. Target side only.
	DefaultStatus string `json:"defaultStatus,omitempty"`
	// UseTicketTypeDefaultStatus leaves an unmapped status to my platform's
	// ticket-type default instead of DefaultStatus (Halo's "Action/Ticket
	// Type Default"). Target side only; excludes DefaultStatus.
	UseTicketTypeDefaultStatus bool `json:"useTicketTypeDefaultStatus,omitempty"`

	PriorityMappings []Mapping `json:"priorityMappings,omitempty"`
	CategoryMappings []Mapping `json:"categoryMappings,omitempty"`

	// TypeMappings hold status and priority rows for partner tickets of one
	// type, where workflows differ by type; a partner value without a row
	// there falls back to the connection-wide StatusMappings and
	// PriorityMappings.
	TypeMappings []TypeMapping `json:"typeMappings,omitempty"`

	// TicketTypeMappings and DefaultTicketType decide the type of tickets
	// created on my side, so only the target side, which receives new
	// tickets, may set them; the target must set DefaultTicketType.
	TicketTypeMappings []Mapping `json:"ticketTypeMappings,omitempty"`
	DefaultTicketType  string    `json:"defaultTicketType,omitempty"`

	// DescriptionParts choose which of the partner ticket's parts make up
	// the description of a ticket created on my side, in this order
	// (PartSummary, PartDescription, ..., or a partner custom field as
	// "custom:<key>"). Empty keeps the partner's description alone. Target
	// side only.
	DescriptionParts []string `json:"descriptionParts,omitempty"`

	// FieldMappings map partner field → my field; both are field references
	// (FieldSummary, FieldStartDate, FieldTargetDate or CustomField(key)) and
	// must have the same type.
	FieldMappings []Mapping `json:"fieldMappings,omitempty"`

	// ActionMappings map a partner action / note type to one of mine;
	// DefaultAction receives every partner action without a row.
	ActionMappings []ActionMapping `json:"actionMappings,omitempty"`
	DefaultAction  string          `json:"defaultAction,omitempty"`

	// PersonMappings map a partner note author — their e-mail address
	// (compared case-insensitively) or the partner platform's author id —
	// to a person on my platform (a Halo agent, an Autotask resource), who
	// is then shown as the author of the synced note. A note by an unmapped
	// author says who wrote it in its text.
	PersonMappings []Mapping `json:"personMappings,omitempty"`

	Outbound Outbound `json:"outbound"`

	// Escalation selects which of my tickets are sent to the partner. Source
	// side only.
	Escalation EscalationRule `json:"escalation,omitzero"`

	// Board is the ConnectWise service board new tickets land on; required
	// when my platform is ConnectWise and I am the target, invalid otherwise.
	Board string `json:"board,omitempty"`

	// Account is the customer account (ConnectWise company id, Autotask
	// company id) new tickets are filed under on my platform; target only.
	// ConnectWise refuses a ticket without one.
	Account string `json:"account,omitempty"`

	// CustomFields declares fields of my platform that field mappings and the
	// escalation flag may use in addition to those the platform reports.
	CustomFields []CustomFieldDef `json:"customFields,omitempty"`

	// TimeEntries lets time logged on the partner's ticket cross to mine as
	// a time entry. Source side only: the target's agents work the ticket
	// and log the time, and the source records it against its own ticket.
	TimeEntries TimeEntries `json:"timeEntries,omitzero"`

	// SweepMinutes is how often the reconciliation sweep asks my platform
	// what changed (0: every 15 minutes), MinSweepMinutes to MaxSweepMinutes.
	SweepMinutes int `json:"sweepMinutes,omitempty"`
}

// TimeEntries is how the partner's time lands on my platform. Off unless
// Enabled; when on, DefaultMember is required.
type TimeEntries struct {
	Enabled bool `json:"enabled"`
	// MemberMappings map who logged the time on the partner's side (their
	// worker id — Halo agent id, ConnectWise member id, Autotask resource
	// id — or e-mail address, compared case-insensitively) to my member or
	// resource id; DefaultMember is credited with everyone else's time.
	MemberMappings []Mapping `json:"memberMappings,omitempty"`
	DefaultMember  string    `json:"defaultMember,omitempty"`
	// WorkTypeMappings map a partner work type to mine (PickWorkTypes);
	// DefaultWorkType bills every other entry and is required where my
	// platform requires a billing code (Autotask).
	WorkTypeMappings []Mapping `json:"workTypeMappings,omitempty"`
	DefaultWorkType  string    `json:"defaultWorkType,omitempty"`
	// Role is the Autotask role (roleID) the time is worked in; Autotask
	// only.
	Role string `json:"role,omitempty"`
}

// TypeMapping is the status and priority rows for partner tickets whose
// type is PartnerType (a partner ticket type id).
type TypeMapping struct {
	PartnerType      string    `json:"partnerType"`
	StatusMappings   []Mapping `json:"statusMappings,omitempty"`
	PriorityMappings []Mapping `json:"priorityMappings,omitempty"`
}

// The sweep's interval bounds: the schedule ticks every five minutes, and a
// day between sweeps is the longest a missed change may wait.
const (
	MinSweepMinutes = 5
	MaxSweepMinutes = 24 * 60
)

// Mapping is one row of a mapping table: the partner's value and mine.
type Mapping struct {
	Partner string `json:"partner"`
	Mine    string `json:"mine"`
}

// Visibility overrides whether a received note is shown to the end user.
type Visibility string

const (
	KeepVisibility Visibility = ""        // public stays public, private stays private
	Public         Visibility = "public"  // the end user sees it
	Private        Visibility = "private" // agents only
)

// ActionMapping maps a partner action or note type to one of mine.
type ActionMapping struct {
	Partner    string     `json:"partner"`
	Mine       string     `json:"mine"`
	Visibility Visibility `json:"visibility,omitempty"`
}

// Outbound is what I send to the partner.
type Outbound struct {
	// Attachments syncs files on my notes to the partner (Halo's outbound
	// "sync attachments"); the partner cannot opt in on my behalf.
	Attachments bool `json:"attachments"`
	// Actions lists my actions / note types that are sent to the partner
	// (Halo's "Send to Connected Halo Instance"); others stay local.
	Actions []string `json:"actions,omitempty"`
}

// EscalationRule selects tickets by every criterion that is set; a list
// matches when the ticket's value is any of its entries. A rule with no
// criterion selects nothing, so a half-written rule never floods the partner.
type EscalationRule struct {
	Queues      []string `json:"queues,omitempty"` // Autotask queues, ConnectWise boards, Halo teams
	Statuses    []string `json:"statuses,omitempty"`
	TicketTypes []string `json:"ticketTypes,omitempty"`
	Flag        Flag     `json:"flag,omitzero"`
}

// Flag requires a custom field to hold a value, compared case-insensitively
// because platforms render booleans as "True" or "true".
type Flag struct {
	Field string `json:"field"` // custom field key, as in platform.Ticket.Custom
	Value string `json:"value"`
}

// IsZero reports whether the rule has no criterion.
func (r EscalationRule) IsZero() bool {
	return len(r.Queues) == 0 && len(r.Statuses) == 0 && len(r.TicketTypes) == 0 && r.Flag == Flag{}
}

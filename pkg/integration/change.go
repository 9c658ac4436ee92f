package integration

import "github.com/tandemsync/tandem/pkg/platform"

// ChangeKind is what happened to a partner ticket.
type ChangeKind string

const (
	TicketCreated ChangeKind = "ticket.created" // Ticket is the full partner ticket
	TicketUpdated ChangeKind = "ticket.updated" // Fields lists what changed
	NoteAdded     ChangeKind = "note.added"     // Note and its Attachments
	TicketClosed  ChangeKind = "ticket.closed"  // Ticket carries the closing status
	TimeLogged    ChangeKind = "time.logged"    // Time is the partner's time entry
)

// Change is one platform-neutral change on the partner's side, in the
// partner's ids. It is a tagged struct rather than an interface so it can
// travel through a queue as JSON.
type Change struct {
	Kind        ChangeKind            `json:"kind"`
	Ticket      *platform.Ticket      `json:"ticket,omitempty"`
	Fields      []FieldChange         `json:"fields,omitempty"`
	Note        *platform.Note        `json:"note,omitempty"`
	Attachments []platform.Attachment `json:"attachments,omitempty"`
	Time        *platform.TimeEntry   `json:"time,omitempty"`
	// TicketType is the partner ticket's current type, which selects its
	// TypeMappings in an update (a created or closed ticket carries its own).
	TicketType string `json:"ticketType,omitempty"`
	// Origin accompanies a created ticket, for its description.
	Origin Origin `json:"origin,omitzero"`
}

// FieldChange is one changed field. Field is a field reference (FieldStatus,
// FieldSummary, CustomField(key), ...); values are text, dates RFC 3339.
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old,omitempty"`
	New   string `json:"new"`
}

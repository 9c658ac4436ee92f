package integration

import "github.com/tandemsync/tandem/pkg/platform"

// Op is what a command does on the receiving platform.
type Op string

const (
	OpCreateTicket  Op = "ticket.create"
	OpUpdateTicket  Op = "ticket.update"
	OpCloseTicket   Op = "ticket.close"
	OpAddNote       Op = "note.add"
	OpAddAttachment Op = "attachment.add"
	OpAddTimeEntry  Op = "time.add"
)

// Plan is what one change becomes on the receiving side: the commands to
// apply in order, and what was deliberately not applied, for the sync log.
type Plan struct {
	Commands []Command `json:"commands"`
	Skipped  []Skipped `json:"skipped,omitempty"`
}

// Command is one write to the receiving platform, in its ids. It addresses
// the ticket linked to the partner's, which the executor resolves from the
// Link, so commands carry no receiving ticket id. It is a tagged struct so
// it can travel through the commands queue as JSON.
type Command struct {
	Op Op `json:"op"`
	// Ticket is the ticket to create (OpCreateTicket).
	Ticket *platform.Ticket `json:"ticket,omitempty"`
	// Update is the change to apply (OpUpdateTicket).
	Update *platform.TicketUpdate `json:"update,omitempty"`
	// Status is the closing status (OpCloseTicket); empty means the
	// platform's own closing status, as in platform.Client.CloseTicket.
	Status string `json:"status,omitempty"`
	// Note is the note to add (OpAddNote).
	Note *platform.Note `json:"note,omitempty"`
	// Attachment names the partner's file (its ids, so the executor can
	// download it) with the visibility it gets on my side (OpAddAttachment).
	Attachment *platform.Attachment `json:"attachment,omitempty"`
	// TimeEntry is the time to log, in my member and work type ids
	// (OpAddTimeEntry).
	TimeEntry *platform.TimeEntry `json:"timeEntry,omitempty"`
}

// Skipped is part of a change that was not applied, and why.
type Skipped struct {
	What   string `json:"what"`
	Reason string `json:"reason"`
}

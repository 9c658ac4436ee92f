package platform

import "time"

// Ticket is the platform-neutral view of a ticket. Picklist values are the
// platform's own ids as strings (Autotask "5", ConnectWise "550", Halo "2");
// mappings translate them between platforms.
type Ticket struct {
	ID          string `json:"id"`
	Number      string `json:"number,omitempty"` // human-facing number, e.g. Autotask "T20240101.0001"
	Summary     string `json:"summary"`
	Description string `json:"description,omitempty"`
	Status      string `json:"status,omitempty"`
	Priority    string `json:"priority,omitempty"`
	Type        string `json:"type,omitempty"`
	Category    string `json:"category,omitempty"`
	Queue       string `json:"queue,omitempty"` // Autotask queue, ConnectWise board, Halo team
	// Account is the customer account the ticket is filed under on the
	// receiving platform (ConnectWise company, Autotask company), when the
	// platform requires one.
	Account string `json:"account,omitempty"`
	// Contact and AccountName are the end user and customer account as the
	// ticket's own platform names them, where its ticket record carries
	// them; read for a partner's description, never written.
	Contact     string            `json:"contact,omitempty"`
	AccountName string            `json:"accountName,omitempty"`
	StartDate   *time.Time        `json:"startDate,omitempty"`
	TargetDate  *time.Time        `json:"targetDate,omitempty"`
	Closed      bool              `json:"closed,omitempty"`
	Custom      map[string]string `json:"custom,omitempty"` // custom field name → value as text
	UpdatedAt   time.Time         `json:"updatedAt,omitempty"`
	// Ref is the marker a ticket Tandem creates carries, kept in the
	// platform's own external-reference field (Autotask externalID,
	// ConnectWise externalXRef, a Halo external link, a Microsoft 365
	// extended property) so a create that may already have landed can be
	// found instead of repeated. Clients that can search by it implement
	// relay.TicketFinder.
	Ref string `json:"ref,omitempty"`
}

// TicketUpdate carries only the fields to change; nil means leave alone.
type TicketUpdate struct {
	Summary    *string           `json:"summary,omitempty"`
	Status     *string           `json:"status,omitempty"`
	Priority   *string           `json:"priority,omitempty"`
	Type       *string           `json:"type,omitempty"`
	Category   *string           `json:"category,omitempty"`
	StartDate  *time.Time        `json:"startDate,omitempty"`
	TargetDate *time.Time        `json:"targetDate,omitempty"`
	Custom     map[string]string `json:"custom,omitempty"`
}

// Note is a ticket note, Halo action, ConnectWise note or mail reply.
type Note struct {
	ID       string `json:"id"`
	TicketID string `json:"ticketId"`
	Kind     string `json:"kind,omitempty"` // platform note type / Halo action (outcome) id
	Title    string `json:"title,omitempty"`
	Body     string `json:"body"`
	Public   bool   `json:"public"` // visible to the end user
	AuthorID string `json:"authorId,omitempty"`
	// AuthorName and AuthorEmail name who wrote the note, where the
	// platform's note record says; read so the partner's copy can say who
	// wrote it, never written.
	AuthorName  string    `json:"authorName,omitempty"`
	AuthorEmail string    `json:"authorEmail,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
}

// Attachment is a file on a ticket. Data is only filled when downloaded.
type Attachment struct {
	ID          string `json:"id"`
	TicketID    string `json:"ticketId"`
	NoteID      string `json:"noteId,omitempty"`
	Name        string `json:"name"`
	ContentType string `json:"contentType,omitempty"`
	Size        int64  `json:"size"`
	Public      bool   `json:"public"`
	Data        []byte `json:"-"`
}

// TimeEntry is time logged against a ticket: an Autotask time entry, a
// ConnectWise time entry charged to a service ticket, a Halo action with
// time taken. Start and End are kept when the platform records them;
// Minutes is the duration either way.
type TimeEntry struct {
	ID       string     `json:"id"`
	TicketID string     `json:"ticketId"`
	Start    *time.Time `json:"start,omitempty"`
	End      *time.Time `json:"end,omitempty"`
	Minutes  int        `json:"minutes"`
	Note     string     `json:"note,omitempty"`
	// WorkerID and WorkerEmail are who logged the time (Autotask resource,
	// ConnectWise member, Halo agent); on a write WorkerID is the person
	// the entry is attributed to.
	WorkerID    string `json:"workerId,omitempty"`
	WorkerEmail string `json:"workerEmail,omitempty"`
	WorkerName  string `json:"workerName,omitempty"`
	// WorkType is a PickWorkTypes id (Autotask billingCodeID, ConnectWise
	// workType id).
	WorkType string `json:"workType,omitempty"`
	// Role is the Autotask role the time is worked in (roleID); other
	// platforms ignore it.
	Role string `json:"role,omitempty"`
}

// Option is one picklist entry read from a platform.
type Option struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Active   bool   `json:"active"`
	IsClosed bool   `json:"isClosed,omitempty"` // statuses: a closing status
	IsEmail  bool   `json:"isEmail,omitempty"`  // actions: the action sends an e-mail
	Type     string `json:"type,omitempty"`     // custom fields: text, number, date, boolean, picklist
	Parent   string `json:"parent,omitempty"`   // e.g. the ConnectWise board a status belongs to
}

// PicklistKind names a picklist the configuration UI can ask for.
type PicklistKind string

const (
	PickStatuses     PicklistKind = "statuses"
	PickPriorities   PicklistKind = "priorities"
	PickCategories   PicklistKind = "categories"
	PickTicketTypes  PicklistKind = "ticketTypes"
	PickQueues       PicklistKind = "queues"  // Autotask queues, ConnectWise boards, Halo teams
	PickActions      PicklistKind = "actions" // Halo actions/outcomes, Autotask/ConnectWise note types
	PickCustomFields PicklistKind = "customFields"
	// PickWorkTypes are what time is billed as: Autotask billing codes of
	// the work-type kind, ConnectWise work types.
	PickWorkTypes PicklistKind = "workTypes"
)

// EventType is what happened, normalised across platforms.
type EventType string

const (
	EventTicketCreated EventType = "ticket.created"
	EventTicketUpdated EventType = "ticket.updated"
	EventTicketDeleted EventType = "ticket.deleted"
	EventNoteCreated   EventType = "note.created"
	EventMailReceived  EventType = "mail.received" // Graph: a message arrived in the support mailbox
	// EventTicketReconciled is queued by the reconciliation sweep for a
	// ticket its platform reports changed: it says nothing of what
	// changed, so the ticket and its notes are read in full.
	EventTicketReconciled EventType = "ticket.reconciled"
	// Lifecycle events concern the webhook itself, not a ticket.
	EventWebhookDeactivated  EventType = "webhook.deactivated"      // Autotask deactivation URL
	EventSubscriptionRenew   EventType = "subscription.reauthorize" // Graph reauthorizationRequired
	EventSubscriptionRemoved EventType = "subscription.removed"
	EventSubscriptionMissed  EventType = "subscription.missed"
)

// Event is one verified webhook delivery in platform-neutral form. It names
// what changed; where the delivery carries the whole ticket or note, it
// carries them too, and the sync functions take them as their read when
// the delivery is in order (see relay's sourceState); otherwise they
// re-read the current state from the platform, because deliveries can
// arrive late, twice or out of order.
type Event struct {
	Platform   Kind              `json:"platform"`
	Type       EventType         `json:"type"`
	TicketID   string            `json:"ticketId,omitempty"`
	NoteID     string            `json:"noteId,omitempty"`
	ActorID    string            `json:"actorId,omitempty"` // who made the change, for echo suppression
	Sequence   int64             `json:"sequence,omitempty"`
	OccurredAt time.Time         `json:"occurredAt,omitempty"`
	DeliveryID string            `json:"deliveryId"`       // stable per delivery: the dedup key
	Fields     map[string]string `json:"fields,omitempty"` // changed fields the payload carried, as text
	// Ticket is the ticket as the delivery carried it, when the delivery
	// carries every field Tandem syncs (Halo's full-object payloads,
	// Autotask's payloads with the synced fields displayed always); nil
	// otherwise. NoCustom: the delivery cannot carry custom fields, so
	// Ticket.Custom is not the ticket's.
	Ticket   *Ticket `json:"ticket,omitempty"`
	NoCustom bool    `json:"noCustom,omitempty"`
	// Note is the note a note event announces, whole, when the delivery
	// carries it.
	Note *Note `json:"note,omitempty"`
}

// MaxCarried bounds the text a delivery's ticket or note may carry on the
// queue; a larger one is left out and read. An SQS message holds 256 KiB,
// and JSON can spell each of <, > and & in six bytes: a ticket and a note
// of 16 KiB each stay under 200 KiB however they are escaped.
const MaxCarried = 16 << 10

// Carried returns t for Event.Ticket, or nil when its text is too large
// to travel with the event.
func Carried[T Ticket | Note](t T) *T {
	size := 0
	switch v := any(t).(type) {
	case Ticket:
		size = len(v.Summary) + len(v.Description)
		for k, c := range v.Custom {
			size += len(k) + len(c)
		}
	case Note:
		size = len(v.Title) + len(v.Body)
	}
	if size > MaxCarried {
		return nil
	}
	return &t
}

package autotasksim

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// UDF is one user-defined field value on a ticket.
type UDF struct {
	Name  string  `json:"name"`
	Value *string `json:"value"`
}

// Ticket is the simulator's Tickets entity (a subset of the real fields).
type Ticket struct {
	ID                     int64      `json:"id"`
	TicketNumber           string     `json:"ticketNumber"`
	Title                  string     `json:"title"`
	Description            string     `json:"description"`
	Status                 int        `json:"status"`
	Priority               int        `json:"priority"`
	QueueID                *int64     `json:"queueID"`
	TicketType             *int       `json:"ticketType"`
	TicketCategory         *int       `json:"ticketCategory"`
	CompanyID              int64      `json:"companyID"`
	DueDateTime            time.Time  `json:"dueDateTime"`
	CreateDate             time.Time  `json:"createDate"`
	CompletedDate          *time.Time `json:"completedDate"`
	LastActivityDate       time.Time  `json:"lastActivityDate"`
	CreatorResourceID      int64      `json:"creatorResourceID"`
	LastActivityResourceID int64      `json:"lastActivityResourceID"`
	// ExternalID is the ticket's reference in another system (string, 50
	// characters; tphakala/go-autotask entities/ticket.go, django-autotask's
	// API_TICKET_ITEM); it can be queried.
	ExternalID        string `json:"externalID"`
	UserDefinedFields []UDF  `json:"userDefinedFields"`
}

// Note is the simulator's TicketNotes entity.
type Note struct {
	ID                int64     `json:"id"`
	TicketID          int64     `json:"ticketID"`
	Title             string    `json:"title"`
	Description       string    `json:"description"`
	NoteType          int       `json:"noteType"`
	Publish           int       `json:"publish"`
	CreateDateTime    time.Time `json:"createDateTime"`
	LastActivityDate  time.Time `json:"lastActivityDate"`
	CreatorResourceID int64     `json:"creatorResourceID"`
}

// Attachment is the simulator's TicketAttachments entity; Data is base64 on
// the wire.
type Attachment struct {
	ID                   int64     `json:"id"`
	ParentID             int64     `json:"parentID"`
	TicketID             int64     `json:"ticketID"`
	TicketNoteID         *int64    `json:"ticketNoteID"`
	Title                string    `json:"title"`
	FullPath             string    `json:"fullPath"`
	ContentType          string    `json:"contentType"`
	FileSize             int64     `json:"fileSize"`
	AttachmentType       string    `json:"attachmentType"`
	Publish              int       `json:"publish"`
	AttachDate           time.Time `json:"attachDate"`
	AttachedByResourceID int64     `json:"attachedByResourceID"`
	Data                 []byte    `json:"data,omitempty"`
}

// Tickets returns a copy of every ticket, by id.
func (s *Server) Tickets() []Ticket {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Ticket, 0, len(s.tickets))
	for _, t := range s.tickets {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b Ticket) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// Ticket returns one ticket.
func (s *Server) Ticket(id int64) (Ticket, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tickets[id]
	if !ok {
		return Ticket{}, false
	}
	return *t, true
}

// Notes returns the ticket's notes, oldest first.
func (s *Server) Notes(ticketID int64) []Note {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.notesOf(ticketID)
}

func (s *Server) notesOf(ticketID int64) []Note {
	return copiesOf(s.notes, func(n *Note) bool { return n.TicketID == ticketID })
}

// Attachments returns the ticket's attachments (with data), by id.
func (s *Server) Attachments(ticketID int64) []Attachment {
	s.mu.Lock()
	defer s.mu.Unlock()
	return copiesOf(s.attachments, func(a *Attachment) bool { return a.TicketID == ticketID })
}

// copiesOf returns copies of the entities in m that keep accepts, by id (nil
// when there are none); the caller holds s.mu.
func copiesOf[V any](m map[int64]*V, keep func(*V) bool) []V {
	var out []V
	for _, id := range sortedKeys(m) {
		if keep(m[id]) {
			out = append(out, *m[id])
		}
	}
	return out
}

// SeedTicket stores a ticket as if an agent had created it in the UI (no
// webhook fires) and returns its id.
func (s *Server) SeedTicket(title string, status, priority int) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := nowMillis()
	t := &Ticket{ID: s.newID(), Title: title, Status: status, Priority: priority, DueDateTime: now.Add(48 * time.Hour),
		CreateDate: now, LastActivityDate: now, CreatorResourceID: s.Agent.ResourceID, LastActivityResourceID: s.Agent.ResourceID}
	t.TicketNumber = ticketNumber(now, t.ID)
	s.tickets[t.ID] = t
	return t.ID
}

func ticketNumber(now time.Time, id int64) string {
	return fmt.Sprintf("T%s.%04d", now.Format("20060102"), id%10000)
}

// Autotask reports times in UTC with millisecond precision.
func nowMillis() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

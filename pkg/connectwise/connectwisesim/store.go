package connectwisesim

import (
	"time"
)

type board struct {
	ID       int64
	Name     string
	Inactive bool
}

type status struct {
	ID, BoardID int64
	Name        string
	SortOrder   int
	Closed      bool
	Inactive    bool
}

type priority struct {
	ID        int64
	Name      string
	SortOrder int
	Color     string
	Default   bool
}

// boardItem is a board's ticket type or subtype.
type boardItem struct {
	ID, BoardID int64
	Name        string
	Inactive    bool
}

// udf is a user-defined (custom) field on the service ticket screen.
type udf struct {
	ID        int64
	PodID     int64
	Caption   string
	FieldType string // Text, Number, Date, Checkbox, …
	EntryType string // EntryField, List, Date
	Decimals  int
	Options   []string
}

type company struct {
	ID         int64
	Identifier string
	Name       string
}

// Ticket is a simulated service ticket, as the inspectors show it.
type Ticket struct {
	ID                                                        int64
	Summary                                                   string
	BoardID, StatusID, PriorityID, TypeID, SubTypeID, Company int64
	ClosedFlag                                                bool
	RequiredDate, EstimatedStartDate                          string
	ExternalXRef                                              string        // another system's reference
	Custom                                                    map[int64]any // udf id → value
	DateEntered, LastUpdated                                  time.Time
	EnteredBy, UpdatedBy                                      string
}

// Note is a simulated ticket note.
type Note struct {
	ID, TicketID                 int64
	Text                         string
	Detail, Internal, Resolution bool
	ProcessNotifications         bool
	MemberID                     int64
	Member                       string // member identifier
	DateCreated                  time.Time
}

// Document is a simulated system document (an attachment).
type Document struct {
	ID          int64
	RecordType  string
	RecordID    int64
	Title       string
	FileName    string
	ContentType string
	Private     bool
	Data        []byte
	Owner       string
	Created     time.Time
}

// store is the site's state; Server.mu guards it.
type store struct {
	boards      []board
	statuses    []status
	priorities  []priority
	types       []boardItem
	subtypes    []boardItem
	udfs        []udf
	teams       []team
	members     map[int64]*memberSetup
	companies   []company
	tickets     map[int64]*Ticket
	notes       []*Note
	documents   []*Document
	timeEntries []*TimeEntry
	nextTime    int64
	nextTicket  int64
	nextNote    int64
	nextDoc     int64
}

// seed fills a site the way a fresh ConnectWise tenant with a little set-up
// looks: the default ">Closed" status naming, priorities named
// "Priority N - …", an inactive board, and custom fields of each type.
func seed(now time.Time) *store {
	return &store{
		boards: []board{{1, "Help Desk", false}, {2, "Professional Services", false}, {3, "Legacy Support", true}},
		statuses: []status{
			{1, 1, "New", 0, false, false}, {2, 1, "In Progress", 1, false, false},
			{3, 1, "Waiting Customer", 2, false, false}, {4, 1, "Customer Updated", 3, false, false},
			{5, 1, ">Closed", 4, true, false}, {6, 1, "Cancelled", 5, true, false},
			{7, 2, "New", 0, false, false}, {8, 2, "Scheduled", 1, false, false},
			{9, 2, "Completed", 2, true, false}, {10, 2, "Old Hold", 3, false, true},
			{11, 3, "New", 0, false, false}, {12, 3, ">Closed", 1, true, false},
		},
		priorities: []priority{
			{1, "Priority 1 - Emergency Response", 1, "red", false},
			{2, "Priority 2 - Quick Response", 2, "orange", false},
			{3, "Priority 3 - Normal Response", 3, "green", true},
			{4, "Priority 4 - Schedule Maintenance", 4, "blue", false},
			{5, "Do Not Respond", 5, "gray", false},
		},
		types: []boardItem{
			{20, 1, "Incident", false}, {21, 1, "Service Request", false}, {22, 1, "Problem", false},
			{23, 2, "Change", false}, {24, 2, "Project Task", false},
		},
		subtypes: []boardItem{
			{30, 1, "Email", false}, {31, 1, "Hardware", false}, {32, 1, "Network", false}, {33, 1, "Printing", true},
			{34, 2, "Implementation", false},
		},
		udfs: []udf{
			{1, 10, "Customer Reference", "Text", "EntryField", 0, nil},
			{2, 10, "Impact Score", "Number", "EntryField", 0, nil},
			{3, 10, "Warranty", "Checkbox", "EntryField", 0, nil},
			{4, 10, "Go-Live", "Date", "Date", 0, nil},
			{5, 10, "Region", "Text", "List", 0, []string{"North", "South", "East", "West"}},
		},
		// Every board starts with a default team: ConnectWise needs one to
		// route new tickets (the seed's "board should have a default team").
		teams: []team{
			{41, 1, "Service Desk Tier 1", true}, {42, 1, "Service Desk Tier 2", false},
			{43, 2, "Projects", true}, {44, 3, "Legacy", true},
		},
		members:    map[int64]*memberSetup{},
		companies:  []company{{CustomerCompanyID, "Customer", "TandemSim Customer Ltd"}, {19, "YourCompany", "Tandem Simulated MSP"}},
		tickets:    map[int64]*Ticket{},
		nextTicket: 1000,
		nextNote:   5000,
		nextTime:   7000,
		nextDoc:    9000,
	}
}

func (d *store) board(id int64) *board {
	return find(d.boards, func(b *board) bool { return b.ID == id })
}

func (d *store) status(id int64) *status {
	return find(d.statuses, func(s *status) bool { return s.ID == id })
}

func (d *store) priority(id int64) *priority {
	return find(d.priorities, func(p *priority) bool { return p.ID == id })
}

func findItem(items []boardItem, id int64) *boardItem {
	return find(items, func(it *boardItem) bool { return it.ID == id })
}

func (d *store) udf(id int64) *udf {
	return find(d.udfs, func(u *udf) bool { return u.ID == id })
}

func (d *store) company(id int64, identifier string) *company {
	return find(d.companies, func(c *company) bool {
		return (id != 0 && c.ID == id) || (id == 0 && identifier != "" && c.Identifier == identifier)
	})
}

// find returns the first of items that match accepts, nil when none.
func find[T any](items []T, match func(*T) bool) *T {
	for i := range items {
		if match(&items[i]) {
			return &items[i]
		}
	}
	return nil
}

// defaultStatus is the board's first active status by sort order.
func (d *store) defaultStatus(boardID int64) *status {
	var best *status
	for i := range d.statuses {
		s := &d.statuses[i]
		if s.BoardID == boardID && !s.Inactive && (best == nil || s.SortOrder < best.SortOrder) {
			best = s
		}
	}
	return best
}

func (d *store) defaultPriority() *priority {
	for i := range d.priorities {
		if d.priorities[i].Default {
			return &d.priorities[i]
		}
	}
	return &d.priorities[0]
}

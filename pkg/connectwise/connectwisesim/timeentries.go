package connectwisesim

import (
	"math"
	"net/http"
	"strings"
	"time"
)

// TimeEntry is a time entry of the Time API (/time/entries), the fields
// the ConnectWise PSA OpenAPI's TimeEntry model gives a ticket's time
// (mirrored in sowderca/connectwise-ruby-sdk docs/TimeEntry.md: timeStart
// and billableOption are the model's required fields).
type TimeEntry struct {
	ID             int64
	ChargeToID     int64
	ChargeToType   string
	MemberID       int64
	WorkTypeID     int64
	TimeStart      time.Time
	TimeEnd        *time.Time
	ActualHours    float64
	Notes          string
	BillableOption string
	EnteredBy      string
	DateEntered    time.Time
}

type workType struct {
	ID       int64
	Name     string
	Inactive bool
}

// seedWorkTypes are a fresh site's work types and a retired one.
var seedWorkTypes = []workType{{1, "Remote Support", false}, {2, "Onsite", false}, {3, "After Hours", false}, {4, "Legacy", true}}

// Work types the simulator seeds.
const (
	WorkTypeRemote = 1
	WorkTypeOnsite = 2
)

type wireTimeEntry struct {
	ID             int64             `json:"id,omitempty"`
	ChargeToID     int64             `json:"chargeToId"`
	ChargeToType   string            `json:"chargeToType"`
	Member         *wref             `json:"member,omitempty"`
	WorkType       *wref             `json:"workType,omitempty"`
	TimeStart      string            `json:"timeStart"`
	TimeEnd        string            `json:"timeEnd,omitempty"`
	ActualHours    *float64          `json:"actualHours,omitempty"`
	Notes          string            `json:"notes,omitempty"`
	BillableOption string            `json:"billableOption"`
	EnteredBy      string            `json:"enteredBy,omitempty"`
	DateEntered    string            `json:"dateEntered,omitempty"`
	Info           map[string]string `json:"_info,omitempty"`
}

func (s *Server) renderTimeEntry(e *TimeEntry) wireTimeEntry {
	hours := e.ActualHours
	out := wireTimeEntry{ID: e.ID, ChargeToID: e.ChargeToID, ChargeToType: e.ChargeToType,
		Member: &wref{ID: e.MemberID, Identifier: s.memberIdentifier(e.MemberID)}, TimeStart: e.TimeStart.Format(cwTime),
		ActualHours: &hours, Notes: e.Notes, BillableOption: e.BillableOption, EnteredBy: e.EnteredBy,
		DateEntered: e.DateEntered.Format(cwTime), Info: map[string]string{"lastUpdated": e.DateEntered.Format(cwTime)}}
	if e.TimeEnd != nil {
		out.TimeEnd = e.TimeEnd.Format(cwTime)
	}
	if e.WorkTypeID != 0 {
		out.WorkType = &wref{ID: e.WorkTypeID, Name: workTypeName(e.WorkTypeID)}
	}
	return out
}

func (s *Server) memberIdentifier(id int64) string {
	for _, m := range []Member{s.Integration, s.Agent} {
		if m.ID == id {
			return m.Identifier
		}
	}
	return ""
}

func workTypeName(id int64) string {
	for _, w := range seedWorkTypes {
		if w.ID == id {
			return w.Name
		}
	}
	return ""
}

var billableOptions = []string{"Billable", "DoNotBill", "NoCharge", "NoDefault"}

// addTimeEntry answers POST /time/entries. A service ticket's time changes
// its actualHours (Ticket.actualHours in the Service API specification), so
// the ticket is touched and its callback fires, as for a note.
func (s *Server) addTimeEntry(w http.ResponseWriter, r *http.Request, m Member) {
	var in wireTimeEntry
	if err := decodeBody(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, "InvalidObject", "The request body is not a valid time entry: "+err.Error())
		return
	}
	var errs []fieldError
	bad := func(field, code, msg string) {
		errs = append(errs, fieldError{Code: code, Message: msg, Resource: "timeEntry", Field: field})
	}
	start, err := time.Parse(time.RFC3339, in.TimeStart)
	if err != nil {
		bad("timeStart", "NullValue", "The timeStart field is required.")
	}
	e := &TimeEntry{ChargeToID: in.ChargeToID, ChargeToType: in.ChargeToType, MemberID: m.ID, TimeStart: start.UTC(), Notes: in.Notes,
		BillableOption: in.BillableOption, EnteredBy: m.Identifier}
	if in.ChargeToType != "ServiceTicket" {
		bad("chargeToType", "InvalidField", "chargeToType must be ServiceTicket for a service ticket's time.")
	}
	if e.BillableOption == "" {
		bad("billableOption", "NullValue", "The billableOption field is required.")
	} else if !contains(billableOptions, e.BillableOption) {
		bad("billableOption", "InvalidField", "billableOption must be one of "+strings.Join(billableOptions, ", ")+".")
	}
	if in.Member != nil {
		if s.memberIdentifier(in.Member.ID) == "" {
			bad("member", "InvalidField", "The member does not exist.")
		}
		e.MemberID = in.Member.ID
	}
	if in.WorkType != nil {
		if n := workTypeName(in.WorkType.ID); n == "" || inactiveWorkType(in.WorkType.ID) {
			bad("workType", "InvalidField", "The work type does not exist or is inactive.")
		}
		e.WorkTypeID = in.WorkType.ID
	}
	if in.TimeEnd != "" {
		end, err := time.Parse(time.RFC3339, in.TimeEnd)
		switch {
		case err != nil:
			bad("timeEnd", "InvalidField", "timeEnd is not a date.")
		case !end.After(start):
			bad("timeEnd", "InvalidField", "timeEnd must be after timeStart.")
		default:
			end = end.UTC()
			e.TimeEnd = &end
			e.ActualHours = math.Round(end.Sub(start).Hours()*100) / 100
		}
	}
	if in.ActualHours != nil {
		e.ActualHours = *in.ActualHours
	}
	if e.ActualHours <= 0 && len(errs) == 0 {
		bad("actualHours", "InvalidField", "A time entry needs timeEnd or actualHours greater than 0.")
	}
	s.mu.Lock()
	t, ok := s.data.tickets[in.ChargeToID]
	if !ok && in.ChargeToType == "ServiceTicket" {
		s.mu.Unlock()
		notFound(w, "Ticket", in.ChargeToID)
		return
	}
	if len(errs) > 0 {
		s.mu.Unlock()
		invalid(w, "timeEntry", errs...)
		return
	}
	now := s.now()
	s.data.nextTime++
	e.ID, e.DateEntered = s.data.nextTime, now
	s.data.timeEntries = append(s.data.timeEntries, e)
	t.LastUpdated, t.UpdatedBy = now, m.Identifier
	ent := s.render(t)
	s.emit(m, "updated", t.ID, &ent)
	out := s.renderTimeEntry(e)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, out)
}

func inactiveWorkType(id int64) bool {
	for _, w := range seedWorkTypes {
		if w.ID == id {
			return w.Inactive
		}
	}
	return false
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// listTimeEntries answers GET /time/entries; callers select a ticket's time
// with conditions=chargeToType="ServiceTicket" AND chargeToId=N.
func (s *Server) listTimeEntries(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	rows := make([]any, 0, len(s.data.timeEntries))
	for _, e := range s.data.timeEntries {
		rows = append(rows, s.renderTimeEntry(e))
	}
	s.mu.Unlock()
	s.writeList(w, r, rows)
}

// listWorkTypes answers GET /time/workTypes.
func (s *Server) listWorkTypes(w http.ResponseWriter, r *http.Request) {
	rows := make([]any, 0, len(seedWorkTypes))
	for _, t := range seedWorkTypes {
		rows = append(rows, map[string]any{"id": t.ID, "name": t.Name, "inactiveFlag": t.Inactive, "billTime": "Billable"})
	}
	s.writeList(w, r, rows)
}

// TimeEntries returns the time entries charged to a service ticket.
func (s *Server) TimeEntries(ticketID int64) []TimeEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []TimeEntry
	for _, e := range s.data.timeEntries {
		if e.ChargeToType == "ServiceTicket" && e.ChargeToID == ticketID {
			out = append(out, *e)
		}
	}
	return out
}

package autotasksim

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// TimeEntry is the simulator's TimeEntries entity, the fields of
// REST/Entities/TimeEntriesEntity.htm that ticket time uses.
type TimeEntry struct {
	ID             int64      `json:"id"`
	TicketID       int64      `json:"ticketID"`
	ResourceID     int64      `json:"resourceID"`
	RoleID         *int64     `json:"roleID"`
	BillingCodeID  *int64     `json:"billingCodeID"`
	DateWorked     time.Time  `json:"dateWorked"`
	StartDateTime  *time.Time `json:"startDateTime"`
	EndDateTime    *time.Time `json:"endDateTime"`
	HoursWorked    float64    `json:"hoursWorked"`
	SummaryNotes   string     `json:"summaryNotes"`
	CreateDateTime time.Time  `json:"createDateTime"`
	CreatorUserID  int64      `json:"creatorUserID"`
}

// BillingCode is the BillingCodes entity (REST/Entities/BillingCodesEntity.htm):
// read-only through the API. useType 1 is a work type, the only kind time
// is billed at ("afterHoursWorkType ... may never contain a value for
// BillingCodes of Types other than 1 (work types)"); useType 2 is a general
// billing code and billingCodeType is Normal (0), System (1) or
// Non-Billable (2) (the picklists in KerkhoffTechnologies/django-autotask
// djautotask/tests/fixtures.py, API_USE_TYPE_FIELD and
// API_BILLING_CODE_TYPE_FIELD).
type BillingCode struct {
	ID              int64  `json:"id"`
	Name            string `json:"name"`
	UseType         int    `json:"useType"`
	BillingCodeType int    `json:"billingCodeType"`
	IsActive        bool   `json:"isActive"`
}

// Seeded billing codes: two active work types, a retired one and a material
// code, so a mapping can pick a wrong kind.
var billingCodes = []BillingCode{
	{ID: 29682801, Name: "Remote Support", UseType: 1, IsActive: true},
	{ID: 29682802, Name: "Onsite Support", UseType: 1, IsActive: true},
	{ID: 29682803, Name: "Legacy Labour", UseType: 1, IsActive: false},
	{ID: 29682810, Name: "Hardware", UseType: 2, IsActive: true},
}

// Work type billing codes the simulator seeds.
const (
	BillingRemote = 29682801
	BillingOnsite = 29682802
)

// maxHoursWorked: "You cannot create time entries that are equal to or
// greater than 24 hours in length. The TimeEntry.HoursWorked value must be
// > 0 and <= 24" (SOAP/Entities/TimeEntryEntity.htm; the REST entity keeps
// the same conditions).
const maxHoursWorked = 24

// createTimeEntry answers POST TimeEntries. Refusals answer 500 with
// {"errors":[...]}, like every Autotask business-rule refusal.
func (s *Server) createTimeEntry(w http.ResponseWriter, r *http.Request, u User) {
	f, ok := readFields(w, r)
	if !ok {
		return
	}
	var e TimeEntry
	for _, req := range []struct {
		key string
		dst *int64
	}{{"ticketid", &e.TicketID}, {"resourceid", &e.ResourceID}} {
		v, ok, err := number(f, req.key)
		if err != nil || !ok {
			writeErrors(w, statusRule, "Missing Required Field: "+req.key)
			return
		}
		*req.dst = v
	}
	if _, ok := s.resource(e.ResourceID); !ok {
		writeErrors(w, statusRule, fmt.Sprintf("Value %d does not exist for the field resourceID.", e.ResourceID))
		return
	}
	dateWorked, ok, err := pick[time.Time](f, "dateworked")
	if err != nil || !ok {
		writeErrors(w, statusRule, "Missing Required Field: dateWorked")
		return
	}
	e.DateWorked = dateWorked.UTC()
	for _, d := range []struct {
		key string
		dst **time.Time
	}{{"startdatetime", &e.StartDateTime}, {"enddatetime", &e.EndDateTime}} {
		v, ok, err := pick[time.Time](f, d.key)
		if err != nil {
			writeErrors(w, statusRule, d.key+" is not a date.")
			return
		}
		if ok {
			v = v.UTC()
			*d.dst = &v
		}
	}
	hours, hasHours, err := pick[float64](f, "hoursworked")
	if err != nil {
		writeErrors(w, statusRule, "hoursWorked is not a number.")
		return
	}
	switch {
	case e.StartDateTime != nil && e.EndDateTime != nil:
		if !e.EndDateTime.After(*e.StartDateTime) {
			writeErrors(w, statusRule, "endDateTime must be later than startDateTime.")
			return
		}
		if !hasHours {
			hours = math.Round(e.EndDateTime.Sub(*e.StartDateTime).Hours()*10000) / 10000
		}
	case (e.StartDateTime == nil) != (e.EndDateTime == nil):
		writeErrors(w, statusRule, "startDateTime and endDateTime must be set together.")
		return
	case !hasHours:
		writeErrors(w, statusRule, "Missing Required Field: hoursWorked")
		return
	}
	if hours <= 0 || hours > maxHoursWorked {
		writeErrors(w, statusRule, "hoursWorked must be greater than 0 and no more than 24.")
		return
	}
	e.HoursWorked = hours
	if v, ok, err := number(f, "billingcodeid"); err != nil {
		writeErrors(w, statusRule, "billingCodeID is not a number.")
		return
	} else if ok {
		if bc, found := billingCode(v); !found || bc.UseType != 1 || !bc.IsActive {
			writeErrors(w, statusRule, fmt.Sprintf("Value %d does not exist for the field billingCodeID or is not an active work type.", v))
			return
		}
		e.BillingCodeID = &v
	}
	if v, ok, _ := number(f, "roleid"); ok {
		e.RoleID = &v
	}
	if e.SummaryNotes, _, err = pick[string](f, "summarynotes"); err != nil || len(e.SummaryNotes) > 32000 {
		writeErrors(w, statusRule, "summaryNotes must be at most 32000 characters.")
		return
	}
	s.mu.Lock()
	t := s.ticketFor(w, e.TicketID)
	if t == nil {
		s.mu.Unlock()
		return
	}
	now := nowMillis()
	e.ID, e.CreateDateTime, e.CreatorUserID = s.newID(), now, u.ResourceID
	s.timeEntries[e.ID] = &e
	// TimeEntries have no webhook of their own. Whether time moves the
	// ticket's lastActivityDate is not documented: the simulator assumes it
	// does (a choice, see the README's time entries section).
	t.LastActivityDate, t.LastActivityResourceID = now, u.ResourceID
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]int64{"itemId": e.ID})
}

func billingCode(id int64) (BillingCode, bool) {
	for _, b := range billingCodes {
		if b.ID == id {
			return b, true
		}
	}
	return BillingCode{}, false
}

// queryTimeEntries answers POST TimeEntries/query.
func (s *Server) queryTimeEntries(w http.ResponseWriter, r *http.Request) {
	filter, size, ok := s.readQuery(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	all := copiesOf(s.timeEntries, func(*TimeEntry) bool { return true })
	ids, ok := selectIDs(w, filter, all, func(e TimeEntry) int64 { return e.ID }, timeEntryMatches)
	if !ok {
		return
	}
	s.writeTimeEntryPage(w, ids, size)
}

// writeTimeEntryPage is writePage for time entries; the caller holds s.mu.
func (s *Server) writeTimeEntryPage(w http.ResponseWriter, ids []int64, size int) {
	page, next := s.paginate("timeentries", "TimeEntries", ids, size)
	items := make([]TimeEntry, 0, len(page))
	for _, id := range page {
		items = append(items, *s.timeEntries[id])
	}
	writeItems(w, items, size, next)
}

func timeEntryMatches(c condition, e TimeEntry) (bool, string) {
	field := strings.ToLower(c.Field)
	have, ok := map[string]int64{"id": e.ID, "ticketid": e.TicketID, "resourceid": e.ResourceID}[field]
	if !ok {
		return false, fmt.Sprintf("Unable to find %s in the TimeEntry entity.", c.Field)
	}
	want, err := strconv.ParseInt(strings.Trim(string(c.Value), `"`), 10, 64)
	if err != nil {
		return false, fmt.Sprintf("The value for %s is not a number.", c.Field)
	}
	return compareOp(strings.ToLower(c.Op), cmp.Compare(have, want))
}

// queryBillingCodes answers POST BillingCodes/query on id, useType,
// billingCodeType and isActive.
func (s *Server) queryBillingCodes(w http.ResponseWriter, r *http.Request) {
	filter, size, ok := s.readQuery(w, r)
	if !ok {
		return
	}
	var items []BillingCode
	for _, b := range billingCodes {
		ok, msg := matchAll(filter, b, billingCodeMatches)
		if msg != "" {
			writeErrors(w, http.StatusInternalServerError, msg)
			return
		}
		if ok {
			items = append(items, b)
		}
	}
	writeItems(w, items, size, nil)
}

func billingCodeMatches(c condition, b BillingCode) (bool, string) {
	var have, want int64
	switch strings.ToLower(c.Field) {
	case "id":
		have = b.ID
	case "usetype":
		have = int64(b.UseType)
	case "billingcodetype":
		have = int64(b.BillingCodeType)
	case "isactive":
		var v bool
		if err := json.Unmarshal(c.Value, &v); err != nil {
			return false, "The value for isActive is not a boolean."
		}
		return compareOp(strings.ToLower(c.Op), map[bool]int{true: 0, false: 1}[v == b.IsActive])
	default:
		return false, fmt.Sprintf("Unable to find %s in the BillingCode entity.", c.Field)
	}
	want, err := strconv.ParseInt(strings.Trim(string(c.Value), `"`), 10, 64)
	if err != nil {
		return false, fmt.Sprintf("The value for %s is not a number.", c.Field)
	}
	return compareOp(strings.ToLower(c.Op), cmp.Compare(have, want))
}

// TimeEntries returns the ticket's time entries, by id.
func (s *Server) TimeEntries(ticketID int64) []TimeEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return copiesOf(s.timeEntries, func(e *TimeEntry) bool { return e.TicketID == ticketID })
}

package autotasksim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Autotask reports business-rule failures as HTTP 500 with an errors body.
const statusRule = http.StatusInternalServerError

func (s *Server) createTicket(w http.ResponseWriter, r *http.Request, u User) {
	f, ok := readFields(w, r)
	if !ok {
		return
	}
	for _, req := range []string{"title", "status", "priority", "companyid", "duedatetime"} {
		if _, ok := f[req]; !ok {
			writeErrors(w, statusRule, fmt.Sprintf("Missing Required Field: %s", req))
			return
		}
	}
	s.mu.Lock()
	now := nowMillis()
	t := &Ticket{CreateDate: now, LastActivityDate: now, CreatorResourceID: u.ResourceID, LastActivityResourceID: u.ResourceID}
	if _, msg := applyTicket(t, f); msg != "" {
		s.mu.Unlock()
		writeErrors(w, statusRule, msg)
		return
	}
	t.ID = s.newID()
	t.TicketNumber = ticketNumber(now, t.ID)
	s.tickets[t.ID] = t
	s.emitTicket(u, "Create", t, nil)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]int64{"itemId": t.ID})
}

func (s *Server) updateTicket(w http.ResponseWriter, r *http.Request, u User) {
	f, ok := readFields(w, r)
	if !ok {
		return
	}
	tid, ok, err := number(f, "id")
	if err != nil || !ok {
		writeErrors(w, statusRule, "Missing Required Field: id")
		return
	}
	s.mu.Lock()
	t := s.ticketFor(w, tid)
	if t == nil {
		s.mu.Unlock()
		return
	}
	draft := *t
	draft.UserDefinedFields = append([]UDF(nil), t.UserDefinedFields...)
	changed, msg := applyTicket(&draft, f)
	if msg != "" {
		s.mu.Unlock()
		writeErrors(w, statusRule, msg)
		return
	}
	if len(changed) > 0 {
		draft.LastActivityDate, draft.LastActivityResourceID = nowMillis(), u.ResourceID
	}
	*t = draft
	if len(changed) > 0 {
		s.emitTicket(u, "Update", t, changed)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]int64{"itemId": t.ID})
}

// ticketFor finds ticket tid, or answers 404; the caller holds s.mu.
func (s *Server) ticketFor(w http.ResponseWriter, tid int64) *Ticket {
	t, ok := s.tickets[tid]
	if !ok {
		writeErrors(w, http.StatusNotFound, fmt.Sprintf("Unable to find Ticket with id %d.", tid))
	}
	return t
}

// getItem answers GET {Entity}/{id} from m. Autotask answers a missing id
// with 200 and a null item.
func getItem[V any](s *Server, w http.ResponseWriter, m map[int64]*V, id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"item": m[id]})
}

// applyTicket sets the writable fields present in f and returns the REST
// names of those whose value changed, or a vendor-style message.
func applyTicket(t *Ticket, f map[string]json.RawMessage) ([]string, string) {
	var changed []string
	note := func(name string, differs bool) {
		if differs {
			changed = append(changed, name)
		}
	}
	if v, ok, err := pick[string](f, "title"); err != nil || (ok && (v == "" || len(v) > 255)) {
		return nil, "title must be between 1 and 255 characters."
	} else if ok {
		note("title", v != t.Title)
		t.Title = v
	}
	if v, ok, err := pick[string](f, "description"); err != nil || len(v) > 8000 {
		return nil, "description must be at most 8000 characters."
	} else if ok {
		note("description", v != t.Description)
		t.Description = v
	}
	for _, p := range []struct {
		name, key string
		values    []PicklistValue
		set       func(int64) bool
	}{
		{"status", "status", statuses, func(v int64) bool { d := int(v) != t.Status; t.Status = int(v); return d }},
		{"priority", "priority", priorities, func(v int64) bool { d := int(v) != t.Priority; t.Priority = int(v); return d }},
		{"queueID", "queueid", queues, func(v int64) bool {
			d := t.QueueID == nil || *t.QueueID != v
			t.QueueID = &v
			return d
		}},
		{"ticketType", "tickettype", ticketTypes, func(v int64) bool {
			n := int(v)
			d := t.TicketType == nil || *t.TicketType != n
			t.TicketType = &n
			return d
		}},
		{"ticketCategory", "ticketcategory", categories, func(v int64) bool {
			n := int(v)
			d := t.TicketCategory == nil || *t.TicketCategory != n
			t.TicketCategory = &n
			return d
		}},
	} {
		v, ok, err := number(f, p.key)
		if err != nil || (ok && !validPick(p.values, v)) {
			return nil, fmt.Sprintf("Value %s does not exist for the field %s.", string(f[p.key]), p.name)
		}
		if ok {
			note(p.name, p.set(v))
		}
	}
	if v, ok, err := number(f, "companyid"); err != nil || v < 0 {
		return nil, "companyID must reference an existing company."
	} else if ok {
		note("companyID", v != t.CompanyID)
		t.CompanyID = v
	}
	if v, ok, err := pick[string](f, "externalid"); err != nil || len(v) > 50 {
		return nil, "externalID must be at most 50 characters."
	} else if ok {
		note("externalID", v != t.ExternalID)
		t.ExternalID = v
	}
	if v, ok, err := pick[time.Time](f, "duedatetime"); err != nil {
		return nil, "dueDateTime is not a valid date."
	} else if ok {
		note("dueDateTime", !v.Equal(t.DueDateTime))
		t.DueDateTime = v.UTC()
	}
	if v, ok, err := pick[[]UDF](f, "userdefinedfields"); err != nil {
		return nil, "userDefinedFields must be a list of name/value pairs."
	} else if ok {
		for _, u := range v {
			if !knownUDF(u.Name) {
				return nil, fmt.Sprintf("Unable to find user-defined field %q.", u.Name)
			}
			note("userDefinedFields", setUDF(t, u))
		}
	}
	if t.Status == 5 && t.CompletedDate == nil {
		now := nowMillis()
		t.CompletedDate = &now
	} else if t.Status != 5 {
		t.CompletedDate = nil
	}
	return changed, ""
}

func knownUDF(name string) bool {
	for _, f := range ticketUDFs {
		if f.Name == name {
			return true
		}
	}
	return false
}

func setUDF(t *Ticket, u UDF) bool {
	for i, have := range t.UserDefinedFields {
		if have.Name == u.Name {
			differs := (have.Value == nil) != (u.Value == nil) || (have.Value != nil && *have.Value != *u.Value)
			t.UserDefinedFields[i] = u
			return differs
		}
	}
	t.UserDefinedFields = append(t.UserDefinedFields, u)
	return true
}

// queryTickets answers POST Tickets/query (and GET with ?search=).
func (s *Server) queryTickets(w http.ResponseWriter, r *http.Request) {
	filter, size, ok := s.readQuery(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tickets := make([]*Ticket, 0, len(s.tickets))
	for _, tid := range sortedKeys(s.tickets) {
		tickets = append(tickets, s.tickets[tid])
	}
	if ids, ok := selectIDs(w, filter, tickets, func(t *Ticket) int64 { return t.ID }, ticketMatches); ok {
		s.writeTicketPage(w, ids, size)
	}
}

// writeTicketPage answers one page of tickets; the caller holds s.mu.
func (s *Server) writeTicketPage(w http.ResponseWriter, ids []int64, size int) {
	page, next := s.paginate("tickets", "Tickets", ids, size)
	items := make([]Ticket, 0, len(page))
	for _, tid := range page {
		if t, ok := s.tickets[tid]; ok {
			items = append(items, *t)
		}
	}
	writeItems(w, items, size, next)
}

// ticketMatches applies one comparison to a ticket, on the fields the
// simulator indexes.
func ticketMatches(c condition, t *Ticket) (bool, string) {
	var have any
	switch strings.ToLower(c.Field) {
	case "id":
		have = t.ID
	case "status":
		have = int64(t.Status)
	case "companyid":
		have = t.CompanyID
	case "ticketnumber":
		have = t.TicketNumber
	case "externalid":
		have = t.ExternalID
	case "title":
		have = t.Title
	case "lastactivitydate":
		have = t.LastActivityDate
	default:
		return false, fmt.Sprintf("Unable to find %s in the Ticket entity.", c.Field)
	}
	order, msg := compareValue(c.Field, have, c.Value)
	if msg != "" {
		return false, msg
	}
	return compareOp(strings.ToLower(c.Op), order)
}

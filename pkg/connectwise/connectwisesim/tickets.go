package connectwisesim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// wireTicket is the service ticket as the API reads and writes it.
type wireTicket struct {
	ID                 int64             `json:"id"`
	Summary            string            `json:"summary"`
	RecordType         string            `json:"recordType"`
	Board              *wref             `json:"board,omitempty"`
	Status             *wref             `json:"status,omitempty"`
	Priority           *wref             `json:"priority,omitempty"`
	Type               *wref             `json:"type,omitempty"`
	SubType            *wref             `json:"subType,omitempty"`
	Company            *wref             `json:"company,omitempty"`
	InitialDescription string            `json:"initialDescription,omitempty"`
	ClosedFlag         bool              `json:"closedFlag"`
	RequiredDate       string            `json:"requiredDate,omitempty"`
	EstimatedStartDate string            `json:"estimatedStartDate,omitempty"`
	CustomFields       []wireCustom      `json:"customFields,omitempty"`
	ExternalXRef       string            `json:"externalXRef,omitempty"`
	Info               map[string]string `json:"_info,omitempty"`
}

// wireCustom is one customFields entry. An unset field has no "value" key at
// all, in reads and callbacks alike, rather than "value": null: so ConnectWise
// answers (testdata/ticket-get.json, a sandbox capture), and its
// specification's CustomFieldValue.value is a non-nullable string.
type wireCustom struct {
	ID               int64  `json:"id"`
	Caption          string `json:"caption,omitempty"`
	Type             string `json:"type,omitempty"`
	EntryMethod      string `json:"entryMethod,omitempty"`
	NumberOfDecimals int    `json:"numberOfDecimals"`
	Value            any    `json:"value,omitempty"`
}

const cwTime = "2006-01-02T15:04:05Z"

// render shows a ticket the way GET returns it; the caller holds s.mu.
func (s *Server) render(t *Ticket) wireTicket {
	d := s.data
	wt := wireTicket{ID: t.ID, Summary: t.Summary, RecordType: "ServiceTicket", ClosedFlag: t.ClosedFlag,
		RequiredDate: t.RequiredDate, EstimatedStartDate: t.EstimatedStartDate, ExternalXRef: t.ExternalXRef}
	if b := d.board(t.BoardID); b != nil {
		wt.Board = &wref{ID: b.ID, Name: b.Name}
	}
	if st := d.status(t.StatusID); st != nil {
		wt.Status = &wref{ID: st.ID, Name: st.Name}
	}
	if p := d.priority(t.PriorityID); p != nil {
		wt.Priority = &wref{ID: p.ID, Name: p.Name}
	}
	if it := findItem(d.types, t.TypeID); it != nil {
		wt.Type = &wref{ID: it.ID, Name: it.Name}
	}
	if it := findItem(d.subtypes, t.SubTypeID); it != nil {
		wt.SubType = &wref{ID: it.ID, Name: it.Name}
	}
	if c := d.company(t.Company, ""); c != nil {
		wt.Company = &wref{ID: c.ID, Identifier: c.Identifier, Name: c.Name}
	}
	for _, u := range d.udfs {
		wt.CustomFields = append(wt.CustomFields, wireCustom{ID: u.ID, Caption: u.Caption, Type: u.FieldType,
			EntryMethod: u.EntryType, NumberOfDecimals: u.Decimals, Value: t.Custom[u.ID]})
	}
	base := s.URL + APIPath
	wt.Info = map[string]string{
		"lastUpdated": t.LastUpdated.Format(cwTime), "updatedBy": t.UpdatedBy,
		"dateEntered": t.DateEntered.Format(cwTime), "enteredBy": t.EnteredBy,
		"notes_href":     fmt.Sprintf("%s/service/tickets/%d/notes", base, t.ID),
		"documents_href": fmt.Sprintf("%s/system/documents?recordType=Ticket&recordId=%d", base, t.ID),
	}
	return wt
}

// apply validates wt and copies it onto t; the caller holds s.mu.
func (s *Server) apply(t *Ticket, wt wireTicket) []fieldError {
	d := s.data
	var errs []fieldError
	bad := func(field, msg string) {
		errs = append(errs, fieldError{Code: "InvalidField", Message: msg, Resource: "serviceTicket", Field: field})
	}
	switch n := utf8.RuneCountInString(strings.TrimSpace(wt.Summary)); {
	case n == 0:
		errs = append(errs, fieldError{Code: "NullValue", Message: "The summary field is required.", Resource: "serviceTicket", Field: "summary"})
	case n > 100:
		bad("summary", "The summary field must be 100 characters or fewer.")
	}
	t.Summary = wt.Summary
	switch {
	case wt.Company == nil || (wt.Company.ID == 0 && wt.Company.Identifier == ""):
		errs = append(errs, fieldError{Code: "NullValue", Message: "The company field is required.", Resource: "serviceTicket", Field: "company"})
	case d.company(wt.Company.ID, wt.Company.Identifier) == nil:
		bad("company", "Company not found.")
	default:
		t.Company = d.company(wt.Company.ID, wt.Company.Identifier).ID
	}
	boardChanged := false
	if wt.Board != nil {
		b := d.board(wt.Board.ID)
		if b == nil || b.Inactive {
			bad("board", "Board not found or inactive.")
			return errs
		}
		boardChanged = t.BoardID != b.ID
		t.BoardID = b.ID
	} else if t.BoardID == 0 {
		t.BoardID = d.boards[0].ID // the API member's default board
	}
	switch {
	case wt.Status != nil:
		st := d.status(wt.Status.ID)
		if st == nil || st.BoardID != t.BoardID || st.Inactive {
			bad("status", "Status is not valid for the ticket's board.")
		} else {
			t.StatusID = st.ID
		}
	case boardChanged || t.StatusID == 0:
		st := d.defaultStatus(t.BoardID)
		if st == nil {
			// The board has no statuses: the seed's reason a board needs them.
			bad("status", "The board has no statuses to give the ticket.")
			return errs
		}
		t.StatusID = st.ID
	}
	if st := d.status(t.StatusID); st != nil {
		t.ClosedFlag = st.Closed
	}
	switch {
	case wt.Priority != nil:
		if p := d.priority(wt.Priority.ID); p == nil {
			bad("priority", "Priority not found.")
		} else {
			t.PriorityID = p.ID
		}
	case t.PriorityID == 0:
		t.PriorityID = d.defaultPriority().ID
	}
	t.TypeID, t.SubTypeID = 0, 0
	if wt.Type != nil && wt.Type.ID != 0 {
		if it := findItem(d.types, wt.Type.ID); it == nil || it.BoardID != t.BoardID || it.Inactive {
			bad("type", "Type is not valid for the ticket's board.")
		} else {
			t.TypeID = it.ID
		}
	}
	if wt.SubType != nil && wt.SubType.ID != 0 {
		if it := findItem(d.subtypes, wt.SubType.ID); it == nil || it.BoardID != t.BoardID || it.Inactive {
			bad("subType", "Subtype is not valid for the ticket's board.")
		} else {
			t.SubTypeID = it.ID
		}
	}
	for field, v := range map[string]*string{"requiredDate": &wt.RequiredDate, "estimatedStartDate": &wt.EstimatedStartDate} {
		if *v != "" {
			if _, err := time.Parse(time.RFC3339, *v); err != nil {
				bad(field, "Dates use the format yyyy-MM-ddTHH:mm:ssZ.")
			}
		}
	}
	t.RequiredDate, t.EstimatedStartDate = wt.RequiredDate, wt.EstimatedStartDate
	t.ExternalXRef = wt.ExternalXRef
	for _, cf := range wt.CustomFields {
		u := d.udf(cf.ID)
		if u == nil {
			bad("customFields", fmt.Sprintf("Custom field %d does not exist.", cf.ID))
			continue
		}
		if msg := checkCustom(u, cf.Value); msg != "" {
			bad("customFields", fmt.Sprintf("%s: %s", u.Caption, msg))
			continue
		}
		if t.Custom == nil {
			t.Custom = map[int64]any{}
		}
		t.Custom[u.ID] = cf.Value
	}
	return errs
}

func checkCustom(u *udf, v any) string {
	if v == nil {
		return ""
	}
	switch u.FieldType {
	case "Number", "Percent", "Currency":
		if _, ok := v.(float64); !ok {
			return "expects a number"
		}
	case "Checkbox":
		if _, ok := v.(bool); !ok {
			return "expects true or false"
		}
	case "Date":
		s, ok := v.(string)
		if _, err := time.Parse(time.RFC3339, s); !ok || err != nil {
			return "expects a date"
		}
	default:
		s, ok := v.(string)
		if !ok {
			return "expects text"
		}
		if len(u.Options) > 0 {
			for _, o := range u.Options {
				if o == s {
					return ""
				}
			}
			return "is not one of the list's values"
		}
	}
	return ""
}

func (s *Server) listTickets(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	ids := make([]int64, 0, len(s.data.tickets))
	for id := range s.data.tickets {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	rows := make([]any, 0, len(ids))
	for _, id := range ids {
		rows = append(rows, s.render(s.data.tickets[id]))
	}
	s.mu.Unlock()
	s.writeList(w, r, rows)
}

func (s *Server) getTicket(w http.ResponseWriter, id int64) {
	s.mu.Lock()
	t, ok := s.data.tickets[id]
	var wt wireTicket
	if ok {
		wt = s.render(t)
	}
	s.mu.Unlock()
	if !ok {
		notFound(w, "Ticket", id)
		return
	}
	writeJSON(w, http.StatusOK, wt)
}

func (s *Server) createTicket(w http.ResponseWriter, r *http.Request, m Member) {
	var wt wireTicket
	if err := decodeBody(r, &wt); err != nil {
		writeError(w, http.StatusBadRequest, "InvalidObject", "The request body is not a valid serviceTicket: "+err.Error())
		return
	}
	if wt.Board != nil && s.boardExcluded(w, m, wt.Board.ID) {
		return
	}
	s.mu.Lock()
	now := s.now()
	t := &Ticket{DateEntered: now, LastUpdated: now, EnteredBy: m.Identifier, UpdatedBy: m.Identifier}
	if errs := s.apply(t, wt); len(errs) > 0 {
		s.mu.Unlock()
		invalid(w, "serviceTicket", errs...)
		return
	}
	s.data.nextTicket++
	t.ID = s.data.nextTicket
	s.data.tickets[t.ID] = t
	if wt.InitialDescription != "" {
		// ConnectWise keeps the description as the ticket's first
		// detail-description note.
		s.data.nextNote++
		s.data.notes = append(s.data.notes, &Note{ID: s.data.nextNote, TicketID: t.ID, Text: wt.InitialDescription,
			Detail: true, MemberID: m.ID, Member: m.Identifier, DateCreated: now})
	}
	out := s.render(t)
	s.emit(m, "added", t.ID, &out)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) patchTicket(w http.ResponseWriter, r *http.Request, m Member, id int64) {
	var ops []patchOp
	if err := decodeBody(r, &ops); err != nil || len(ops) == 0 {
		writeError(w, http.StatusBadRequest, "InvalidObject", "PATCH expects a JSON Patch array such as [{\"op\":\"replace\",\"path\":\"summary\",\"value\":\"x\"}].")
		return
	}
	s.mu.Lock()
	t, ok := s.data.tickets[id]
	if !ok {
		s.mu.Unlock()
		notFound(w, "Ticket", id)
		return
	}
	doc := generic(s.render(t))
	for _, op := range ops {
		if err := op.apply(doc); err != nil {
			s.mu.Unlock()
			writeError(w, http.StatusBadRequest, "InvalidPatch", err.Error())
			return
		}
	}
	var wt wireTicket
	b, _ := json.Marshal(doc)
	if err := json.Unmarshal(b, &wt); err != nil {
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, "InvalidPatch", "The patched ticket is not valid: "+err.Error())
		return
	}
	next := *t
	next.Custom = map[int64]any{}
	for k, v := range t.Custom {
		next.Custom[k] = v
	}
	if errs := s.apply(&next, wt); len(errs) > 0 {
		s.mu.Unlock()
		invalid(w, "serviceTicket", errs...)
		return
	}
	next.LastUpdated, next.UpdatedBy = s.now(), m.Identifier
	*t = next
	out := s.render(t)
	s.emit(m, "updated", t.ID, &out)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) deleteTicket(w http.ResponseWriter, m Member, id int64) {
	s.mu.Lock()
	if _, ok := s.data.tickets[id]; !ok {
		s.mu.Unlock()
		notFound(w, "Ticket", id)
		return
	}
	delete(s.data.tickets, id)
	s.emit(m, "deleted", id, nil)
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// patchOp is one RFC 6902 operation on a ticket document.
type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value"`
}

func (op patchOp) apply(doc map[string]any) error {
	segs := strings.Split(strings.Trim(op.Path, "/"), "/")
	if op.Path == "" || segs[0] == "" || segs[0] == "id" || segs[0] == "_info" {
		return fmt.Errorf("path %q cannot be patched", op.Path)
	}
	var cur any = doc
	for i, seg := range segs {
		lastSeg := i == len(segs)-1
		switch c := cur.(type) {
		case map[string]any:
			if lastSeg {
				switch strings.ToLower(op.Op) {
				case "replace", "add":
					c[seg] = op.Value
				case "remove":
					delete(c, seg)
				default:
					return fmt.Errorf("op %q is not supported; use add, replace or remove", op.Op)
				}
				return nil
			}
			next, ok := c[seg]
			if !ok || next == nil {
				next = map[string]any{}
				c[seg] = next
			}
			cur = next
		case []any:
			n, err := strconv.Atoi(seg)
			if err != nil || n < 0 || n >= len(c) {
				return fmt.Errorf("path %q: index %q out of range", op.Path, seg)
			}
			if lastSeg {
				c[n] = op.Value
				return nil
			}
			cur = c[n]
		default:
			return fmt.Errorf("path %q does not exist", op.Path)
		}
	}
	return nil
}

func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 4<<20))
	return dec.Decode(v)
}

package zendesksim

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Ticket is the simulator's ticket, serialised with the REST API's names.
type Ticket struct {
	ID             int64         `json:"id"`
	URL            string        `json:"url"`
	ExternalID     *string       `json:"external_id"`
	Type           *string       `json:"type"`
	Subject        string        `json:"subject"`
	RawSubject     string        `json:"raw_subject"`
	Description    string        `json:"description"`
	Priority       *string       `json:"priority"`
	Status         string        `json:"status"`
	CustomStatusID int64         `json:"custom_status_id"`
	RequesterID    int64         `json:"requester_id"`
	SubmitterID    int64         `json:"submitter_id"`
	AssigneeID     *int64        `json:"assignee_id"`
	GroupID        *int64        `json:"group_id"`
	Tags           []string      `json:"tags"`
	CustomFields   []CustomField `json:"custom_fields"`
	Via            Via           `json:"via"`
	CreatedAt      string        `json:"created_at"`
	UpdatedAt      string        `json:"updated_at"`
}

// CustomField is one entry of a ticket's custom_fields.
type CustomField struct {
	ID    int64 `json:"id"`
	Value any   `json:"value"`
}

// Via says through which channel a change came; API writes are "api".
type Via struct {
	Channel string `json:"channel"`
}

// Comment is a ticket comment.
type Comment struct {
	ID          int64        `json:"id"`
	Type        string       `json:"type"`
	AuthorID    int64        `json:"author_id"`
	Body        string       `json:"body"`
	HTMLBody    string       `json:"html_body"`
	PlainBody   string       `json:"plain_body"`
	Public      bool         `json:"public"`
	Attachments []Attachment `json:"attachments"`
	AuditID     int64        `json:"audit_id"`
	Via         Via          `json:"via"`
	CreatedAt   string       `json:"created_at"`
}

// Attachment is a file on a comment or an upload.
type Attachment struct {
	ID          int64  `json:"id"`
	URL         string `json:"url"`
	FileName    string `json:"file_name"`
	ContentURL  string `json:"content_url"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	Inline      bool   `json:"inline"`
	Deleted     bool   `json:"deleted"`
	Thumbnails  []any  `json:"thumbnails"`
}

func (t *Ticket) clone() Ticket {
	c := *t
	c.Tags = slices.Clone(t.Tags)
	c.CustomFields = slices.Clone(t.CustomFields)
	return c
}

// Tickets returns copies of every ticket, by id.
func (s *Server) Tickets() []Ticket {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Ticket, 0, len(s.tickets))
	for _, t := range s.tickets {
		out = append(out, t.clone())
	}
	slices.SortFunc(out, func(a, b Ticket) int { return int(a.ID - b.ID) })
	return out
}

// Comments returns copies of a ticket's comments, oldest first.
func (s *Server) Comments(id int64) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Comment, 0, len(s.comments[id]))
	for _, c := range s.comments[id] {
		out = append(out, *c)
	}
	return out
}

func (s *Server) newID() int64 {
	s.nextID++
	return s.nextID
}

func (s *Server) ticketID(w http.ResponseWriter, raw string) (*Ticket, bool) {
	id, _ := strconv.ParseInt(raw, 10, 64)
	t := s.tickets[id]
	if t == nil {
		writeError(w, http.StatusNotFound, "RecordNotFound", "Not found")
		return nil, false
	}
	return t, true
}

func (s *Server) getTicket(w http.ResponseWriter, _ *http.Request, _ User, p []string) {
	s.mu.Lock()
	t, ok := s.ticketID(w, p[1])
	var out Ticket
	if ok {
		out = t.clone()
	}
	s.mu.Unlock()
	if ok {
		writeJSON(w, http.StatusOK, map[string]any{"ticket": out})
	}
}

// listTickets is List Tickets with the external_id filter (offset
// pagination, as the endpoint answers without page[size]).
func (s *Server) listTickets(w http.ResponseWriter, r *http.Request, _ User, _ []string) {
	ext := r.URL.Query().Get("external_id")
	out := []Ticket{}
	for _, t := range s.Tickets() {
		if ext == "" || (t.ExternalID != nil && *t.ExternalID == ext) {
			out = append(out, t)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"tickets": out, "next_page": nil, "previous_page": nil, "count": len(out)})
}

// ticketIn is the ticket object of a create or update.
type ticketIn struct {
	Subject        *string           `json:"subject"`
	Status         *string           `json:"status"`
	CustomStatusID *int64            `json:"custom_status_id"`
	Priority       json.RawMessage   `json:"priority"`
	Type           *string           `json:"type"`
	GroupID        *int64            `json:"group_id"`
	ExternalID     *string           `json:"external_id"`
	CustomFields   []json.RawMessage `json:"custom_fields"`
	Comment        *struct {
		Body     string   `json:"body"`
		HTMLBody string   `json:"html_body"`
		Public   *bool    `json:"public"`
		Uploads  []string `json:"uploads"`
	} `json:"comment"`
}

type auditEvent struct {
	ID            int64  `json:"id"`
	Type          string `json:"type"`
	FieldName     string `json:"field_name,omitempty"`
	Value         any    `json:"value,omitempty"`
	PreviousValue any    `json:"previous_value,omitempty"`
	Body          string `json:"body,omitempty"`
	Public        *bool  `json:"public,omitempty"`
}

func (s *Server) createTicket(w http.ResponseWriter, r *http.Request, user User, _ []string) {
	var in struct{ Ticket ticketIn }
	if json.NewDecoder(r.Body).Decode(&in) != nil {
		writeError(w, http.StatusBadRequest, "InvalidJSON", "The request body is not valid JSON")
		return
	}
	if in.Ticket.Comment == nil || in.Ticket.Comment.Body == "" {
		recordInvalid(w, "description", "Description: cannot be blank")
		return
	}
	now := s.now()
	s.mu.Lock()
	t := &Ticket{ID: s.nextTicket, Status: "new", RequesterID: user.ID, SubmitterID: user.ID, Tags: []string{},
		CustomFields: []CustomField{}, Via: Via{Channel: "api"}, CreatedAt: restTime(now), UpdatedAt: restTime(now),
		Description: in.Ticket.Comment.Body, CustomStatusID: 1}
	t.URL = s.URL + "/api/v2/tickets/" + itoa(t.ID) + ".json"
	next, field, msg := s.apply(*t, in.Ticket)
	if msg != "" {
		s.mu.Unlock()
		recordInvalid(w, field, msg)
		return
	}
	s.nextTicket++
	*t = next
	s.tickets[t.ID] = t
	// The first comment is the description: the delivery is the
	// ticket.created event alone.
	events, _ := s.commentLocked(t, user, in.Ticket.Comment.Body, in.Ticket.Comment.HTMLBody, true, in.Ticket.Comment.Uploads, now)
	sends := s.eventLocked("created", user, t, nil)
	out := t.clone()
	s.mu.Unlock()
	s.send(sends)
	writeJSON(w, http.StatusCreated, map[string]any{"ticket": out, "audit": map[string]any{"events": events}})
}

// updateTicket is PUT /api/v2/tickets/{id}: fields and an optional
// comment in one update, refused on a closed ticket (422) and beyond the
// per-ticket limit (429 with Retry-After).
func (s *Server) updateTicket(w http.ResponseWriter, r *http.Request, user User, p []string) {
	var in struct{ Ticket ticketIn }
	if json.NewDecoder(r.Body).Decode(&in) != nil {
		writeError(w, http.StatusBadRequest, "InvalidJSON", "The request body is not valid JSON")
		return
	}
	now := s.now()
	s.mu.Lock()
	t, ok := s.ticketID(w, p[1])
	if !ok {
		s.mu.Unlock()
		return
	}
	if wait, limited := s.limitLocked(user, t.ID, now); limited {
		s.mu.Unlock()
		w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
		writeError(w, http.StatusTooManyRequests, "TooManyRequests", "Too many updates to this ticket; try again later")
		return
	}
	if t.Status == "closed" {
		s.mu.Unlock()
		recordInvalid(w, "status", "Status: closed prevents ticket update")
		return
	}
	before := t.clone()
	next, field, msg := s.apply(before, in.Ticket)
	if msg != "" {
		s.mu.Unlock()
		recordInvalid(w, field, msg)
		return
	}
	next.UpdatedAt = restTime(now)
	*t = next
	var events []auditEvent
	var sends []Delivery
	for _, c := range changes(before, next) {
		events = append(events, auditEvent{ID: s.newID(), Type: "Change", FieldName: c.field, Value: c.now, PreviousValue: c.was})
		sends = append(sends, s.eventLocked(c.event, user, t, map[string]any{"current": upper(c.now), "previous": upper(c.was)})...)
	}
	if c := in.Ticket.Comment; c != nil && (c.Body != "" || c.HTMLBody != "" || len(c.Uploads) > 0) {
		public := true // Zendesk's default when public is not sent
		if c.Public != nil {
			public = *c.Public
		}
		ev, sd := s.commentLocked(t, user, c.Body, c.HTMLBody, public, c.Uploads, now)
		events, sends = append(events, ev...), append(sends, sd...)
	}
	out := t.clone()
	s.mu.Unlock()
	s.send(sends)
	writeJSON(w, http.StatusOK, map[string]any{"ticket": out, "audit": map[string]any{"events": events}})
}

type updateKey struct{ user, ticket int64 }

// limitLocked applies "Update Ticket: 30 updates per 10 minutes per user
// per ticket" (rate-limits reference), answering how long until the oldest
// update leaves the window.
func (s *Server) limitLocked(u User, ticket int64, now time.Time) (time.Duration, bool) {
	k := updateKey{u.ID, ticket}
	window := now.Add(-10 * time.Minute)
	kept := s.updates[k][:0]
	for _, at := range s.updates[k] {
		if at.After(window) {
			kept = append(kept, at)
		}
	}
	if len(kept) >= s.opts.TicketUpdateLimit {
		s.updates[k] = kept
		return kept[0].Sub(window), true
	}
	s.updates[k] = append(kept, now)
	return 0, false
}

// apply copies the fields of in onto t, or names the field Zendesk would
// refuse.
func (s *Server) apply(t Ticket, in ticketIn) (Ticket, string, string) {
	if in.Subject != nil {
		t.Subject, t.RawSubject = *in.Subject, *in.Subject
	}
	if in.Status != nil {
		if !slices.Contains(statuses, *in.Status) {
			return t, "status", "Status: is invalid"
		}
		t.Status = *in.Status
		t.CustomStatusID = defaultCustomStatus(*in.Status)
	}
	if in.CustomStatusID != nil {
		cs, ok := customStatus(*in.CustomStatusID)
		if !ok {
			return t, "custom_status_id", "Custom status: is invalid"
		}
		t.CustomStatusID, t.Status = *in.CustomStatusID, cs.category
	}
	if len(in.Priority) > 0 {
		var p *string
		if json.Unmarshal(in.Priority, &p) != nil || (p != nil && !slices.Contains(priorities, *p)) {
			return t, "priority", "Priority: is invalid"
		}
		t.Priority = p
	}
	if in.Type != nil {
		if !slices.Contains(types, *in.Type) {
			return t, "type", "Type: is invalid"
		}
		t.Type = in.Type
	}
	if in.GroupID != nil {
		if !knownGroup(*in.GroupID) {
			return t, "group_id", "Group: is invalid"
		}
		t.GroupID = in.GroupID
	}
	if in.ExternalID != nil {
		t.ExternalID = in.ExternalID
	}
	for _, raw := range in.CustomFields {
		var cf CustomField
		if json.Unmarshal(raw, &cf) != nil || !knownField(cf.ID) {
			return t, "custom_fields", "Custom field: is invalid"
		}
		t.CustomFields = slices.DeleteFunc(t.CustomFields, func(c CustomField) bool { return c.ID == cf.ID })
		t.CustomFields = append(t.CustomFields, cf)
	}
	return t, "", ""
}

type change struct {
	field, event string
	was, now     any
}

// changes lists what an update changed, with the ticket event each fires.
func changes(a, b Ticket) []change {
	var out []change
	if a.Status != b.Status {
		out = append(out, change{"status", "status_changed", a.Status, b.Status})
	}
	if a.CustomStatusID != b.CustomStatusID {
		out = append(out, change{"custom_status_id", "custom_status_changed", a.CustomStatusID, b.CustomStatusID})
	}
	if deref(a.Priority) != deref(b.Priority) {
		out = append(out, change{"priority", "priority_changed", deref(a.Priority), deref(b.Priority)})
	}
	if deref(a.Type) != deref(b.Type) {
		out = append(out, change{"type", "ticket_type_changed", deref(a.Type), deref(b.Type)})
	}
	if a.Subject != b.Subject {
		out = append(out, change{"subject", "subject_changed", a.Subject, b.Subject})
	}
	if fmt.Sprint(a.CustomFields) != fmt.Sprint(b.CustomFields) {
		out = append(out, change{"custom_fields", "custom_field_changed", nil, nil})
	}
	return out
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// commentLocked adds a comment with the files of its upload tokens.
func (s *Server) commentLocked(t *Ticket, user User, body, html string, public bool, tokens []string, now time.Time) ([]auditEvent, []Delivery) {
	c := &Comment{ID: s.newID(), Type: "Comment", AuthorID: user.ID, Body: body, HTMLBody: html, PlainBody: body,
		Public: public, Attachments: []Attachment{}, AuditID: s.newID(), Via: Via{Channel: "api"}, CreatedAt: restTime(now)}
	if c.Body == "" {
		c.Body, c.PlainBody = html, html
	}
	for _, tok := range tokens {
		if up, ok := s.uploads[tok]; ok {
			c.Attachments = append(c.Attachments, up.attachment)
			delete(s.uploads, tok)
		}
	}
	s.comments[t.ID] = append(s.comments[t.ID], c)
	p := public
	events := []auditEvent{{ID: c.ID, Type: "Comment", Body: c.Body, Public: &p}}
	eventBody := map[string]any{"comment": map[string]any{
		"id": itoa(c.ID), "body": c.Body, "html_body": "<div>" + c.Body + "</div>", "is_public": public,
		"author": map[string]any{"id": itoa(user.ID), "is_staff": true, "name": user.Name},
	}}
	return events, s.eventLocked("comment_added", user, t, eventBody)
}

// listComments is cursor-paginated: page[size] (at most 100) and
// page[after], answering meta.has_more, meta.after_cursor and links.next.
func (s *Server) listComments(w http.ResponseWriter, r *http.Request, _ User, p []string) {
	s.mu.Lock()
	t, ok := s.ticketID(w, p[1])
	var all []Comment
	if ok {
		for _, c := range s.comments[t.ID] {
			all = append(all, *c)
		}
	}
	s.mu.Unlock()
	if !ok {
		return
	}
	q := r.URL.Query()
	size, err := strconv.Atoi(q.Get("page[size]"))
	if err != nil || size <= 0 || size > 100 {
		size = 100
	}
	from := 0
	if after := q.Get("page[after]"); after != "" {
		raw, err := base64.StdEncoding.DecodeString(after)
		n, cerr := strconv.Atoi(string(raw))
		if err != nil || cerr != nil || n < 0 || n > len(all) {
			writeError(w, http.StatusBadRequest, "InvalidPaginationParameter", "page[after] is not a cursor")
			return
		}
		from = n
	}
	to := min(from+size, len(all))
	meta := map[string]any{"has_more": to < len(all), "after_cursor": nil, "before_cursor": nil}
	links := map[string]any{"next": nil, "prev": nil}
	if to < len(all) {
		cur := base64.StdEncoding.EncodeToString([]byte(strconv.Itoa(to)))
		meta["after_cursor"] = cur
		links["next"] = s.URL + r.URL.Path + "?page%5Bafter%5D=" + cur + "&page%5Bsize%5D=" + strconv.Itoa(size)
	}
	page := all[from:to]
	if page == nil {
		page = []Comment{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"comments": page, "meta": meta, "links": links})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

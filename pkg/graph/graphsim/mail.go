package graphsim

import (
	"fmt"
	"html"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

const (
	folderInbox  = "inbox"
	folderSent   = "sentitems"
	folderDrafts = "drafts"
)

// Message is a mail item as the simulator stores it.
type Message struct {
	ID                string
	Mailbox           string
	Folder            string // inbox, sentitems or drafts
	ConversationID    string
	InternetMessageID string
	Subject           string
	Body              string // plain text
	From              string
	To                []string
	Cc                []string
	// HTML is the body as received, when it came as HTML; Body is then
	// the text Graph would render for outlook.body-content-type="text".
	HTML string
	// Headers are the internet message headers of a received mail
	// (internetMessageHeaders), in the order they came.
	Headers []Header
	// Class is the MAPI message class (PidTagMessageClass), "IPM.Note"
	// for ordinary mail.
	Class       string
	Categories  []string
	Importance  string
	FlagStatus  string
	IsDraft     bool
	ReceivedAt  time.Time
	ModifiedAt  time.Time
	Version     int
	Attachments []Attachment
	changed     uint64 // change sequence, for delta queries
	// Extended holds single-value extended properties set on the message,
	// by property id ("String {guid} Name X-Tandem-Ref").
	Extended map[string]string
}

// Attachment is a file attachment on a Message.
type Attachment struct {
	ID          string
	Name        string
	ContentType string
	Data        []byte
	IsInline    bool
}

func (m *Message) clone() Message {
	c := *m
	c.To = slices.Clone(m.To)
	c.Cc = slices.Clone(m.Cc)
	c.Headers = slices.Clone(m.Headers)
	c.Categories = slices.Clone(m.Categories)
	c.Attachments = slices.Clone(m.Attachments)
	c.Extended = maps.Clone(m.Extended)
	return c
}

// Messages returns the mailbox's messages, oldest first.
func (s *Server) Messages(mailbox string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.messages {
		if strings.EqualFold(m.Mailbox, mailbox) {
			out = append(out, m.clone())
		}
	}
	sortOldestFirst(out)
	return out
}

// Message returns one message by id.
func (s *Server) Message(id string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[id]
	if !ok {
		return Message{}, false
	}
	return m.clone(), true
}

// Conversation returns the sent and received messages of the conversation
// that message id belongs to, in the same mailbox, oldest first: a ticket
// and its notes.
func (s *Server) Conversation(id string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	head, ok := s.messages[id]
	if !ok {
		return nil
	}
	var out []Message
	for _, m := range s.messages {
		if m.Mailbox == head.Mailbox && m.ConversationID == head.ConversationID && !m.IsDraft {
			out = append(out, m.clone())
		}
	}
	sortOldestFirst(out)
	return out
}

func sortOldestFirst(ms []Message) {
	sort.Slice(ms, func(i, j int) bool { return ms[i].ReceivedAt.Before(ms[j].ReceivedAt) })
}

// newMessage stores a message; the caller holds s.mu (or is Start).
func (s *Server) newMessage(mailbox, folder, from string, to []string, subject, body, conversationID string) *Message {
	if conversationID == "" {
		conversationID = s.itemID("AAQkAD")
	}
	now := s.now()
	m := &Message{
		ID: s.itemID("AAkALg"), Mailbox: mailbox, Folder: folder, ConversationID: conversationID,
		InternetMessageID: fmt.Sprintf("<%s@sim.contoso.example>", s.guid()),
		Subject:           subject, Body: body, From: from, To: to, Categories: []string{},
		Importance: "normal", FlagStatus: "notFlagged", IsDraft: folder == folderDrafts,
		ReceivedAt: now, ModifiedAt: now, Version: 1, Class: "IPM.Note",
	}
	s.messages[m.ID] = m
	s.touch(m)
	return m
}

// userFor resolves {user} (UPN or id) or answers 404 as Graph does.
func (s *Server) userFor(w http.ResponseWriter, r *http.Request) *user {
	if u := s.lookupUser(r.PathValue("user")); u != nil {
		return u
	}
	writeError(w, http.StatusNotFound, "ErrorInvalidUser", fmt.Sprintf("The requested user '%s' is invalid.", r.PathValue("user")))
	return nil
}

// messageFor resolves {user} and the message {id} within the user's
// mailbox, or answers 404 as Graph does and returns a nil message.
func (s *Server) messageFor(w http.ResponseWriter, r *http.Request) (*user, *Message) {
	u := s.userFor(w, r)
	if u == nil {
		return nil, nil
	}
	m := s.messages[r.PathValue("id")]
	if m == nil || m.Mailbox != u.upn {
		writeError(w, http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store.")
		return u, nil
	}
	return u, m
}

func (s *Server) handleGetFolder(w http.ResponseWriter, r *http.Request, _ *caller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userFor(w, r)
	if u == nil {
		return
	}
	folder := strings.ToLower(r.PathValue("folder"))
	if folder != folderInbox && folder != folderSent && folder != folderDrafts {
		writeError(w, http.StatusNotFound, "ErrorInvalidIdMalformed", "Id is malformed.")
		return
	}
	writeJSON(w, http.StatusOK, selectFields(map[string]any{
		"id": folderID(u, folder), "displayName": folderNames[folder], "totalItemCount": s.countFolder(u, folder),
	}, r.URL.Query().Get("$select")))
}

var folderNames = map[string]string{folderInbox: "Inbox", folderSent: "Sent Items", folderDrafts: "Drafts"}

func folderID(u *user, folder string) string {
	return "AAMkAD" + strings.ReplaceAll(u.id, "-", "") + "AAEM" + folder
}

func (s *Server) countFolder(u *user, folder string) int {
	n := 0
	for _, m := range s.messages {
		if m.Mailbox == u.upn && m.Folder == folder {
			n++
		}
	}
	return n
}

func (s *Server) handleMasterCategories(w http.ResponseWriter, r *http.Request, _ *caller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userFor(w, r)
	if u == nil {
		return
	}
	vals := make([]map[string]any, 0, len(u.categories))
	for _, c := range u.categories {
		vals = append(vals, map[string]any{"id": c.ID, "displayName": c.DisplayName, "color": c.Color})
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"@odata.context": s.GraphURL + "/$metadata#users('" + u.upn + "')/outlook/masterCategories",
		"value":          vals,
	})
}

var conversationFilter = regexp.MustCompile(`(?i)^\s*conversationId\s+eq\s+'((?:[^']|'')*)'\s*$`)

// extendedFilter is the documented way to select messages by a string
// extended property (singlevaluelegacyextendedproperty-get.md, "Get
// resource instances filtered by a string extended property").
var extendedFilter = regexp.MustCompile(`^\s*singleValueExtendedProperties/Any\(ep:\s*ep/id eq '((?:[^']|'')*)' and ep/value eq '((?:[^']|'')*)'\)\s*$`)

// senderFilter selects a sender's mail since a time, the filter on the
// from address and receivedDateTime that message-list.md documents
// ("from/emailAddress/address eq '…'", "receivedDateTime ge …").
var senderFilter = regexp.MustCompile(`(?i)^\s*from/emailAddress/address eq '((?:[^']|'')*)' and receivedDateTime ge (\S+)(?: and receivedDateTime le (\S+))?\s*$`)

// messageFilter is the one $filter a list was asked for.
type messageFilter struct {
	conversation        string
	property, propValue string
	from                string
	since, until        time.Time
}

func (f messageFilter) matches(m *Message) bool {
	if f.conversation != "" && m.ConversationID != f.conversation {
		return false
	}
	if f.from != "" && (!strings.EqualFold(m.From, f.from) || m.ReceivedAt.Before(f.since) || !f.until.IsZero() && m.ReceivedAt.After(f.until)) {
		return false
	}
	// The property id's name is matched case-sensitively, its value
	// case-insensitively, as Graph documents.
	return f.property == "" || strings.EqualFold(m.Extended[f.property], f.propValue) && m.Extended[f.property] != ""
}

func parseMessageFilter(f string) (messageFilter, bool) {
	if f == "" {
		return messageFilter{}, true
	}
	if m := conversationFilter.FindStringSubmatch(f); m != nil {
		return messageFilter{conversation: strings.ReplaceAll(m[1], "''", "'")}, true
	}
	if m := senderFilter.FindStringSubmatch(f); m != nil {
		since, err := time.Parse(time.RFC3339, m[2])
		if err != nil {
			return messageFilter{}, false
		}
		f := messageFilter{from: strings.ReplaceAll(m[1], "''", "'"), since: since}
		if m[3] != "" {
			if f.until, err = time.Parse(time.RFC3339, m[3]); err != nil {
				return messageFilter{}, false
			}
		}
		return f, true
	}
	if m := extendedFilter.FindStringSubmatch(f); m != nil {
		return messageFilter{property: strings.ReplaceAll(m[1], "''", "'"), propValue: strings.ReplaceAll(m[2], "''", "'")}, true
	}
	return messageFilter{}, false
}

// handleListMessages supports the $filters Tandem's kind of client needs
// (conversationId eq '...', and a string extended property), $select, and
// $top/$skip paging with an absolute @odata.nextLink, newest first; under
// /mailFolders/{folder}/messages only that folder's messages (well-known
// names inbox, sentitems, drafts, or the folder's id).
func (s *Server) handleListMessages(w http.ResponseWriter, r *http.Request, _ *caller) {
	q := r.URL.Query()
	filter, ok := parseMessageFilter(q.Get("$filter"))
	if !ok {
		writeError(w, http.StatusBadRequest, "ErrorInvalidUrlQueryFilter", "The query filter contains one or more invalid nodes.")
		return
	}
	top, skip := 10, 0
	if v := q.Get("$top"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, http.StatusBadRequest, "BadRequest", "Invalid page size specified: '"+v+"'. Must be between 1 and 1000 inclusive.")
			return
		}
		top = n
	}
	if v := q.Get("$skip"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "BadRequest", "Invalid $skip value.")
			return
		}
		skip = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userFor(w, r)
	if u == nil {
		return
	}
	folder := strings.ToLower(r.PathValue("folder"))
	var list []*Message
	for _, m := range s.messages {
		inFolder := folder == "" || folder == m.Folder || strings.EqualFold(r.PathValue("folder"), folderID(u, m.Folder))
		if m.Mailbox == u.upn && inFolder && filter.matches(m) {
			list = append(list, m)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].ReceivedAt.After(list[j].ReceivedAt) })
	end := min(skip+top, len(list))
	vals := []map[string]any{}
	if skip < len(list) {
		for _, m := range list[skip:end] {
			vals = append(vals, s.renderMessage(m, u, r))
		}
	}
	out := map[string]any{"@odata.context": s.GraphURL + "/$metadata#users('" + u.upn + "')/messages", "value": vals}
	if end < len(list) {
		q.Set("$skip", strconv.Itoa(end))
		out["@odata.nextLink"] = s.URL + r.URL.Path + "?" + q.Encode()
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleGetMessage(w http.ResponseWriter, r *http.Request, _ *caller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, m := s.messageFor(w, r); m != nil {
		writeJSON(w, http.StatusOK, s.renderMessage(m, u, r))
	}
}

// renderMessage is the message resource, honouring $select and the
// outlook.body-content-type preference (HTML by default, as Graph).
func (s *Server) renderMessage(m *Message, u *user, r *http.Request) map[string]any {
	bodyType, content := "html", "<html><body>"+strings.ReplaceAll(html.EscapeString(m.Body), "\n", "<br>")+"</body></html>"
	if m.HTML != "" {
		content = m.HTML
	}
	if prefers(r, `outlook.body-content-type="text"`) {
		bodyType, content = "text", m.Body
	}
	recips := func(addrs []string) []map[string]any {
		out := []map[string]any{}
		for _, a := range addrs {
			out = append(out, address(a))
		}
		return out
	}
	preview := m.Body
	if len(preview) > 255 {
		preview = preview[:255]
	}
	obj := map[string]any{
		"@odata.etag":          etag(m),
		"id":                   m.ID,
		"createdDateTime":      m.ReceivedAt.Format(time.RFC3339),
		"lastModifiedDateTime": m.ModifiedAt.Format(time.RFC3339),
		"changeKey":            strings.Trim(etag(m)[2:], `"`),
		"categories":           m.Categories,
		"receivedDateTime":     m.ReceivedAt.Format(time.RFC3339),
		"sentDateTime":         m.ReceivedAt.Format(time.RFC3339),
		"hasAttachments":       len(m.Attachments) > 0,
		"internetMessageId":    m.InternetMessageID,
		"subject":              m.Subject,
		"bodyPreview":          preview,
		"importance":           m.Importance,
		"parentFolderId":       folderID(u, m.Folder),
		"conversationId":       m.ConversationID,
		"isRead":               m.Folder != folderInbox,
		"isDraft":              m.IsDraft,
		"body":                 map[string]string{"contentType": bodyType, "content": content},
		"from":                 address(m.From),
		"sender":               address(m.From),
		"toRecipients":         recips(m.To),
		"ccRecipients":         recips(m.Cc),
		"flag":                 map[string]string{"flagStatus": m.FlagStatus},
	}
	obj = selectFields(obj, r.URL.Query().Get("$select"))
	s.renderExtras(obj, m, r)
	return obj
}

func address(a string) map[string]any {
	return map[string]any{"emailAddress": map[string]string{"name": a, "address": a}}
}

func etag(m *Message) string {
	return fmt.Sprintf(`W/"CQAAABYAAAD%s%04d"`, strings.ToUpper(m.ID[6:14]), m.Version)
}

func prefers(r *http.Request, pref string) bool {
	for _, v := range r.Header.Values("Prefer") {
		for _, p := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(p), pref) {
				return true
			}
		}
	}
	return false
}

// selectFields applies $select; id and OData annotations always stay.
func selectFields(obj map[string]any, sel string) map[string]any {
	if sel == "" {
		return obj
	}
	keep := map[string]bool{"id": true}
	for _, f := range strings.Split(sel, ",") {
		keep[strings.ToLower(strings.TrimSpace(f))] = true
	}
	for k := range obj {
		if !keep[strings.ToLower(k)] && !strings.HasPrefix(k, "@odata.") {
			delete(obj, k)
		}
	}
	return obj
}

type recipientIn struct {
	EmailAddress struct {
		Address string `json:"address"`
	} `json:"emailAddress"`
}

type messageIn struct {
	Subject *string `json:"subject"`
	Body    *struct {
		ContentType string `json:"contentType"`
		Content     string `json:"content"`
	} `json:"body"`
	ToRecipients []recipientIn `json:"toRecipients"`
	CcRecipients []recipientIn `json:"ccRecipients"`
	Categories   []string      `json:"categories"`
	Importance   *string       `json:"importance"`
	Flag         *struct {
		FlagStatus string `json:"flagStatus"`
	} `json:"flag"`
	// Extended properties can be created with the message
	// (singlevaluelegacyextendedproperty-post-singlevalueextendedproperties.md).
	Extended []struct {
		ID    string `json:"id"`
		Value string `json:"value"`
	} `json:"singleValueExtendedProperties"`
	// Attachments given with a new message: create, sendMail, reply and
	// createReply take them; an update does not (message-update.md).
	Attachments []attachmentIn `json:"attachments"`
}

func (in messageIn) recipients() []string { return addresses(in.ToRecipients) }

func addresses(rs []recipientIn) []string {
	var out []string
	for _, r := range rs {
		out = append(out, strings.ToLower(r.EmailAddress.Address))
	}
	return out
}

var importances = []string{"low", "normal", "high"}

func (s *Server) handleCreateDraft(w http.ResponseWriter, r *http.Request, _ *caller) {
	var in messageIn
	if !decodeBody(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userFor(w, r)
	if u == nil {
		return
	}
	m := s.newMessage(u.upn, folderDrafts, u.upn, in.recipients(), "", "", "")
	if !applyUpdate(w, m, in) || !s.addAttachments(w, m, in.Attachments) {
		delete(s.messages, m.ID)
		return
	}
	s.emit(m, "created")
	writeJSON(w, http.StatusCreated, s.renderMessage(m, u, r))
}

// applyUpdate changes m; subject, body and recipients only while a draft.
func applyUpdate(w http.ResponseWriter, m *Message, in messageIn) bool {
	if !m.IsDraft && (in.Subject != nil || in.Body != nil || in.ToRecipients != nil || in.CcRecipients != nil) {
		writeError(w, http.StatusBadRequest, "ErrorInvalidPropertyUpdateSentMessage", "Update operation is invalid for property of a sent message.")
		return false
	}
	// OData enum values match case-insensitively (docs write "Low, Normal,
	// High"; responses use lower camel case).
	if in.Importance != nil {
		imp := strings.ToLower(*in.Importance)
		if !slices.Contains(importances, imp) {
			writeError(w, http.StatusBadRequest, "RequestBodyRead", "Requested value '"+*in.Importance+"' was not found.")
			return false
		}
		m.Importance = imp
	}
	if in.Flag != nil {
		switch strings.ToLower(in.Flag.FlagStatus) {
		case "notflagged":
			m.FlagStatus = "notFlagged"
		case "complete", "flagged":
			m.FlagStatus = strings.ToLower(in.Flag.FlagStatus)
		default:
			writeError(w, http.StatusBadRequest, "RequestBodyRead", "Requested value '"+in.Flag.FlagStatus+"' was not found.")
			return false
		}
	}
	if in.Subject != nil {
		m.Subject = *in.Subject
	}
	if in.Body != nil {
		m.Body = in.Body.Content
	}
	if in.ToRecipients != nil {
		m.To = in.recipients()
	}
	if in.CcRecipients != nil {
		m.Cc = addresses(in.CcRecipients)
	}
	if in.Categories != nil {
		m.Categories = slices.Clone(in.Categories)
	}
	for _, p := range in.Extended {
		if !strings.HasPrefix(p.ID, "String ") {
			writeError(w, http.StatusBadRequest, "ErrorInvalidProperty", "The extended property id '"+p.ID+"' is not a string property.")
			return false
		}
		if m.Extended == nil {
			m.Extended = map[string]string{}
		}
		m.Extended[p.ID] = p.Value
	}
	return true
}

func (s *Server) handleUpdateMessage(w http.ResponseWriter, r *http.Request, _ *caller) {
	var in messageIn
	if !decodeBody(w, r, &in) {
		return
	}
	if in.Attachments != nil {
		writeError(w, http.StatusBadRequest, "ErrorInvalidRequest", "Attachments cannot be updated with the message; POST them to its attachments.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, m := s.messageFor(w, r)
	if m == nil {
		return
	}
	if !applyUpdate(w, m, in) {
		return
	}
	m.Version++
	m.ModifiedAt = time.Now().UTC().Truncate(time.Second)
	s.touch(m)
	s.emit(m, "updated")
	writeJSON(w, http.StatusOK, s.renderMessage(m, u, r))
}

func (s *Server) handleSend(w http.ResponseWriter, r *http.Request, _ *caller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, m := s.messageFor(w, r)
	if m == nil {
		return
	}
	if !m.IsDraft {
		writeError(w, http.StatusBadRequest, "ErrorInvalidOperation", "Only draft messages can be sent.")
		return
	}
	if !s.send(w, m) {
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// send moves a draft to Sent Items and delivers copies to recipients that
// are simulated mailboxes; the caller holds s.mu.
func (s *Server) send(w http.ResponseWriter, m *Message) bool {
	if len(m.To) == 0 {
		writeError(w, http.StatusBadRequest, "ErrorInvalidRecipients", "At least one recipient isn't valid.")
		return false
	}
	m.Folder, m.IsDraft = folderSent, false
	m.ReceivedAt = s.now()
	m.ModifiedAt = m.ReceivedAt
	m.Version++
	s.touch(m)
	s.emit(m, "created")
	for _, to := range slices.Concat(m.To, m.Cc) {
		ru := s.users[to]
		if ru == nil {
			continue // outside the simulated tenant: the mail leaves
		}
		c := s.newMessage(ru.upn, folderInbox, m.From, slices.Clone(m.To), m.Subject, m.Body, m.ConversationID)
		c.Cc = slices.Clone(m.Cc)
		c.InternetMessageID = m.InternetMessageID
		for _, a := range m.Attachments {
			a.ID = s.itemID("AAMkAG")
			c.Attachments = append(c.Attachments, a)
		}
		s.emit(c, "created")
	}
	return true
}

// replyRecipients answers the sender, or the original recipients when the
// mailbox itself sent the original.
func replyRecipients(orig *Message) []string {
	if orig.From == orig.Mailbox {
		return slices.Clone(orig.To)
	}
	return []string{orig.From}
}

type replyIn struct {
	Comment string     `json:"comment"`
	Message *messageIn `json:"message"`
}

// draftReply builds the reply draft the way createReply does: "RE:" subject,
// the comment above the quoted original; the caller holds s.mu.
func (s *Server) draftReply(w http.ResponseWriter, orig *Message, in replyIn) *Message {
	if in.Comment != "" && in.Message != nil && in.Message.Body != nil {
		writeError(w, http.StatusBadRequest, "ErrorInvalidRequest", "Specify either the comment property or the body property of the message parameter, not both.")
		return nil
	}
	subject := orig.Subject
	if !strings.HasPrefix(strings.ToUpper(subject), "RE:") {
		subject = "RE: " + subject
	}
	body := in.Comment + "\r\n\r\nFrom: " + orig.From + "\r\nSubject: " + orig.Subject + "\r\n\r\n" + orig.Body
	d := s.newMessage(orig.Mailbox, folderDrafts, orig.Mailbox, replyRecipients(orig), subject, body, orig.ConversationID)
	if in.Message != nil && (!applyUpdate(w, d, *in.Message) || !s.addAttachments(w, d, in.Message.Attachments)) {
		delete(s.messages, d.ID)
		return nil
	}
	return d
}

func (s *Server) handleReply(w http.ResponseWriter, r *http.Request, _ *caller) {
	var in replyIn
	if !decodeBody(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, orig := s.messageFor(w, r)
	if orig == nil {
		return
	}
	d := s.draftReply(w, orig, in)
	if d == nil || !s.send(w, d) {
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func (s *Server) handleCreateReply(w http.ResponseWriter, r *http.Request, _ *caller) {
	var in replyIn
	if !decodeOptionalBody(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, orig := s.messageFor(w, r)
	if orig == nil {
		return
	}
	if d := s.draftReply(w, orig, in); d != nil {
		s.emit(d, "created")
		writeJSON(w, http.StatusCreated, s.renderMessage(d, u, r))
	}
}

func (s *Server) handleSendMail(w http.ResponseWriter, r *http.Request, _ *caller) {
	var in struct {
		Message messageIn `json:"message"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userFor(w, r)
	if u == nil {
		return
	}
	m := s.newMessage(u.upn, folderDrafts, u.upn, in.Message.recipients(), "", "", "")
	if !applyUpdate(w, m, in.Message) || !s.addAttachments(w, m, in.Message.Attachments) || !s.send(w, m) {
		delete(s.messages, m.ID)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

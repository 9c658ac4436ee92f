package graphsim

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Header is one internet message header of a received mail.
type Header struct {
	Name, Value string
}

// Mail is a message arriving from outside the simulated tenant, the way
// Exchange Online stores an SMTP delivery in the recipient's inbox.
type Mail struct {
	From    string
	To, Cc  []string
	Subject string
	// Text is the plain-text body; HTML, when set, is the body as sent
	// (Text is then what Graph renders for outlook.body-content-type="text").
	Text, HTML string
	Headers    []Header
	// Class is the MAPI message class: "" is IPM.Note; Outlook's automatic
	// replies are IPM.Note.Rules.OofTemplate.Microsoft and non-delivery
	// reports REPORT.IPM.Note.NDR ([MS-OXOMSG] 2.2.1.1 and [MS-OXCMSG]).
	Class string
	// InReplyTo, a message id in the mailbox, puts the mail in that
	// message's conversation, as Exchange threads a reply by its
	// In-Reply-To and References headers.
	InReplyTo   string
	Attachments []Attachment
}

// Receive delivers m to mailbox's inbox and notifies its subscriptions.
func (s *Server) Receive(mailbox string, in Mail) (Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[strings.ToLower(mailbox)]
	if u == nil {
		return Message{}, fmt.Errorf("graphsim: no mailbox %s", mailbox)
	}
	conv := ""
	if in.InReplyTo != "" {
		orig := s.messages[in.InReplyTo]
		if orig == nil || orig.Mailbox != u.upn {
			return Message{}, fmt.Errorf("graphsim: no message %s in %s", in.InReplyTo, mailbox)
		}
		conv = orig.ConversationID
	}
	lower := func(v []string) []string {
		out := make([]string, 0, len(v))
		for _, a := range v {
			out = append(out, strings.ToLower(a))
		}
		return out
	}
	m := s.newMessage(u.upn, folderInbox, strings.ToLower(in.From), lower(in.To), in.Subject, in.Text, conv)
	m.Cc, m.HTML, m.Headers = lower(in.Cc), in.HTML, slices.Clone(in.Headers)
	if in.Class != "" {
		m.Class = in.Class
	}
	for _, a := range in.Attachments {
		a.ID = s.itemID("AAMkAG")
		m.Attachments = append(m.Attachments, a)
	}
	s.emit(m, "created")
	return m.clone(), nil
}

// MissNotifications makes Graph drop change notifications, as it does
// when it cannot deliver them and later sends a missed lifecycle
// notification; false delivers again.
func (s *Server) MissNotifications(miss bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.missing = miss
}

// touch records a change of m for delta queries; the caller holds s.mu.
func (s *Server) touch(m *Message) {
	s.changeSeq++
	m.changed = s.changeSeq
}

// messageClassProperty is PidTagMessageClass as a Graph single-value
// extended property id; Graph writes the tag in lower-case hex.
const messageClassProperty = "String 0x1a"

var expandClass = regexp.MustCompile(`(?i)singleValueExtendedProperties\(\$filter=id eq 'String 0x0*1a'\)`)

// renderExtras adds what Graph returns only when asked: the internet
// message headers under $select=internetMessageHeaders (message-get.md,
// "Get the Internet message headers"), and extended properties under
// $expand=singleValueExtendedProperties($filter=id eq '…')
// (singlevaluelegacyextendedproperty-get.md).
func (s *Server) renderExtras(obj map[string]any, m *Message, r *http.Request) {
	q := r.URL.Query()
	if strings.Contains(strings.ToLower(q.Get("$select")), "internetmessageheaders") {
		hs := []map[string]string{}
		for _, h := range m.Headers {
			hs = append(hs, map[string]string{"name": h.Name, "value": h.Value})
		}
		obj["internetMessageHeaders"] = hs
	}
	if expandClass.MatchString(q.Get("$expand")) {
		obj["singleValueExtendedProperties"] = []map[string]string{{"id": messageClassProperty, "value": m.Class}}
	}
}

// deltaPage is how many messages one delta response holds
// (Prefer: odata.maxpagesize can change it, as in delta-query-messages.md).
const deltaPage = 10

// handleDelta is GET /users/{id}/mailFolders/{id}/messages/delta: a first
// round returns every message of the folder page by page with
// @odata.nextLink and ends with an @odata.deltaLink; calling the delta link
// returns what was created or changed since, and a new delta link
// (message-delta.md, delta-query-messages.md). The state tokens are
// opaque to the client.
func (s *Server) handleDelta(w http.ResponseWriter, r *http.Request, _ *caller) {
	q := r.URL.Query()
	since, offset, until := uint64(0), 0, uint64(0)
	if tok := q.Get("$deltatoken"); tok != "" {
		v, ok := decodeState(tok)
		if !ok || len(v) != 1 {
			writeError(w, http.StatusBadRequest, "SyncStateInvalid", "The sync state is invalid.")
			return
		}
		since = v[0]
	}
	if tok := q.Get("$skiptoken"); tok != "" {
		v, ok := decodeState(tok)
		if !ok || len(v) != 3 {
			writeError(w, http.StatusBadRequest, "SyncStateInvalid", "The sync state is invalid.")
			return
		}
		since, offset, until = v[0], int(v[1]), v[2]
	}
	pageSize := deltaPage
	for _, p := range r.Header.Values("Prefer") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(p), "odata.maxpagesize="); ok {
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				pageSize = n
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userFor(w, r)
	if u == nil {
		return
	}
	if until == 0 {
		until = s.changeSeq
	}
	folder := strings.ToLower(r.PathValue("folder"))
	var list []*Message
	for _, m := range s.messages {
		inFolder := folder == m.Folder || strings.EqualFold(r.PathValue("folder"), folderID(u, m.Folder))
		if m.Mailbox == u.upn && inFolder && m.changed > since && m.changed <= until {
			list = append(list, m)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].changed < list[j].changed })
	end := min(offset+pageSize, len(list))
	vals := []map[string]any{}
	if offset < len(list) {
		for _, m := range list[offset:end] {
			vals = append(vals, s.renderMessage(m, u, r))
		}
	}
	base := s.GraphURL + "/users/" + u.upn + "/mailFolders/" + r.PathValue("folder") + "/messages/delta?"
	out := map[string]any{"@odata.context": s.GraphURL + "/$metadata#Collection(message)", "value": vals}
	if end < len(list) {
		out["@odata.nextLink"] = base + "$skiptoken=" + encodeState(since, uint64(end), until)
	} else {
		out["@odata.deltaLink"] = base + "$deltatoken=" + encodeState(until)
	}
	writeJSON(w, http.StatusOK, out)
}

func encodeState(v ...uint64) string {
	parts := make([]string, len(v))
	for i, n := range v {
		parts[i] = strconv.FormatUint(n, 10)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, ".")))
}

func decodeState(tok string) ([]uint64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return nil, false
	}
	var out []uint64
	for _, p := range strings.Split(string(b), ".") {
		n, err := strconv.ParseUint(p, 10, 64)
		if err != nil {
			return nil, false
		}
		out = append(out, n)
	}
	return out, true
}

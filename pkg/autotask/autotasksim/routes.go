package autotasksim

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// maxBody bounds a request body: a 6 MB attachment is about 8 MB in base64.
const maxBody = 12 << 20

// route dispatches on the path segments after /ATServicesRest/V1.0/.
func (s *Server) route(w http.ResponseWriter, r *http.Request, u User, seg []string) {
	for i := range seg {
		seg[i] = strings.ToLower(seg[i])
	}
	m := r.Method
	switch {
	case len(seg) >= 2 && seg[1] == "entityinformation":
		s.entityInformation(w, r, seg)
	case match(seg, "tickets") && m == http.MethodPost:
		s.createTicket(w, r, u)
	case match(seg, "tickets") && m == http.MethodPatch:
		s.updateTicket(w, r, u)
	case match(seg, "tickets", "query") && (m == http.MethodPost || m == http.MethodGet):
		s.queryTickets(w, r)
	case match(seg, "tickets", "query", "next") && m == http.MethodGet:
		s.nextPage(w, r, "tickets")
	case match(seg, "tickets", "#") && m == http.MethodGet:
		getItem(s, w, s.tickets, id(seg[1]))
	case match(seg, "tickets", "#", "notes") && m == http.MethodPost:
		s.createNote(w, r, u, id(seg[1]))
	case match(seg, "ticketnotes", "#") && m == http.MethodGet:
		getItem(s, w, s.notes, id(seg[1]))
	case match(seg, "ticketnotes", "query") && m == http.MethodPost:
		s.queryNotes(w, r)
	case match(seg, "ticketnotes", "query", "next") && m == http.MethodGet:
		s.nextPage(w, r, "ticketnotes")
	case match(seg, "resources", "query") && (m == http.MethodPost || m == http.MethodGet):
		s.queryResources(w, r)
	case match(seg, "resources", "query", "next") && m == http.MethodGet:
		s.nextPage(w, r, "resources")
	case match(seg, "resources", "#") && m == http.MethodGet:
		s.getResource(w, id(seg[1]))
	case match(seg, "tickets", "#", "attachments") && m == http.MethodPost:
		s.createAttachment(w, r, u, id(seg[1]))
	case match(seg, "tickets", "#", "attachments") && m == http.MethodGet:
		s.listAttachments(w, id(seg[1]))
	case match(seg, "tickets", "#", "attachments", "#") && m == http.MethodGet:
		s.getAttachment(w, id(seg[1]), id(seg[3]))
	case match(seg, "tickets", "#", "attachments", "#") && m == http.MethodDelete:
		s.deleteAttachment(w, id(seg[1]), id(seg[3]))
	case match(seg, "timeentries") && m == http.MethodPost:
		s.createTimeEntry(w, r, u)
	case match(seg, "timeentries", "query") && m == http.MethodPost:
		s.queryTimeEntries(w, r)
	case match(seg, "timeentries", "query", "next") && m == http.MethodGet:
		s.nextPage(w, r, "timeentries")
	case match(seg, "billingcodes", "query") && m == http.MethodPost:
		s.queryBillingCodes(w, r)
	case len(seg) >= 1 && webhookEntity(seg[0]) != "":
		s.routeWebhooks(w, r, u, webhookEntity(seg[0]), seg[1:])
	default:
		writeErrors(w, http.StatusNotFound, "The requested resource does not exist.")
	}
}

// match compares path segments; "#" matches a positive integer id.
func match(seg []string, pattern ...string) bool {
	if len(seg) != len(pattern) {
		return false
	}
	for i, p := range pattern {
		if p == "#" {
			if id(seg[i]) <= 0 {
				return false
			}
		} else if seg[i] != p {
			return false
		}
	}
	return true
}

func id(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// readFields decodes a JSON object body with lower-cased keys: Autotask
// matches field names case-insensitively.
func readFields(w http.ResponseWriter, r *http.Request) (map[string]json.RawMessage, bool) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeErrors(w, http.StatusRequestEntityTooLarge, "The request body is too large.")
		return nil, false
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil || raw == nil {
		writeErrors(w, http.StatusBadRequest, "The request body is not a valid JSON object.")
		return nil, false
	}
	out := make(map[string]json.RawMessage, len(raw))
	for k, v := range raw {
		out[strings.ToLower(k)] = v
	}
	return out, true
}

// pick decodes one field if present and not null.
func pick[T any](f map[string]json.RawMessage, name string) (T, bool, error) {
	var v T
	raw, ok := f[name]
	if !ok || string(raw) == "null" {
		return v, false, nil
	}
	err := json.Unmarshal(raw, &v)
	return v, err == nil, err
}

// number accepts a JSON number or a numeric string, as Autotask does for
// picklist values.
func number(f map[string]json.RawMessage, name string) (int64, bool, error) {
	raw, ok := f[name]
	if !ok || string(raw) == "null" {
		return 0, false, nil
	}
	s := strings.Trim(string(raw), `"`)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false, err
	}
	return n, true, nil
}

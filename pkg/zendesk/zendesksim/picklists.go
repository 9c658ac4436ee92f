package zendesksim

import (
	"net/http"
	"slices"
)

var (
	statuses   = []string{"new", "open", "pending", "hold", "solved", "closed"}
	priorities = []string{"low", "normal", "high", "urgent"}
	types      = []string{"question", "incident", "problem", "task"}
)

type cstatus struct {
	id                   int64
	category, agentLabel string
}

// customStatuses: every account has one system custom status per category
// (ids 1-5 here); "Awaiting vendor" is an account's own, in category
// pending.
var customStatuses = []cstatus{
	{1, "new", "New"}, {2, "open", "Open"}, {3, "pending", "Pending"}, {4, "hold", "On-hold"}, {5, "solved", "Solved"},
	{360001, "pending", "Awaiting vendor"},
}

func customStatus(id int64) (cstatus, bool) {
	for _, c := range customStatuses {
		if c.id == id {
			return c, true
		}
	}
	return cstatus{}, false
}

// defaultCustomStatus is the system custom status of a status category.
func defaultCustomStatus(status string) int64 {
	for _, c := range customStatuses {
		if c.category == status {
			return c.id
		}
	}
	return 0
}

var groups = []map[string]any{
	{"id": 360000001, "name": "Support", "deleted": false, "default": true},
	{"id": 360000002, "name": "Escalations", "deleted": false, "default": false},
	{"id": 360000003, "name": "Old team", "deleted": true, "default": false},
}

func knownGroup(id int64) bool {
	return slices.ContainsFunc(groups, func(g map[string]any) bool { return g["id"] == int(id) && g["deleted"] == false })
}

// ticketFields includes the system fields every account has, as the API
// lists them, and two custom fields.
var ticketFields = []map[string]any{
	{"id": 1, "type": "subject", "title": "Subject", "active": true, "removable": false},
	{"id": 2, "type": "description", "title": "Description", "active": true, "removable": false},
	{"id": 3, "type": "status", "title": "Status", "active": true, "removable": false},
	{"id": 4, "type": "priority", "title": "Priority", "active": true, "removable": false},
	{"id": 5, "type": "group", "title": "Group", "active": true, "removable": false},
	{"id": 27642, "type": "text", "title": "Partner reference", "active": true, "removable": true},
	{"id": 27648, "type": "tagger", "title": "Environment", "active": true, "removable": true},
}

func knownField(id int64) bool {
	return slices.ContainsFunc(ticketFields, func(f map[string]any) bool { return f["id"] == int(id) && f["removable"] == true })
}

func (s *Server) customStatuses(w http.ResponseWriter, _ *http.Request, _ User, _ []string) {
	if s.opts.NoCustomStatuses {
		writeError(w, http.StatusForbidden, "Forbidden", "Custom ticket statuses are not enabled for this account")
		return
	}
	out := []map[string]any{}
	for _, c := range customStatuses {
		out = append(out, map[string]any{"id": c.id, "status_category": c.category, "agent_label": c.agentLabel,
			"end_user_label": c.agentLabel, "active": true, "default": c.id < 100})
	}
	writeJSON(w, http.StatusOK, map[string]any{"custom_statuses": out})
}

func (s *Server) listGroups(w http.ResponseWriter, _ *http.Request, _ User, _ []string) {
	writeJSON(w, http.StatusOK, map[string]any{"groups": groups,
		"meta": map[string]any{"has_more": false, "after_cursor": nil, "before_cursor": nil}, "links": map[string]any{"next": nil, "prev": nil}})
}

func (s *Server) listTicketFields(w http.ResponseWriter, _ *http.Request, _ User, _ []string) {
	writeJSON(w, http.StatusOK, map[string]any{"ticket_fields": ticketFields,
		"meta": map[string]any{"has_more": false, "after_cursor": nil, "before_cursor": nil}, "links": map[string]any{"next": nil, "prev": nil}})
}

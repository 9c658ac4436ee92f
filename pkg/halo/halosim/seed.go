package halosim

import (
	"net/http"
	"strconv"
	"strings"
)

// Picklists as a fresh HaloPSA instance ships them, trimmed. Status 9 is
// Halo's built-in Closed status.
var statuses = []map[string]any{
	{"id": 1, "name": "New", "shortname": "New", "type": 0, "colour": "#2a9fd6"},
	{"id": 2, "name": "In Progress", "shortname": "InProg", "type": 0, "colour": "#f0ad4e"},
	{"id": 3, "name": "Action Required", "shortname": "ActReq", "type": 0, "colour": "#d9534f"},
	{"id": 4, "name": "Waiting on User", "shortname": "WaitUser", "type": 0, "colour": "#777777"},
	{"id": 8, "name": "Resolved", "shortname": "Resolved", "type": 0, "colour": "#5cb85c"},
	{"id": 9, "name": "Closed", "shortname": "Closed", "type": 0, "colour": "#333333"},
}

// Priorities are defined per SLA (swagger "Policy"): each row's id is a
// GUID, and priorityid is the value tickets carry in priority_id.
var priorities = []map[string]any{
	{"id": "5b0c6a1e-0001-4c1a-9d01-000000000011", "slaid": 1, "priorityid": 1, "name": "Critical", "ishidden": false},
	{"id": "5b0c6a1e-0001-4c1a-9d01-000000000012", "slaid": 1, "priorityid": 2, "name": "High", "ishidden": false},
	{"id": "5b0c6a1e-0001-4c1a-9d01-000000000013", "slaid": 1, "priorityid": 3, "name": "Medium", "ishidden": false},
	{"id": "5b0c6a1e-0001-4c1a-9d01-000000000014", "slaid": 1, "priorityid": 4, "name": "Low", "ishidden": false},
	{"id": "5b0c6a1e-0001-4c1a-9d01-000000000021", "slaid": 2, "priorityid": 1, "name": "Critical", "ishidden": false},
	{"id": "5b0c6a1e-0001-4c1a-9d01-000000000022", "slaid": 2, "priorityid": 2, "name": "High", "ishidden": false},
	{"id": "5b0c6a1e-0001-4c1a-9d01-000000000023", "slaid": 2, "priorityid": 3, "name": "Medium", "ishidden": false},
	{"id": "5b0c6a1e-0001-4c1a-9d01-000000000024", "slaid": 2, "priorityid": 4, "name": "Low", "ishidden": false},
	{"id": "5b0c6a1e-0001-4c1a-9d01-000000000025", "slaid": 2, "priorityid": 5, "name": "Planned", "ishidden": true},
}

// ticketTypes say whether agents may pick them with "visible": Halo's
// swagger schema for a ticket type, RequestType, has visible and no
// inactive.
var ticketTypes = []map[string]any{
	{"id": 1, "name": "Incident", "visible": true},
	{"id": 3, "name": "Change Request", "visible": true},
	{"id": 4, "name": "Problem", "visible": true},
	{"id": 21, "name": "Service Request", "visible": true},
	{"id": 30, "name": "Legacy Request", "visible": false},
}

var teams = []map[string]any{
	{"id": 1, "name": "1st Line Support", "inactive": false},
	{"id": 2, "name": "2nd Line Support", "inactive": false},
	{"id": 3, "name": "Projects", "inactive": false},
}

// Categories belong to one of the four ticket category fields (type_id
// 1-4); tickets carry the value text in category_1…category_4.
var categories = []map[string]any{
	{"id": 1, "type_id": 1, "value": "Hardware"},
	{"id": 2, "type_id": 1, "value": "Hardware>Laptop"},
	{"id": 3, "type_id": 1, "value": "Software"},
	{"id": 4, "type_id": 1, "value": "Network"},
	{"id": 5, "type_id": 2, "value": "Minor"},
	{"id": 6, "type_id": 2, "value": "Major"},
}

// Outcomes are Halo's actions (swagger TOutcome): sendemail is an int32
// flag, hidefromuser the default visibility, newstatus the status the action
// sets, hidden an action no longer offered.
var outcomes = []map[string]any{
	{"id": 1, "outcome": "Private Note", "buttonname": "Private Note", "sendemail": 0, "hidefromuser": true, "hidden": false},
	{"id": 2, "outcome": "Email User", "buttonname": "Email User", "sendemail": 1, "hidefromuser": false, "hidden": false},
	{"id": 3, "outcome": "Public Note", "buttonname": "Note", "sendemail": 0, "hidefromuser": false, "hidden": false},
	{"id": 4, "outcome": "Resolve", "buttonname": "Resolve", "sendemail": 1, "hidefromuser": false, "hidden": false, "newstatus": 9},
	{"id": 5, "outcome": "Partner Update", "buttonname": "Partner Update", "sendemail": 0, "hidefromuser": true, "hidden": false},
	{"id": 6, "outcome": "Old Callback", "buttonname": "Callback", "sendemail": 0, "hidefromuser": true, "hidden": true},
}

// Custom field definitions. type: 0 text (inputtype 1 integer, 2 decimal),
// 1 memo, 2 single selection, 3 multiple selection, 4 date, 6 checkbox.
var fieldInfos = []map[string]any{
	{"id": 101, "name": "CFPartnerReference", "label": "Partner Reference", "type": 0, "inputtype": 0},
	{"id": 102, "name": "CFImpactedUsers", "label": "Impacted Users", "type": 0, "inputtype": 1},
	{"id": 103, "name": "CFEnvironment", "label": "Environment", "type": 2, "inputtype": 0},
	{"id": 104, "name": "CFDueBy", "label": "Due By", "type": 4, "inputtype": 0},
	{"id": 105, "name": "CFEscalated", "label": "Escalated", "type": 6, "inputtype": 0},
}

func (s *Server) picklist(rows []map[string]any) handler {
	return func(w http.ResponseWriter, _ *http.Request, _ APIUser, _ string) {
		writeJSON(w, http.StatusOK, rows)
	}
}

func (s *Server) listCategories(w http.ResponseWriter, r *http.Request, _ APIUser, _ string) {
	out := []map[string]any{}
	typeID, _ := strconv.Atoi(r.URL.Query().Get("type_id"))
	for _, c := range categories {
		if typeID == 0 || c["type_id"] == typeID {
			out = append(out, c)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func knownID(rows []map[string]any, key string, id int) bool {
	for _, r := range rows {
		if r[key] == id {
			return true
		}
	}
	return false
}

func nameOf(rows []map[string]any, key string, id int, nameKey string) string {
	for _, r := range rows {
		if r[key] == id {
			s, _ := r[nameKey].(string)
			return s
		}
	}
	return ""
}

// idOf finds the id of the row whose nameKey matches name, ignoring case as
// Halo matches names.
func idOf(rows []map[string]any, nameKey, name string) (int, bool) {
	for _, r := range rows {
		if n, _ := r[nameKey].(string); name != "" && strings.EqualFold(n, name) {
			id, ok := r["id"].(int)
			return id, ok
		}
	}
	return 0, false
}

func fieldByName(name string) map[string]any {
	for _, f := range fieldInfos {
		if f["name"] == name {
			return f
		}
	}
	return nil
}

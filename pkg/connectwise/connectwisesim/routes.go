package connectwisesim

import (
	"net/http"
	"strconv"
	"strings"
)

// route dispatches an authenticated API call. Paths compare
// case-insensitively, as ConnectWise's do.
func (s *Server) route(w http.ResponseWriter, r *http.Request, m Member, path string) {
	seg := strings.Split(strings.Trim(path, "/"), "/")
	is := func(parts ...string) bool {
		if len(parts) != len(seg) {
			return false
		}
		for i, p := range parts {
			if p != "*" && !strings.EqualFold(p, seg[i]) {
				return false
			}
		}
		return true
	}
	id := func(i int) (int64, bool) {
		n, err := strconv.ParseInt(seg[i], 10, 64)
		if err != nil || n <= 0 {
			writeError(w, http.StatusBadRequest, "InvalidObject", "The id in the path must be a positive integer.")
			return 0, false
		}
		return n, true
	}
	type handler struct {
		method string
		fn     func()
	}
	var hs []handler
	switch {
	case is("system", "info"):
		hs = []handler{{http.MethodGet, func() { s.systemInfo(w) }}}
	case is("service", "boards"):
		hs = []handler{{http.MethodGet, func() { s.listBoards(w, r) }}}
	case is("service", "boards", "*", "statuses"), is("service", "boards", "*", "types"), is("service", "boards", "*", "subtypes"):
		hs = []handler{{http.MethodGet, func() {
			if n, ok := id(2); ok {
				s.listBoardChild(w, r, n, strings.ToLower(seg[3]))
			}
		}}}
	case is("service", "boards", "*", "teams"):
		hs = []handler{{http.MethodGet, func() {
			if n, ok := id(2); ok {
				s.listTeams(w, r, n)
			}
		}}}
	case is("system", "myMembers"):
		hs = []handler{{http.MethodGet, func() { s.myMember(w, m) }}}
	case is("system", "mySecurity"):
		hs = []handler{{http.MethodGet, func() { s.mySecurity(w, r, m) }}}
	case is("service", "priorities"):
		hs = []handler{{http.MethodGet, func() { s.listPriorities(w, r) }}}
	case is("system", "userDefinedFields"):
		hs = []handler{{http.MethodGet, func() { s.listUDFs(w, r) }}}
	case is("service", "tickets"):
		hs = []handler{
			{http.MethodGet, func() {
				if s.allowed(w, m, FuncServiceTickets, "inquire") {
					s.listTickets(w, r)
				}
			}},
			{http.MethodPost, func() {
				if s.allowed(w, m, FuncServiceTickets, "add") {
					s.createTicket(w, r, m)
				}
			}},
		}
	case is("service", "tickets", "*"):
		hs = []handler{
			{http.MethodGet, func() {
				if n, ok := id(2); ok {
					s.getTicket(w, n)
				}
			}},
			{http.MethodPatch, func() {
				if n, ok := id(2); ok && s.allowed(w, m, FuncServiceTickets, "edit") {
					s.patchTicket(w, r, m, n)
				}
			}},
			{http.MethodDelete, func() {
				if n, ok := id(2); ok {
					s.deleteTicket(w, m, n)
				}
			}},
		}
	case is("service", "tickets", "*", "notes"):
		hs = []handler{
			{http.MethodGet, func() {
				if n, ok := id(2); ok {
					s.listNotes(w, r, n)
				}
			}},
			{http.MethodPost, func() {
				// A note is an edit of its ticket in ConnectWise's
				// security roles: Service Tickets covers both.
				if n, ok := id(2); ok && s.allowed(w, m, FuncServiceTickets, "edit") {
					s.addNote(w, r, m, n)
				}
			}},
		}
	case is("time", "entries"):
		hs = []handler{
			{http.MethodGet, func() { s.listTimeEntries(w, r) }},
			{http.MethodPost, func() { s.addTimeEntry(w, r, m) }},
		}
	case is("time", "workTypes"):
		hs = []handler{{http.MethodGet, func() { s.listWorkTypes(w, r) }}}
	case is("system", "documents"):
		hs = []handler{
			{http.MethodGet, func() { s.listDocuments(w, r) }},
			{http.MethodPost, func() { s.uploadDocument(w, r, m) }},
		}
	case is("system", "documents", "*"):
		hs = []handler{{http.MethodGet, func() {
			if n, ok := id(2); ok {
				s.getDocument(w, n)
			}
		}}}
	case is("system", "documents", "*", "download"):
		hs = []handler{{http.MethodGet, func() {
			if n, ok := id(2); ok {
				s.downloadDocument(w, n)
			}
		}}}
	case is("system", "callbacks"):
		hs = []handler{
			{http.MethodGet, func() { s.listCallbacks(w, r) }},
			{http.MethodPost, func() { s.createCallback(w, r, m) }},
		}
	case is("system", "callbacks", "*"):
		hs = []handler{
			{http.MethodGet, func() {
				if n, ok := id(2); ok {
					s.getCallback(w, n)
				}
			}},
			{http.MethodDelete, func() {
				if n, ok := id(2); ok {
					s.deleteCallback(w, n)
				}
			}},
		}
	}
	if len(hs) == 0 {
		endpointMissing(w)
		return
	}
	if (is("system", "callbacks") || is("system", "callbacks", "*")) && !s.callbacksAllowed(w, m) {
		return
	}
	for _, h := range hs {
		if h.method == r.Method {
			h.fn()
			return
		}
	}
	writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The requested resource does not support http method '"+r.Method+"'.")
}

func (s *Server) systemInfo(w http.ResponseWriter) {
	writeJSON(w, http.StatusOK, map[string]any{"version": "v2025.1.12345", "isCloud": false, "serverTimeZone": "Eastern Standard Time"})
}

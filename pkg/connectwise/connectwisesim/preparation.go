package connectwisesim

import (
	"net/http"
	"slices"
)

// The preparation an administrator does in ConnectWise before an
// integration works — an API member, a security role that allows service
// tickets and callbacks, a board the member may use with a default team and
// statuses — and the endpoints that show it to the member itself:
//
//   - GET /system/myMembers answers the calling member's record, with
//     licenseClass ("A" = API Member, "F" = Full Member), securityRole and
//     excludedServiceBoardIds (MyMember in the ConnectWise PSA OpenAPI
//     2025.1 as generated in ai-connor/connectwise model_my_member.go and
//     api_my_members.go);
//   - GET /system/mySecurity lists the calling member's security-role rows
//     {moduleName, moduleFunctionName, addLevel, editLevel, deleteLevel,
//     inquireLevel} (MySecurity, ai-connor/connectwise model_my_security.go
//     and api_my_securitys.go; christaylorcodes/ConnectWiseManageAPI
//     Get-CWMMySecurity). The module and function names and the level words
//     All/My/None are those of the Security Roles screen as integrators'
//     setup guides quote them (N-able "ConnectWise Manage API Member security
//     matrix": Service Desk > Service Tickets; Commvault "ConnectWise Manage
//     permissions"); the full list has hundreds of rows, the sim only the
//     ones an integration looks at;
//   - GET /service/boards/{id}/teams lists a board's teams with defaultFlag
//     (BoardTeam, ai-connor/connectwise model_board_team.go and
//     api_board_teams.go).
//
// What ConnectWise answers when a role forbids a call is not published; the
// sim answers 403 with the error body ConnectWise uses elsewhere, and the
// wording is its own.

// Levels are one security-role row's levels: "All", "My" or "None".
type Levels struct{ Add, Edit, Delete, Inquire string }

// FullAccess is what the Admin role gives every function.
var FullAccess = Levels{"All", "All", "All", "All"}

// NoAccess is a role row left at None.
var NoAccess = Levels{"None", "None", "None", "None"}

// Security-role functions the sim enforces, as the Security Roles screen
// names them.
const (
	ModuleServiceDesk  = "Service Desk"
	FuncServiceTickets = "Service Tickets"
)

type team struct {
	ID, BoardID int64
	Name        string
	Default     bool
}

// memberSetup is what ConnectWise keeps about a member beyond its keys.
type memberSetup struct {
	licenseClass string
	role         string
	levels       map[string]Levels // by module function name
	noCallbacks  bool
	excluded     []int64 // board ids
}

// roleRows are the security-role rows /system/mySecurity shows, in the
// order of the Security Roles screen.
var roleRows = []struct{ module, function string }{
	{"Companies", "Company Maintenance"},
	{ModuleServiceDesk, "Close Service Tickets"},
	{ModuleServiceDesk, FuncServiceTickets},
	{"System", "Member Maintenance"},
	{"System", "Table Setup"},
}

func newMemberSetup(licenseClass, role string) *memberSetup {
	m := &memberSetup{licenseClass: licenseClass, role: role, levels: map[string]Levels{}}
	for _, r := range roleRows {
		m.levels[r.function] = FullAccess
	}
	return m
}

// SetDefaultTeam gives board its default team back, or takes it away:
// ConnectWise lets a board exist without one.
func (s *Server) SetDefaultTeam(board int64, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.data.teams {
		if s.data.teams[i].BoardID == board {
			s.data.teams[i].Default = on
		}
	}
}

// ClearStatuses removes every status of board.
func (s *Server) ClearStatuses(board int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data.statuses = slices.DeleteFunc(s.data.statuses, func(st status) bool { return st.BoardID == board })
}

// SetLevels changes one function of member's security role.
func (s *Server) SetLevels(member int64, function string, l Levels) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setup(member).levels[function] = l
}

// DenyCallbacks makes member's role refuse the callback routes.
func (s *Server) DenyCallbacks(member int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setup(member).noCallbacks = true
}

// ExcludeBoard keeps member off board (the member's Service Default Board
// exclusions).
func (s *Server) ExcludeBoard(member, board int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ms := s.setup(member)
	ms.excluded = append(ms.excluded, board)
}

// setup is member's set-up; the caller holds s.mu.
func (s *Server) setup(member int64) *memberSetup {
	ms, ok := s.data.members[member]
	if !ok {
		ms = newMemberSetup("F", "Technician")
		s.data.members[member] = ms
	}
	return ms
}

// allowed reports whether m's role permits op ("add", "edit", "inquire")
// on function, answering 403 when it does not.
func (s *Server) allowed(w http.ResponseWriter, m Member, function, op string) bool {
	s.mu.Lock()
	l := s.setup(m.ID).levels[function]
	s.mu.Unlock()
	level := map[string]string{"add": l.Add, "edit": l.Edit, "delete": l.Delete, "inquire": l.Inquire}[op]
	if level == "" || level == "None" {
		forbidden(w, function)
		return false
	}
	return true
}

// callbacksAllowed refuses the callback routes to a member whose role
// does not allow them.
func (s *Server) callbacksAllowed(w http.ResponseWriter, m Member) bool {
	s.mu.Lock()
	deny := s.setup(m.ID).noCallbacks
	s.mu.Unlock()
	if deny {
		forbidden(w, "Callbacks")
		return false
	}
	return true
}

// boardExcluded refuses a ticket on a board the member is kept off.
func (s *Server) boardExcluded(w http.ResponseWriter, m Member, board int64) bool {
	s.mu.Lock()
	ex := slices.Contains(s.setup(m.ID).excluded, board)
	s.mu.Unlock()
	if ex {
		writeError(w, http.StatusForbidden, "Forbidden", "The member does not have access to this service board.")
	}
	return ex
}

func forbidden(w http.ResponseWriter, function string) {
	writeError(w, http.StatusForbidden, "Forbidden", "The member's security role does not allow this action ("+function+").")
}

func (s *Server) myMember(w http.ResponseWriter, m Member) {
	s.mu.Lock()
	ms := s.setup(m.ID)
	excluded := append([]int64{}, ms.excluded...)
	body := map[string]any{
		"id": m.ID, "identifier": m.Identifier, "firstName": m.Name, "lastName": "",
		"licenseClass": ms.licenseClass, "inactiveFlag": false,
		"securityRole":            map[string]any{"id": 1, "name": ms.role},
		"excludedServiceBoardIds": excluded,
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) mySecurity(w http.ResponseWriter, r *http.Request, m Member) {
	s.mu.Lock()
	ms := s.setup(m.ID)
	rows := make([]any, 0, len(roleRows))
	for i, rr := range roleRows {
		l := ms.levels[rr.function]
		rows = append(rows, map[string]any{
			"id": i + 1, "moduleName": rr.module, "moduleFunctionName": rr.function,
			"addLevel": l.Add, "editLevel": l.Edit, "deleteLevel": l.Delete, "inquireLevel": l.Inquire,
			"member": wref{ID: m.ID, Identifier: m.Identifier},
		})
	}
	s.mu.Unlock()
	s.writeList(w, r, rows)
}

func (s *Server) listTeams(w http.ResponseWriter, r *http.Request, boardID int64) {
	s.mu.Lock()
	if s.data.board(boardID) == nil {
		s.mu.Unlock()
		notFound(w, "Board", boardID)
		return
	}
	var rows []any
	for _, t := range s.data.teams {
		if t.BoardID == boardID {
			rows = append(rows, map[string]any{"id": t.ID, "name": t.Name, "boardId": t.BoardID, "defaultFlag": t.Default,
				"teamLeader": wref{ID: s.Agent.ID, Identifier: s.Agent.Identifier}})
		}
	}
	s.mu.Unlock()
	s.writeList(w, r, rows)
}

package halosim

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Action is a Halo action on a ticket: a note, an e-mail, a status change.
type Action struct {
	ID             int    `json:"id"`
	TicketID       int    `json:"ticket_id"`
	Outcome        string `json:"outcome"`
	OutcomeID      int    `json:"outcome_id"`
	Note           string `json:"note"`
	NoteHTML       string `json:"note_html,omitempty"`
	HiddenFromUser bool   `json:"hiddenfromuser"`
	Who            string `json:"who"`
	WhoAgentID     int    `json:"who_agentid"`
	DateTime       string `json:"datetime"`
	SendEmail      bool   `json:"sendemail"`
	NewStatus      int    `json:"new_status,omitempty"`
	// TimeTaken is the time worked, in hours; ActionArrivalDate and
	// ActionCompletionDate bound it (Actions model of the Halo OpenAPI:
	// timetaken double, actionarrivaldate and actioncompletiondate
	// date-time; testdata/actions-list.json shows 0.25 for 15 minutes).
	TimeTaken            float64 `json:"timetaken"`
	ActionArrivalDate    string  `json:"actionarrivaldate,omitempty"`
	ActionCompletionDate string  `json:"actioncompletiondate,omitempty"`
}

// Notes returns copies of a ticket's actions, oldest first.
func (s *Server) Notes(ticketID int) []Action {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Action, 0, len(s.actions[ticketID]))
	for _, a := range s.actions[ticketID] {
		out = append(out, *a)
	}
	return out
}

func (s *Server) listActions(w http.ResponseWriter, r *http.Request, _ APIUser, _ string) {
	q := r.URL.Query()
	ticketID, _ := strconv.Atoi(q.Get("ticket_id"))
	excludePrivate := strings.EqualFold(q.Get("excludeprivate"), "true")
	out := []Action{}
	for _, a := range s.Notes(ticketID) {
		if excludePrivate && a.HiddenFromUser {
			continue
		}
		out = append(out, a)
	}
	writeJSON(w, http.StatusOK, map[string]any{"record_count": len(out), "actions": out})
}

func (s *Server) getAction(w http.ResponseWriter, r *http.Request, _ APIUser, id string) {
	n, _ := strconv.Atoi(id)
	ticketID, _ := strconv.Atoi(r.URL.Query().Get("ticket_id"))
	for _, a := range s.Notes(ticketID) {
		if a.ID == n {
			writeJSON(w, http.StatusOK, a)
			return
		}
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"message": "Action " + id + " not found"})
}

// postActions adds actions. Halo answers a missing ticket and a disallowed
// action with 400 and a sentence, which is what the instance-sync guide's
// troubleshooting table quotes.
func (s *Server) postActions(w http.ResponseWriter, r *http.Request, user APIUser, _ string) {
	items, ok := readArray[map[string]json.RawMessage](w, r.Body, "actions")
	if !ok {
		return
	}
	s.mu.Lock()
	var out []Action
	var sends []Delivery
	for _, item := range items {
		a, ds, refusal := s.addActionLocked(user, item)
		if refusal != "" {
			s.mu.Unlock()
			writeJSON(w, http.StatusBadRequest, refusal)
			return
		}
		out = append(out, *a)
		sends = append(sends, ds...)
	}
	s.mu.Unlock()
	s.send(sends)
	writeCreated(w, out)
}

// LogTime adds an action with time taken as user would in Halo's agent
// screen (outcome, note, hours worked between arrival and completion),
// firing the action's webhook.
func (s *Server) LogTime(user APIUser, ticketID, outcomeID int, note string, hours float64, arrival, completion time.Time) (Action, error) {
	item := map[string]json.RawMessage{}
	for k, v := range map[string]any{"ticket_id": ticketID, "outcome_id": outcomeID, "note": note, "timetaken": hours,
		"actionarrivaldate": arrival.UTC().Format(time.RFC3339), "actioncompletiondate": completion.UTC().Format(time.RFC3339)} {
		item[k], _ = json.Marshal(v)
	}
	s.mu.Lock()
	a, sends, refusal := s.addActionLocked(user, item)
	s.mu.Unlock()
	if refusal != "" {
		return Action{}, errors.New(refusal)
	}
	s.send(sends)
	return *a, nil
}

// addActionLocked adds one action, or returns Halo's refusal; the caller
// holds s.mu and sends the deliveries after unlocking.
func (s *Server) addActionLocked(user APIUser, item map[string]json.RawMessage) (*Action, []Delivery, string) {
	t := s.tickets[intOf(item["ticket_id"])]
	if t == nil {
		return nil, nil, "An action must be associated with a ticket_id"
	}
	outcome := findOutcome(intOf(item["outcome_id"]), strOf(item["outcome"]))
	if outcome == nil {
		return nil, nil, "You do not have access to this action at the moment"
	}
	a := &Action{
		ID:             len(s.actions[t.ID]) + 1,
		TicketID:       t.ID,
		Outcome:        outcome["outcome"].(string),
		OutcomeID:      outcome["id"].(int),
		Note:           strOf(item["note"]),
		NoteHTML:       strOf(item["note_html"]),
		HiddenFromUser: outcome["hidefromuser"].(bool),
		Who:            user.Name,
		WhoAgentID:     user.AgentID,
		DateTime:       now(),
		SendEmail:      outcome["sendemail"] != 0,
	}
	// Halo takes the agent an action is done by as actionby_agent_id
	// and shows it back as who_agentid; the simulator knows agents by
	// id only, so it names them by id.
	if id := intOf(item["actionby_agent_id"]); id > 0 {
		a.WhoAgentID, a.Who = id, "Agent "+strconv.Itoa(id)
	}
	if v, ok := item["hiddenfromuser"]; ok {
		a.HiddenFromUser = strOf(v) == "true"
	}
	if v, ok := item["timetaken"]; ok {
		if err := json.Unmarshal(v, &a.TimeTaken); err != nil || a.TimeTaken < 0 {
			return nil, nil, "timetaken must be a number of hours"
		}
	}
	a.ActionArrivalDate, a.ActionCompletionDate = strOf(item["actionarrivaldate"]), strOf(item["actioncompletiondate"])
	if a.Note == "" && a.NoteHTML != "" {
		a.Note = a.NoteHTML
	}
	if st, ok := outcome["newstatus"].(int); ok {
		a.NewStatus = st
	}
	if v, ok := item["new_status"]; ok && intOf(v) > 0 {
		a.NewStatus = intOf(v)
	}
	if a.NewStatus > 0 {
		t.StatusID = a.NewStatus
	}
	t.LastActionDate = a.DateTime
	s.actions[t.ID] = append(s.actions[t.ID], a)
	return a, s.eventLocked(EventActionAdded, user, t, a), ""
}

func findOutcome(id int, name string) map[string]any {
	for _, o := range outcomes {
		if (id > 0 && o["id"] == id) || (id <= 0 && name != "" && strings.EqualFold(o["outcome"].(string), name)) {
			return o
		}
	}
	return nil
}

package connectwisesim

import (
	"net/http"
	"strings"
)

type wireNote struct {
	ID                    int64             `json:"id"`
	TicketID              int64             `json:"ticketId"`
	Text                  string            `json:"text"`
	DetailDescriptionFlag bool              `json:"detailDescriptionFlag"`
	InternalAnalysisFlag  bool              `json:"internalAnalysisFlag"`
	ResolutionFlag        bool              `json:"resolutionFlag"`
	ProcessNotifications  *bool             `json:"processNotifications,omitempty"`
	Member                *wref             `json:"member,omitempty"`
	DateCreated           string            `json:"dateCreated"`
	CreatedBy             string            `json:"createdBy"`
	InternalFlag          bool              `json:"internalFlag"`
	ExternalFlag          bool              `json:"externalFlag"`
	Info                  map[string]string `json:"_info,omitempty"`
}

func renderNote(n *Note) wireNote {
	ts := n.DateCreated.Format(cwTime)
	return wireNote{ID: n.ID, TicketID: n.TicketID, Text: n.Text,
		DetailDescriptionFlag: n.Detail, InternalAnalysisFlag: n.Internal, ResolutionFlag: n.Resolution,
		Member:      &wref{ID: n.MemberID, Identifier: n.Member},
		DateCreated: ts, CreatedBy: n.Member,
		InternalFlag: n.Internal, ExternalFlag: n.Detail || n.Resolution,
		Info: map[string]string{"lastUpdated": ts, "updatedBy": n.Member}}
}

func (s *Server) listNotes(w http.ResponseWriter, r *http.Request, ticketID int64) {
	s.mu.Lock()
	if _, ok := s.data.tickets[ticketID]; !ok {
		s.mu.Unlock()
		notFound(w, "Ticket", ticketID)
		return
	}
	var rows []any
	for _, n := range s.data.notes {
		if n.TicketID == ticketID {
			rows = append(rows, renderNote(n))
		}
	}
	s.mu.Unlock()
	s.writeList(w, r, rows)
}

// addNote requires text and at least one of the three visibility flags, as
// ConnectWise does, and touches the ticket so a ticket callback fires.
func (s *Server) addNote(w http.ResponseWriter, r *http.Request, m Member, ticketID int64) {
	var in wireNote
	if err := decodeBody(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, "InvalidObject", "The request body is not a valid note: "+err.Error())
		return
	}
	var errs []fieldError
	if strings.TrimSpace(in.Text) == "" {
		errs = append(errs, fieldError{Code: "NullValue", Message: "The text field is required.", Resource: "serviceNote", Field: "text"})
	}
	if !in.DetailDescriptionFlag && !in.InternalAnalysisFlag && !in.ResolutionFlag {
		errs = append(errs, fieldError{Code: "InvalidField", Message: "At least one of detailDescriptionFlag, internalAnalysisFlag or resolutionFlag must be true.", Resource: "serviceNote", Field: "detailDescriptionFlag"})
	}
	s.mu.Lock()
	t, ok := s.data.tickets[ticketID]
	if !ok {
		s.mu.Unlock()
		notFound(w, "Ticket", ticketID)
		return
	}
	if len(errs) > 0 {
		s.mu.Unlock()
		invalid(w, "serviceNote", errs...)
		return
	}
	now := s.now()
	s.data.nextNote++
	n := &Note{ID: s.data.nextNote, TicketID: ticketID, Text: in.Text, Detail: in.DetailDescriptionFlag,
		Internal: in.InternalAnalysisFlag, Resolution: in.ResolutionFlag,
		ProcessNotifications: in.ProcessNotifications == nil || *in.ProcessNotifications,
		MemberID:             m.ID, Member: m.Identifier, DateCreated: now}
	s.data.notes = append(s.data.notes, n)
	t.LastUpdated, t.UpdatedBy = now, m.Identifier
	ent := s.render(t)
	s.emit(m, "updated", t.ID, &ent)
	out := renderNote(n)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, out)
}

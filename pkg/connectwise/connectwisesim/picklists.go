package connectwisesim

import (
	"net/http"
)

type wref struct {
	ID         int64  `json:"id"`
	Name       string `json:"name,omitempty"`
	Identifier string `json:"identifier,omitempty"`
}

func (s *Server) listBoards(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	rows := make([]any, 0, len(s.data.boards))
	for _, b := range s.data.boards {
		rows = append(rows, map[string]any{"id": b.ID, "name": b.Name, "inactiveFlag": b.Inactive, "location": map[string]any{"id": 2, "name": "Tampa Office"}})
	}
	s.mu.Unlock()
	s.writeList(w, r, rows)
}

func (s *Server) listBoardChild(w http.ResponseWriter, r *http.Request, boardID int64, child string) {
	s.mu.Lock()
	b := s.data.board(boardID)
	if b == nil {
		s.mu.Unlock()
		notFound(w, "Board", boardID)
		return
	}
	bref := wref{ID: b.ID, Name: b.Name}
	var rows []any
	switch child {
	case "statuses":
		for _, st := range s.data.statuses {
			if st.BoardID == boardID {
				rows = append(rows, map[string]any{"id": st.ID, "name": st.Name, "board": bref, "sortOrder": st.SortOrder,
					"displayOnBoard": true, "inactive": st.Inactive, "closedStatus": st.Closed, "timeEntryNotAllowed": false})
			}
		}
	default:
		items := s.data.types
		if child == "subtypes" {
			items = s.data.subtypes
		}
		for _, it := range items {
			if it.BoardID == boardID {
				rows = append(rows, map[string]any{"id": it.ID, "name": it.Name, "board": bref, "inactiveFlag": it.Inactive})
			}
		}
	}
	s.mu.Unlock()
	s.writeList(w, r, rows)
}

func (s *Server) listPriorities(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	rows := make([]any, 0, len(s.data.priorities))
	for _, p := range s.data.priorities {
		rows = append(rows, map[string]any{"id": p.ID, "name": p.Name, "sortOrder": p.SortOrder, "color": p.Color, "defaultFlag": p.Default})
	}
	s.mu.Unlock()
	s.writeList(w, r, rows)
}

func (s *Server) listUDFs(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	rows := make([]any, 0, len(s.data.udfs))
	for _, u := range s.data.udfs {
		row := map[string]any{"id": u.ID, "podId": u.PodID, "caption": u.Caption, "sequenceNumber": u.ID,
			"fieldTypeIdentifier": u.FieldType, "entryTypeIdentifier": u.EntryType, "numberDecimals": u.Decimals,
			"requiredFlag": false, "displayOnScreenFlag": true, "readOnlyFlag": false, "listViewFlag": false}
		if len(u.Options) > 0 {
			var opts []map[string]any
			for i, o := range u.Options {
				opts = append(opts, map[string]any{"id": i + 1, "optionValue": o, "defaultFlag": false, "inactiveFlag": false, "sortOrder": i})
			}
			row["options"] = opts
		}
		rows = append(rows, row)
	}
	s.mu.Unlock()
	s.writeList(w, r, rows)
}

package connectwisesim

import (
	"sort"
)

// Tickets returns copies of all tickets, by id.
func (s *Server) Tickets() []Ticket {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Ticket, 0, len(s.data.tickets))
	for _, t := range s.data.tickets {
		out = append(out, copyTicket(t))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Ticket returns a copy of one ticket.
func (s *Server) Ticket(id int64) (Ticket, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.data.tickets[id]
	if !ok {
		return Ticket{}, false
	}
	return copyTicket(t), true
}

func copyTicket(t *Ticket) Ticket {
	c := *t
	c.Custom = make(map[int64]any, len(t.Custom))
	for k, v := range t.Custom {
		c.Custom[k] = v
	}
	return c
}

// Notes returns copies of a ticket's notes, oldest first.
func (s *Server) Notes(ticketID int64) []Note {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Note
	for _, n := range s.data.notes {
		if n.TicketID == ticketID {
			out = append(out, *n)
		}
	}
	return out
}

// Documents returns copies of the documents attached to a ticket.
func (s *Server) Documents(ticketID int64) []Document {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Document
	for _, d := range s.data.documents {
		if d.RecordType == "Ticket" && d.RecordID == ticketID {
			c := *d
			c.Data = append([]byte(nil), d.Data...)
			out = append(out, c)
		}
	}
	return out
}

// Callbacks returns the registered callbacks, oldest first.
func (s *Server) Callbacks() []CallbackEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]CallbackEntry, 0, len(s.callbacks))
	for _, c := range s.callbacks {
		out = append(out, CallbackEntry{ID: c.ID, URL: c.URL, ObjectID: c.ObjectID, Type: c.Type, Level: c.Level,
			Description: c.Description, PayloadVersion: c.PayloadVersion, MemberID: c.MemberID, SelfSuppressed: c.SelfSuppressed})
	}
	return out
}

// CallbackIDs lists the registered callbacks.
func (s *Server) CallbackIDs() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]int64, 0, len(s.callbacks))
	for _, c := range s.callbacks {
		out = append(out, c.ID)
	}
	return out
}

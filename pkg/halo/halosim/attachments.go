package halosim

import (
	"encoding/base64"
	"encoding/json"
	"mime"
	"net/http"
	"path"
	"slices"
	"strconv"
)

// MaxUpload is the largest file the simulator stores. Halo publishes no API
// limit; this mirrors the cap Tandem's client enforces so oversize uploads
// fail the same way in tests as in production.
const MaxUpload = 20 << 20

type attachment struct {
	ID       int    `json:"id"`
	TicketID int    `json:"ticket_id"`
	ActionID int    `json:"action_id,omitempty"`
	Filename string `json:"filename"`
	FileSize int    `json:"filesize"`
	Desc     string `json:"desc,omitempty"`
	IsImage  bool   `json:"isimage"`
	Created  string `json:"datecreated"`
	data     []byte
}

// Attachment is a test-side view of a stored file.
type Attachment struct {
	ID       int
	TicketID int
	ActionID int
	Filename string
	Data     []byte
}

// Attachments returns a ticket's files, oldest first.
func (s *Server) Attachments(ticketID int) []Attachment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Attachment
	for _, a := range s.attachments {
		if a.TicketID == ticketID {
			out = append(out, Attachment{ID: a.ID, TicketID: a.TicketID, ActionID: a.ActionID, Filename: a.Filename, Data: slices.Clone(a.data)})
		}
	}
	slices.SortFunc(out, func(a, b Attachment) int { return a.ID - b.ID })
	return out
}

func (s *Server) listAttachments(w http.ResponseWriter, r *http.Request, _ APIUser, _ string) {
	ticketID, _ := strconv.Atoi(r.URL.Query().Get("ticket_id"))
	s.mu.Lock()
	out := []attachment{}
	for _, a := range s.attachments {
		if a.TicketID == ticketID {
			out = append(out, *a)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b attachment) int { return a.ID - b.ID })
	writeJSON(w, http.StatusOK, map[string]any{"record_count": len(out), "attachments": out})
}

// getAttachment answers the file itself, not JSON, as Halo does.
func (s *Server) getAttachment(w http.ResponseWriter, _ *http.Request, _ APIUser, id string) {
	n, _ := strconv.Atoi(id)
	s.mu.Lock()
	a, ok := s.attachments[n]
	var data []byte
	var name string
	if ok {
		data, name = a.data, a.Filename
	}
	s.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Attachment " + id + " not found"})
		return
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}

func (s *Server) postAttachments(w http.ResponseWriter, r *http.Request, _ APIUser, _ string) {
	type attachmentIn struct {
		TicketID   json.RawMessage `json:"ticket_id"`
		ActionID   json.RawMessage `json:"action_id"`
		Filename   string          `json:"filename"`
		DataBase64 string          `json:"data_base64"`
		Desc       string          `json:"desc"`
		IsImage    bool            `json:"isimage"`
	}
	items, ok := readArray[attachmentIn](w, http.MaxBytesReader(w, r.Body, MaxUpload*2), "attachments")
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []attachment
	for i, it := range items {
		field := func(name string) string { return "[" + strconv.Itoa(i) + "]." + name }
		ticketID := intOf(it.TicketID)
		if s.tickets[ticketID] == nil {
			badRequest(w, field("ticket_id"), "Ticket %d does not exist", ticketID)
			return
		}
		if it.Filename == "" {
			badRequest(w, field("filename"), "Please enter a file name")
			return
		}
		data, err := base64.StdEncoding.DecodeString(it.DataBase64)
		if err != nil {
			badRequest(w, field("data_base64"), "The file content is not valid base64")
			return
		}
		if len(data) > MaxUpload {
			badRequest(w, field("data_base64"), "The file is too large")
			return
		}
		a := &attachment{ID: s.nextAttach, TicketID: ticketID, ActionID: intOf(it.ActionID), Filename: it.Filename,
			FileSize: len(data), Desc: it.Desc, IsImage: it.IsImage, Created: now(), data: data}
		s.nextAttach++
		s.attachments[a.ID] = a
		out = append(out, *a)
	}
	writeCreated(w, out)
}

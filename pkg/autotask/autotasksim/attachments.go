package autotasksim

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"path"
	"strings"
)

// MaxAttachment is the per-file limit the simulator enforces; Autotask
// documents "6 to 7 MB", so 6 MB is the size every instance accepts.
const MaxAttachment = 6 << 20

// attachmentInput is decoded in one pass (encoding/json matches keys
// without regard to case, as Autotask does): the base64 data dominates.
type attachmentInput struct {
	AttachmentType string
	Title          string
	FullPath       string
	Publish        *json.Number
	ContentType    string
	Data           []byte
}

func (s *Server) createAttachment(w http.ResponseWriter, r *http.Request, u User, ticketID int64) {
	var in attachmentInput
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(&in); err != nil {
		writeErrors(w, http.StatusBadRequest, "The request body is not a valid attachment.")
		return
	}
	switch {
	case in.AttachmentType != "FILE_ATTACHMENT":
		writeErrors(w, statusRule, "attachmentType must be FILE_ATTACHMENT for uploaded files.")
		return
	case in.Title == "" || len(in.Title) > 255:
		writeErrors(w, statusRule, "Missing Required Field: title")
		return
	case in.FullPath == "":
		writeErrors(w, statusRule, "Missing Required Field: fullPath")
		return
	case in.Publish == nil || (in.Publish.String() != "1" && in.Publish.String() != "2"):
		writeErrors(w, statusRule, "publish must be 1 (All Autotask Users) or 2 (Internal Users Only).")
		return
	case len(in.Data) == 0:
		writeErrors(w, statusRule, "Missing Required Field: data (base64).")
		return
	case len(in.Data) > MaxAttachment:
		writeErrors(w, statusRule, fmt.Sprintf("The attachment exceeds the maximum size of %d bytes.", MaxAttachment))
		return
	}
	publish, _ := in.Publish.Int64()
	a := Attachment{ParentID: ticketID, TicketID: ticketID, AttachmentType: in.AttachmentType, Title: in.Title, FullPath: in.FullPath,
		Publish: int(publish), Data: in.Data, FileSize: int64(len(in.Data)), ContentType: in.ContentType}
	if a.ContentType == "" {
		a.ContentType = mime.TypeByExtension(strings.ToLower(path.Ext(a.FullPath)))
	}
	if a.ContentType == "" {
		a.ContentType = "application/octet-stream"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ticketFor(w, ticketID) == nil {
		return
	}
	a.ID, a.AttachDate, a.AttachedByResourceID = s.newID(), nowMillis(), u.ResourceID
	s.attachments[a.ID] = &a
	writeJSON(w, http.StatusOK, map[string]int64{"itemId": a.ID})
}

// listAttachments answers the child collection without file data.
func (s *Server) listAttachments(w http.ResponseWriter, ticketID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	items := []Attachment{}
	for _, aid := range sortedKeys(s.attachments) {
		if a := s.attachments[aid]; a.TicketID == ticketID {
			meta := *a
			meta.Data = nil
			items = append(items, meta)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"items":       items,
		"pageDetails": map[string]any{"count": len(items), "requestCount": 500, "prevPageUrl": nil, "nextPageUrl": nil},
	})
}

func (s *Server) getAttachment(w http.ResponseWriter, ticketID, aid int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.attachments[aid]
	if !ok || a.TicketID != ticketID {
		writeJSON(w, http.StatusOK, map[string]any{"items": []Attachment{}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": []Attachment{*a}})
}

func (s *Server) deleteAttachment(w http.ResponseWriter, ticketID, aid int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.attachments[aid]
	if !ok || a.TicketID != ticketID {
		writeErrors(w, http.StatusNotFound, fmt.Sprintf("Unable to find attachment with id %d.", aid))
		return
	}
	delete(s.attachments, aid)
	writeJSON(w, http.StatusOK, map[string]int64{"itemId": aid})
}

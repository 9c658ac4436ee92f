package graphsim

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"time"
)

const (
	maxInline     = 3 << 20   // contentBytes only under 3 MB
	maxAttachment = 150 << 20 // upload sessions up to 150 MB
	maxChunk      = 4 << 20   // Graph advises chunks of at most 4 MB
)

type upload struct {
	mailbox, messageID string
	name, contentType  string
	size               int
	data               []byte
	expires            time.Time
}

func renderAttachment(a Attachment, withContent bool, sel string) map[string]any {
	obj := map[string]any{
		"@odata.type":             "#microsoft.graph.fileAttachment",
		"@odata.mediaContentType": a.ContentType,
		"id":                      a.ID,
		"name":                    a.Name,
		"contentType":             a.ContentType,
		"size":                    len(a.Data),
		"isInline":                a.IsInline,
		"contentId":               nil,
		"contentLocation":         nil,
		"lastModifiedDateTime":    time.Now().UTC().Format(time.RFC3339),
	}
	if withContent {
		obj["contentBytes"] = base64.StdEncoding.EncodeToString(a.Data)
	}
	return selectFields(obj, sel)
}

func (s *Server) handleListAttachments(w http.ResponseWriter, r *http.Request, _ *caller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, m := s.messageFor(w, r)
	if m == nil {
		return
	}
	sel := r.URL.Query().Get("$select")
	vals := []map[string]any{}
	for _, a := range m.Attachments {
		// Graph includes contentBytes in the list unless $select leaves it out.
		vals = append(vals, renderAttachment(a, true, sel))
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": vals})
}

func (s *Server) handleGetAttachment(w http.ResponseWriter, r *http.Request, _ *caller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, m := s.messageFor(w, r)
	if m == nil {
		return
	}
	for _, a := range m.Attachments {
		if a.ID == r.PathValue("aid") {
			writeJSON(w, http.StatusOK, renderAttachment(a, true, r.URL.Query().Get("$select")))
			return
		}
	}
	writeError(w, http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store.")
}

func (s *Server) handleAddAttachment(w http.ResponseWriter, r *http.Request, _ *caller) {
	var in attachmentIn
	if !decodeBody(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.attachment(w, in)
	if !ok {
		return
	}
	_, m := s.messageFor(w, r)
	if m == nil {
		return
	}
	m.Attachments = append(m.Attachments, a)
	m.Version++
	writeJSON(w, http.StatusCreated, renderAttachment(a, false, ""))
}

// handleAttachmentValue answers GET .../attachments/{id}/$value with the
// file's raw bytes and its content type (attachment-get.md, "Get the raw
// contents of a file attachment on a message").
func (s *Server) handleAttachmentValue(w http.ResponseWriter, r *http.Request, _ *caller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, m := s.messageFor(w, r)
	if m == nil {
		return
	}
	for _, a := range m.Attachments {
		if a.ID == r.PathValue("aid") {
			w.Header().Set("Content-Type", cmp.Or(a.ContentType, "application/octet-stream"))
			w.Header().Set("Content-Length", strconv.Itoa(len(a.Data)))
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(a.Data)
			return
		}
	}
	writeError(w, http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store.")
}

func (s *Server) handleCreateUploadSession(w http.ResponseWriter, r *http.Request, _ *caller) {
	var in struct {
		AttachmentItem struct {
			AttachmentType string `json:"attachmentType"`
			Name           string `json:"name"`
			Size           int    `json:"size"`
			ContentType    string `json:"contentType"`
		} `json:"AttachmentItem"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	it := in.AttachmentItem
	switch {
	case it.AttachmentType != "file":
		writeError(w, http.StatusBadRequest, "ErrorInvalidRequest", "attachmentType must be file.")
		return
	case it.Size < maxInline:
		writeError(w, http.StatusBadRequest, "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize", "Attachment size must be greater than the minimum size.")
		return
	case it.Size > maxAttachment:
		writeError(w, http.StatusBadRequest, "ErrorAttachmentSizeShouldNotBeMoreThanMaximumSize", "Attachment size must be less than the maximum size.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, m := s.messageFor(w, r)
	if m == nil {
		return
	}
	b := s.next("upload")
	key := base64.RawURLEncoding.EncodeToString(b[:])
	exp := time.Now().Add(15 * time.Minute).UTC()
	s.uploads[key] = &upload{mailbox: u.upn, messageID: m.ID, name: it.Name, contentType: it.ContentType, size: it.Size, expires: exp}
	writeJSON(w, http.StatusCreated, map[string]any{
		"@odata.context": s.GraphURL + "/$metadata#microsoft.graph.uploadSession",
		"uploadUrl": fmt.Sprintf("%s/api/v2.0/Users('%s@%s')/Messages('%s')/AttachmentSessions('%s')?authtoken=%s",
			s.UploadURL, u.id, s.TenantID, m.ID, s.itemID("AAMkAD"), key),
		"expirationDateTime": exp.Format(time.RFC3339),
		"nextExpectedRanges": []string{"0-"},
	})
}

var contentRange = regexp.MustCompile(`^bytes (\d+)-(\d+)/(\d+)$`)

// handleUploadChunk takes one ranged PUT to an upload URL shaped like
// Outlook's (.../AttachmentSessions('..')?authtoken=..). The URL is
// pre-authorised, so an Authorization header is refused as Graph documents.
func (s *Server) handleUploadChunk(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "" {
		writeError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Do not send an Authorization header to a pre-authenticated upload URL.")
		return
	}
	m := contentRange.FindStringSubmatch(r.Header.Get("Content-Range"))
	if m == nil {
		writeError(w, http.StatusBadRequest, "InvalidContentRange", "The Content-Range header is missing or malformed.")
		return
	}
	start, _ := strconv.Atoi(m[1])
	end, _ := strconv.Atoi(m[2])
	total, _ := strconv.Atoi(m[3])
	chunk, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxChunk+1))
	if err != nil || len(chunk) != end-start+1 || len(chunk) > maxChunk {
		writeError(w, http.StatusBadRequest, "InvalidContentRange", "The chunk does not match its Content-Range or exceeds 4 MB.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := r.URL.Query().Get("authtoken")
	up := s.uploads[key]
	if up == nil || time.Now().After(up.expires) {
		writeError(w, http.StatusNotFound, "ErrorItemNotFound", "The upload session was not found or has expired.")
		return
	}
	if total != up.size || start != len(up.data) {
		writeError(w, http.StatusRequestedRangeNotSatisfiable, "InvalidRange", fmt.Sprintf("Expected a range starting at %d of %d bytes.", len(up.data), up.size))
		return
	}
	up.data = append(up.data, chunk...)
	if len(up.data) < up.size {
		writeJSON(w, http.StatusOK, map[string]any{
			"ExpirationDateTime": up.expires.Format(time.RFC3339),
			"nextExpectedRanges": []string{strconv.Itoa(len(up.data))},
		})
		return
	}
	delete(s.uploads, key)
	msg := s.messages[up.messageID]
	if msg == nil {
		writeError(w, http.StatusNotFound, "ErrorItemNotFound", "The message was deleted during the upload.")
		return
	}
	a := Attachment{ID: s.itemID("AAMkAG"), Name: up.name, ContentType: up.contentType, Data: up.data}
	msg.Attachments = append(msg.Attachments, a)
	msg.Version++
	w.Header().Set("Location", fmt.Sprintf("%s/api/v2.0/Users('%s')/Messages('%s')/Attachments('%s')", s.UploadURL, s.users[up.mailbox].id, msg.ID, a.ID))
	w.WriteHeader(http.StatusCreated)
}

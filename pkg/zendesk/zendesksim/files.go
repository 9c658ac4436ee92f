package zendesksim

import (
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
)

// uploadLimit is Zendesk's attachment size limit (50 MB).
const uploadLimit = 50 << 20

type upload struct {
	attachment Attachment
	expires    time.Time
}

type storedFile struct {
	attachment Attachment
	token      string
	data       []byte
}

// upload is POST /api/v2/uploads?filename=: the raw bytes, answered with a
// token that a comment's uploads attach (valid 60 minutes) and the
// attachment record.
func (s *Server) upload(w http.ResponseWriter, r *http.Request, _ User, _ []string) {
	name := r.URL.Query().Get("filename")
	if name == "" {
		writeError(w, http.StatusBadRequest, "InvalidValue", "filename is required")
		return
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, uploadLimit+1))
	if err != nil || len(data) > uploadLimit {
		writeError(w, http.StatusRequestEntityTooLarge, "AttachmentTooLarge", "The attachment is larger than 50 MB")
		return
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		ct = mime.TypeByExtension(path.Ext(name))
	}
	s.mu.Lock()
	token := randomHex(12)
	a := Attachment{ID: s.newID(), FileName: name, ContentType: ct, Size: int64(len(data)), Thumbnails: []any{},
		ContentURL: s.FilesURL + "/attachments/token/" + token + "/?name=" + url.QueryEscape(name)}
	a.URL = s.URL + "/api/v2/attachments/" + itoa(a.ID) + ".json"
	s.uploads[token] = &upload{attachment: a, expires: s.now().Add(time.Hour)}
	s.attachments[a.ID] = &storedFile{attachment: a, token: token, data: data}
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"upload": map[string]any{
		"token": token, "expires_at": restTime(s.now().Add(time.Hour)), "attachment": a, "attachments": []Attachment{a},
	}})
}

func (s *Server) getAttachment(w http.ResponseWriter, _ *http.Request, _ User, p []string) {
	id, _ := strconv.ParseInt(p[1], 10, 64)
	s.mu.Lock()
	f := s.attachments[id]
	s.mu.Unlock()
	if f == nil {
		writeError(w, http.StatusNotFound, "RecordNotFound", "Not found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"attachment": f.attachment})
}

// serveFile is the file host: content URLs carry their own token, so a
// request that also carries credentials is one Zendesk's would never need,
// and is refused here so a client leaking them shows up.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutPrefix(strings.TrimSuffix(r.URL.Path, "/"), "/attachments/token/")
	if r.Header.Get("Authorization") != "" {
		s.mu.Lock()
		s.credentialled++
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, "InvalidRequest", "credentials sent to the file host")
		return
	}
	s.mu.Lock()
	var found *storedFile
	for _, f := range s.attachments {
		if ok && f.token == token {
			found = f
		}
	}
	s.mu.Unlock()
	if found == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", found.attachment.ContentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": found.attachment.FileName}))
	_, _ = w.Write(found.data)
}

// CredentialledFileRequests counts downloads that sent credentials to the
// file host.
func (s *Server) CredentialledFileRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.credentialled
}

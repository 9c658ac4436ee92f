package connectwisesim

import (
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
)

// maxUpload mirrors a gateway limit on multipart uploads.
const maxUpload = 25 << 20

type wireDocument struct {
	ID             int64             `json:"id"`
	Title          string            `json:"title"`
	FileName       string            `json:"fileName"`
	ServerFileName string            `json:"serverFileName"`
	Owner          string            `json:"owner"`
	LinkFlag       bool              `json:"linkFlag"`
	ImageFlag      bool              `json:"imageFlag"`
	PublicFlag     bool              `json:"publicFlag"`
	ReadOnlyFlag   bool              `json:"readOnlyFlag"`
	URLFlag        bool              `json:"urlFlag"`
	Size           int64             `json:"size"`
	CreatedOnDate  string            `json:"createdOnDate"`
	DocumentDate   string            `json:"documentDate"`
	Info           map[string]string `json:"_info,omitempty"`
}

func renderDocument(d *Document) wireDocument {
	ts := d.Created.Format(cwTime)
	return wireDocument{ID: d.ID, Title: d.Title, FileName: d.FileName, ServerFileName: strconv.FormatInt(d.ID, 10) + path.Ext(d.FileName),
		Owner: d.Owner, ImageFlag: strings.HasPrefix(d.ContentType, "image/"), PublicFlag: !d.Private,
		Size: int64(len(d.Data)), CreatedOnDate: ts, DocumentDate: ts,
		Info: map[string]string{"lastUpdated": ts, "updatedBy": d.Owner}}
}

// listDocuments needs recordType and recordId, as ConnectWise does.
func (s *Server) listDocuments(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	rt := q.Get("recordType")
	rid, err := strconv.ParseInt(q.Get("recordId"), 10, 64)
	if rt == "" || err != nil {
		writeError(w, http.StatusBadRequest, "InvalidObject", "recordType and recordId are required.")
		return
	}
	s.mu.Lock()
	var rows []any
	for _, d := range s.data.documents {
		if strings.EqualFold(d.RecordType, rt) && d.RecordID == rid {
			rows = append(rows, renderDocument(d))
		}
	}
	s.mu.Unlock()
	s.writeList(w, r, rows)
}

func (s *Server) uploadDocument(w http.ResponseWriter, r *http.Request, m Member) {
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	if err := r.ParseMultipartForm(maxUpload); err != nil {
		if strings.Contains(err.Error(), "too large") {
			writeError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "The file is too large.")
			return
		}
		writeError(w, http.StatusBadRequest, "InvalidObject", "Documents are uploaded as multipart/form-data.")
		return
	}
	defer r.MultipartForm.RemoveAll()
	f, fh, err := r.FormFile("file")
	var errs []fieldError
	if err != nil {
		errs = append(errs, fieldError{Code: "NullValue", Message: "A file is required.", Resource: "document", Field: "file"})
	}
	rt := r.FormValue("recordType")
	rid, idErr := strconv.ParseInt(r.FormValue("recordId"), 10, 64)
	if rt == "" || idErr != nil {
		errs = append(errs, fieldError{Code: "NullValue", Message: "recordType and recordId are required.", Resource: "document", Field: "recordId"})
	}
	if len(errs) > 0 {
		invalid(w, "document", errs...)
		return
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidObject", "The file could not be read.")
		return
	}
	s.mu.Lock()
	if strings.EqualFold(rt, "Ticket") {
		if _, ok := s.data.tickets[rid]; !ok {
			s.mu.Unlock()
			notFound(w, "Ticket", rid)
			return
		}
	}
	title := r.FormValue("title")
	if title == "" {
		title = fh.Filename
	}
	private, _ := strconv.ParseBool(r.FormValue("privateFlag"))
	s.data.nextDoc++
	d := &Document{ID: s.data.nextDoc, RecordType: rt, RecordID: rid, Title: title, FileName: fh.Filename,
		ContentType: fh.Header.Get("Content-Type"), Private: private, Data: data, Owner: m.Identifier, Created: s.now()}
	s.data.documents = append(s.data.documents, d)
	out := renderDocument(d)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) document(id int64) *Document {
	for _, d := range s.data.documents {
		if d.ID == id {
			return d
		}
	}
	return nil
}

func (s *Server) getDocument(w http.ResponseWriter, id int64) {
	s.mu.Lock()
	d := s.document(id)
	var out wireDocument
	if d != nil {
		out = renderDocument(d)
	}
	s.mu.Unlock()
	if d == nil {
		notFound(w, "Document", id)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) downloadDocument(w http.ResponseWriter, id int64) {
	s.mu.Lock()
	d := s.document(id)
	var data []byte
	var ct, name string
	if d != nil {
		data, ct, name = d.Data, d.ContentType, d.FileName
	}
	s.mu.Unlock()
	if d == nil {
		notFound(w, "Document", id)
		return
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.ReplaceAll(name, `"`, "")+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}

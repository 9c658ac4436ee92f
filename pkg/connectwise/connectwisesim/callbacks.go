package connectwisesim

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// callback is a registered callback entry.
type callback struct {
	ID             int64
	URL            string
	ObjectID       int64
	Type, Level    string
	Description    string
	MemberID       int64
	Member         string
	Inactive       bool
	SelfSuppressed bool
	ConnectWiseID  string
	SigningKey     string
	LastUpdated    time.Time
}

type wireCallback struct {
	ID                   int64             `json:"id"`
	URL                  string            `json:"url"`
	ObjectID             int64             `json:"objectId"`
	Type                 string            `json:"type"`
	Level                string            `json:"level"`
	MemberID             int64             `json:"memberId"`
	Description          string            `json:"description,omitempty"`
	PayloadVersion       string            `json:"payloadVersion"`
	InactiveFlag         bool              `json:"inactiveFlag"`
	IsSoapCallbackFlag   bool              `json:"isSoapCallbackFlag"`
	IsSelfSuppressedFlag bool              `json:"isSelfSuppressedFlag"`
	ConnectWiseID        string            `json:"connectWiseID"`
	Info                 map[string]string `json:"_info,omitempty"`
}

// Callback types and levels the sim accepts; the real list is longer, and
// an unknown one gets the documented InvalidObject answer.
var (
	callbackTypes  = map[string]bool{"ticket": true, "company": true, "contact": true, "project": true, "opportunity": true, "activity": true}
	callbackLevels = map[string]bool{"owner": true, "board": true, "status": true, "company": true}
)

func renderCallback(c *callback) wireCallback {
	return wireCallback{ID: c.ID, URL: c.URL, ObjectID: c.ObjectID, Type: c.Type, Level: c.Level, MemberID: c.MemberID,
		Description: c.Description, PayloadVersion: "3.0.0", InactiveFlag: c.Inactive,
		IsSelfSuppressedFlag: c.SelfSuppressed, ConnectWiseID: c.ConnectWiseID,
		Info: map[string]string{"lastUpdated": c.LastUpdated.Format(cwTime), "updatedBy": c.Member}}
}

func (s *Server) createCallback(w http.ResponseWriter, r *http.Request, m Member) {
	var in wireCallback
	if err := decodeBody(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, "InvalidObject", "The request body is not a valid callbackEntry: "+err.Error())
		return
	}
	var errs []fieldError
	if u, err := url.Parse(in.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		errs = append(errs, fieldError{Code: "InvalidField", Message: "url must be an absolute http(s) URL.", Resource: "callbackEntry", Field: "url"})
	}
	if !callbackTypes[strings.ToLower(in.Type)] {
		errs = append(errs, fieldError{Code: "InvalidField", Message: "type is not a valid callback type.", Resource: "callbackEntry", Field: "type"})
	}
	if !callbackLevels[strings.ToLower(in.Level)] {
		errs = append(errs, fieldError{Code: "InvalidField", Message: "level is not valid for this type.", Resource: "callbackEntry", Field: "level"})
	}
	if len(errs) > 0 {
		writeError(w, http.StatusBadRequest, "InvalidObject", "callbackEntry object is invalid", errs...)
		return
	}
	s.mu.Lock()
	s.nextCallback++
	c := &callback{ID: 26000 + s.nextCallback, URL: in.URL, ObjectID: in.ObjectID,
		Type: strings.ToLower(in.Type), Level: strings.ToLower(in.Level), Description: in.Description,
		MemberID: m.ID, Member: m.Identifier, Inactive: in.InactiveFlag, SelfSuppressed: in.IsSelfSuppressedFlag,
		ConnectWiseID: s.guid(), SigningKey: key(s.rnd) + key(s.rnd), LastUpdated: s.now()}
	s.callbacks = append(s.callbacks, c)
	out := renderCallback(c)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) listCallbacks(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	rows := make([]any, 0, len(s.callbacks))
	for _, c := range s.callbacks {
		rows = append(rows, renderCallback(c))
	}
	s.mu.Unlock()
	s.writeList(w, r, rows)
}

func (s *Server) getCallback(w http.ResponseWriter, id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.callbacks {
		if c.ID == id {
			writeJSON(w, http.StatusOK, renderCallback(c))
			return
		}
	}
	notFound(w, "Callback", id)
}

func (s *Server) deleteCallback(w http.ResponseWriter, id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, c := range s.callbacks {
		if c.ID == id {
			s.callbacks = append(s.callbacks[:i], s.callbacks[i+1:]...)
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	notFound(w, "Callback", id)
}

// callbackKey serves a callback's signing key at the key_url each delivery
// names. Like ConnectWise it needs no API credentials: the unguessable id is
// the capability.
func (s *Server) callbackKey(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.callbacks {
		if c.ConnectWiseID == id && id != "" {
			writeJSON(w, http.StatusOK, map[string]string{"signing_key": c.SigningKey})
			return
		}
	}
	writeError(w, http.StatusNotFound, "NotFound", "Callback key not found")
}

func (s *Server) guid() string {
	b := make([]byte, 16)
	for i := range b {
		b[i] = byte(s.rnd.UintN(256))
	}
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// Delivery is one callback POST the server made.
type Delivery struct {
	CallbackID int64
	URL        string
	Body       []byte
	Signature  string // the x-content-signature header sent
	Status     int    // the receiver's answer, 0 if it could not be reached
	Err        error
}

// emit posts the callback payload for a ticket change to every active ticket
// callback, except those registered by the acting member with
// isSelfSuppressedFlag. The caller holds s.mu; delivery runs in the
// background (as ConnectWise's does), tracked for Flush.
func (s *Server) emit(m Member, action string, ticketID int64, ent *wireTicket) {
	var entity any // null on delete
	if ent != nil {
		b, _ := json.Marshal(ent)
		entity = string(b) // ConnectWise sends the record as a JSON-encoded string
	}
	for _, c := range s.callbacks {
		if c.Inactive || c.Type != "ticket" || (c.SelfSuppressed && c.MemberID == m.ID) {
			continue
		}
		body, _ := json.Marshal(map[string]any{
			"MessageId": s.guid(), "FromUrl": strings.TrimPrefix(s.URL, "http://"), "CompanyId": s.CompanyID,
			"MemberId": m.Identifier, "Action": action, "Type": "ticket", "ID": ticketID,
			"ProductInstanceId": "639c96cab2eb560001dd1324", "PartnerId": "61ddc2817bcddc0001c74208",
			"Entity": entity, "CallbackObjectRecId": c.ID,
			"Metadata": map[string]string{"key_url": s.URL + "/" + Codebase + "system/callbackkey/index.rails?companyName=" +
				url.QueryEscape(s.CompanyID) + "&id=" + c.ConnectWiseID},
		})
		k := sha256.Sum256([]byte(c.SigningKey))
		mac := hmac.New(sha256.New, k[:])
		mac.Write(body)
		d := Delivery{CallbackID: c.ID, URL: c.URL, Body: body, Signature: base64.StdEncoding.EncodeToString(mac.Sum(nil))}
		s.pending.Add(1)
		go s.deliver(d)
	}
}

var deliveryClient = &http.Client{Timeout: 10 * time.Second}

func (s *Server) deliver(d Delivery) {
	defer s.pending.Done()
	req, err := http.NewRequest(http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("x-content-signature", d.Signature)
		var resp *http.Response
		if resp, err = deliveryClient.Do(req); err == nil {
			d.Status = resp.StatusCode
			resp.Body.Close()
		}
	}
	d.Err = err
	s.mu.Lock()
	s.delivered = append(s.delivered, d)
	s.mu.Unlock()
}

// Flush waits until every callback triggered so far has been delivered (or
// has failed) and returns all deliveries made, oldest first.
func (s *Server) Flush() []Delivery {
	s.pending.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.delivered...)
}

// SigningKey returns the key a callback's deliveries are signed with.
func (s *Server) SigningKey(callbackID int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.callbacks {
		if c.ID == callbackID {
			return c.SigningKey
		}
	}
	return ""
}

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
	"strconv"
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
	PayloadVersion string
	MemberID       int64
	Member         string
	Inactive       bool
	SelfSuppressed bool
	ConnectWiseID  string
	SigningKey     string
	LastUpdated    time.Time
}

// CallbackEntry is a registered callback as the site holds it.
type CallbackEntry struct {
	ID             int64
	URL            string
	ObjectID       int64
	Type, Level    string
	Description    string
	PayloadVersion string
	MemberID       int64
	SelfSuppressed bool
}

type wireCallback struct {
	ID                   int64             `json:"id"`
	URL                  string            `json:"url"`
	ObjectID             int64             `json:"objectId"`
	Type                 string            `json:"type"`
	Level                string            `json:"level"`
	MemberID             int64             `json:"memberId"`
	Description          string            `json:"description,omitempty"`
	PayloadVersion       string            `json:"payloadVersion,omitempty"`
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
		Description: c.Description, PayloadVersion: c.PayloadVersion, InactiveFlag: c.Inactive,
		IsSelfSuppressedFlag: c.SelfSuppressed, ConnectWiseID: c.ConnectWiseID,
		Info: map[string]string{"lastUpdated": c.LastUpdated.Format(cwTime), "updatedBy": c.Member}}
}

// requiredCallbackFields must be present (and not null) in a new callback
// entry: the CallbackEntry schema marks url, objectId, type and level
// "Required" (ConnectWise PSA OpenAPI 2025.1 as generated in
// ai-connor/connectwise build/model_callback_entry.go); amp-labs sends
// objectId 0 for the owner level because "ObjectID is required even if we
// send 0 for the owner" (providers/connectwise/internal/subscriber/create.go).
var requiredCallbackFields = []string{"url", "objectId", "type", "level"}

func (s *Server) createCallback(w http.ResponseWriter, r *http.Request, m Member) {
	var raw map[string]json.RawMessage
	if err := decodeBody(r, &raw); err != nil {
		writeError(w, http.StatusBadRequest, "InvalidObject", "The request body is not a valid callbackEntry: "+err.Error())
		return
	}
	var in wireCallback
	b, _ := json.Marshal(raw)
	if err := json.Unmarshal(b, &in); err != nil {
		writeError(w, http.StatusBadRequest, "InvalidObject", "The request body is not a valid callbackEntry: "+err.Error())
		return
	}
	var errs []fieldError
	for _, f := range requiredCallbackFields {
		if v, ok := raw[f]; !ok || string(v) == "null" {
			errs = append(errs, fieldError{Code: "NullValue", Message: "The " + f + " field is required.", Resource: "callbackEntry", Field: f})
		}
	}
	if len(errs) > 0 {
		writeError(w, http.StatusBadRequest, "InvalidObject", "callbackEntry object is invalid", errs...)
		return
	}
	if u, err := url.Parse(in.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		errs = append(errs, fieldError{Code: "InvalidField", Message: "Invalid URL", Resource: "callbackEntry", Field: "url"})
	}
	if !callbackTypes[strings.ToLower(in.Type)] {
		errs = append(errs, fieldError{Code: "InvalidField", Message: "type is not a valid callback type.", Resource: "callbackEntry", Field: "type"})
	}
	if !callbackLevels[strings.ToLower(in.Level)] {
		errs = append(errs, fieldError{Code: "InvalidObject", Message: "Unrecognized level for type, see documentation for supported levels for each type", Resource: "callbackEntry", Field: "level"})
	}
	if len([]rune(in.Description)) > 100 {
		errs = append(errs, fieldError{Code: "InvalidField", Message: "description may not exceed 100 characters.", Resource: "callbackEntry", Field: "description"})
	}
	if len(errs) > 0 {
		writeError(w, http.StatusBadRequest, "InvalidObject", "callbackEntry object is invalid", errs...)
		return
	}
	objectID := in.ObjectID
	if strings.EqualFold(in.Level, "owner") {
		objectID = 1 // what ConnectWise stores for the owner level, whatever was sent
	}
	s.mu.Lock()
	for _, c := range s.callbacks {
		// A second entry for the same URL and scope is refused (amp-labs
		// subscriber/test/create/create-webhook-bad-request-2.json).
		if c.URL == in.URL && c.Type == strings.ToLower(in.Type) && c.Level == strings.ToLower(in.Level) && c.ObjectID == objectID {
			s.mu.Unlock()
			writeError(w, http.StatusBadRequest, "InvalidObject", "callbackEntry object is invalid",
				fieldError{Code: "ObjectExists", Message: "A matching callback entry already exists", Resource: "callbackEntry", Field: "objectId"})
			return
		}
	}
	s.nextCallback++
	c := &callback{ID: 26000 + s.nextCallback, URL: in.URL, ObjectID: objectID,
		Type: strings.ToLower(in.Type), Level: strings.ToLower(in.Level), Description: in.Description,
		PayloadVersion: in.PayloadVersion,
		MemberID:       m.ID, Member: m.Identifier, Inactive: in.InactiveFlag, SelfSuppressed: in.IsSelfSuppressedFlag,
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
		entity = ent
	}
	s.emitRecord(m, "ticket", action, ticketID, entity)
}

// emitRecord posts one record change to every active callback of its type.
// The record goes as a JSON-encoded string, and the delivery URL is the
// registered URL with the record id appended as raw text: ConnectWise does
// not build a URL of its own, so a callback registered as …/hook?recordId=
// is called at …/hook?recordId=4711 and one registered as …/hook at
// …/hook4711 (amp-labs/connectors subscriber/create.go; djconnectwise).
// The caller holds s.mu.
func (s *Server) emitRecord(m Member, typ, action string, id int64, record any) {
	var entity any // null on delete
	if record != nil {
		b, _ := json.Marshal(record)
		entity = string(b) // ConnectWise sends the record as a JSON-encoded string
	}
	for _, c := range s.callbacks {
		if c.Inactive || c.Type != typ || (c.SelfSuppressed && c.MemberID == m.ID) {
			continue
		}
		body, _ := json.Marshal(map[string]any{
			"MessageId": s.guid(), "FromUrl": strings.TrimPrefix(s.URL, "http://"), "CompanyId": s.CompanyID,
			"MemberId": m.Identifier, "Action": action, "Type": typ, "ID": id,
			"ProductInstanceId": "639c96cab2eb560001dd1324", "PartnerId": "61ddc2817bcddc0001c74208",
			"Entity": entity, "CallbackObjectRecId": c.ID,
			"Metadata": map[string]string{"key_url": s.URL + "/" + Codebase + "system/callbackkey/index.rails?companyName=" +
				url.QueryEscape(s.CompanyID) + "&id=" + c.ConnectWiseID},
		})
		k := sha256.Sum256([]byte(c.SigningKey))
		mac := hmac.New(sha256.New, k[:])
		mac.Write(body)
		d := Delivery{CallbackID: c.ID, URL: c.URL + strconv.FormatInt(id, 10), Body: body,
			Signature: base64.StdEncoding.EncodeToString(mac.Sum(nil))}
		s.pending.Add(1)
		go s.deliver(d)
	}
}

// UpdateContact records a change to a contact made by m (a person editing
// it in ConnectWise) and fires the contact callbacks. The sim keeps no
// contacts; the entity is shaped like a captured contact callback
// (amp-labs/connectors internal/webhook/test/contact-update.json).
func (s *Server) UpdateContact(m Member, contactID int64, firstName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.emitRecord(m, "contact", "updated", contactID, map[string]any{
		"id": contactID, "firstName": firstName, "inactiveFlag": false,
		"company": map[string]any{"id": CustomerCompanyID},
		"_info":   map[string]string{"lastUpdated": s.now().Format(cwTime), "updatedBy": m.Identifier},
	})
}

// AddCallback registers a callback as member m would through
// POST /system/callbacks (another integration of the site, say), and
// returns its id.
func (s *Server) AddCallback(m Member, callbackURL, typ, level string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextCallback++
	c := &callback{ID: 26000 + s.nextCallback, URL: callbackURL, ObjectID: 1, Type: typ, Level: level,
		PayloadVersion: "3.0.0", MemberID: m.ID, Member: m.Identifier,
		ConnectWiseID: s.guid(), SigningKey: key(s.rnd) + key(s.rnd), LastUpdated: s.now()}
	s.callbacks = append(s.callbacks, c)
	return c.ID
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

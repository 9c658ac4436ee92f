package autotasksim

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
)

// Webhook is a registered TicketWebhook or TicketNoteWebhook.
type Webhook struct {
	ID                                int64  `json:"id"`
	Name                              string `json:"name"`
	WebhookURL                        string `json:"webhookUrl"`
	DeactivationURL                   string `json:"deactivationUrl"`
	IsActive                          bool   `json:"isActive"`
	IsReady                           bool   `json:"isReady"`
	IsSubscribedToCreateEvents        bool   `json:"isSubscribedToCreateEvents"`
	IsSubscribedToUpdateEvents        bool   `json:"isSubscribedToUpdateEvents"`
	IsSubscribedToDeleteEvents        bool   `json:"isSubscribedToDeleteEvents"`
	NotificationEmailAddress          string `json:"notificationEmailAddress"`
	OwnerResourceID                   int64  `json:"ownerResourceID"`
	SendThresholdExceededNotification bool   `json:"sendThresholdExceededNotification"`
	WebhookGUID                       string `json:"webhookGUID"`

	Entity            string         `json:"-"` // "Ticket" or "TicketNote"
	SecretKey         string         `json:"-"` // write-only on the API
	Fields            []WebhookField `json:"-"`
	ExcludedResources []int64        `json:"-"`
	sequence          int64
}

// WebhookField subscribes a webhook to one field.
type WebhookField struct {
	ID                   int64 `json:"id"`
	FieldID              int   `json:"fieldID"`
	IsDisplayAlwaysField bool  `json:"isDisplayAlwaysField"`
	IsSubscribedField    bool  `json:"isSubscribedField"`
	WebhookID            int64 `json:"webhookID"`
}

// Delivery is one callout the simulator made.
type Delivery struct {
	URL       string
	Body      []byte
	Signature string // X-Hook-Signature as sent
	Status    int    // receiver's answer, 0 if the call failed
}

// Webhooks returns every registered webhook, by id.
func (s *Server) Webhooks() []Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Webhook
	for _, id := range sortedKeys(s.webhooks) {
		h := *s.webhooks[id]
		h.Fields = slices.Clone(h.Fields)
		h.ExcludedResources = slices.Clone(h.ExcludedResources)
		out = append(out, h)
	}
	return out
}

// Flush waits until every callout started so far has been answered. Call it
// after the API call that should have fired one.
func (s *Server) Flush() { s.pending.Wait() }

// Deliveries returns the callouts made so far, in the order they were sent.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.deliveries)
}

func webhookEntity(seg string) string {
	switch seg {
	case "ticketwebhooks":
		return "Ticket"
	case "ticketnotewebhooks":
		return "TicketNote"
	}
	return ""
}

type webhookInput struct {
	Name                              *string `json:"name"`
	WebhookURL                        *string `json:"webhookUrl"`
	DeactivationURL                   *string `json:"deactivationUrl"`
	SecretKey                         *string `json:"secretKey"`
	IsActive                          *bool   `json:"isActive"`
	IsSubscribedToCreateEvents        *bool   `json:"isSubscribedToCreateEvents"`
	IsSubscribedToUpdateEvents        *bool   `json:"isSubscribedToUpdateEvents"`
	IsSubscribedToDeleteEvents        *bool   `json:"isSubscribedToDeleteEvents"`
	NotificationEmailAddress          *string `json:"notificationEmailAddress"`
	SendThresholdExceededNotification *bool   `json:"sendThresholdExceededNotification"`
}

func (s *Server) routeWebhooks(w http.ResponseWriter, r *http.Request, u User, entity string, seg []string) {
	switch {
	case len(seg) == 0 && r.Method == http.MethodPost:
		s.createWebhook(w, r, u, entity)
	case match(seg, "#") && r.Method == http.MethodGet:
		s.mu.Lock()
		defer s.mu.Unlock()
		if h, ok := s.webhooks[id(seg[0])]; ok && h.Entity == entity {
			writeJSON(w, http.StatusOK, map[string]any{"item": h})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"item": nil})
	case match(seg, "#") && r.Method == http.MethodDelete:
		s.deleteWebhook(w, entity, id(seg[0]))
	case match(seg, "#", "fields") && r.Method == http.MethodPost:
		s.addWebhookField(w, r, entity, id(seg[0]))
	case match(seg, "#", "excludedresources") && r.Method == http.MethodPost:
		s.addExcludedResource(w, r, entity, id(seg[0]))
	default:
		writeErrors(w, http.StatusNotFound, "The requested resource does not exist.")
	}
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request, u User, entity string) {
	var in webhookInput
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
		writeErrors(w, http.StatusBadRequest, "The request body is not a valid JSON object.")
		return
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	boolean := func(p *bool) bool { return p != nil && *p }
	switch {
	case str(in.Name) == "" || len(str(in.Name)) > 50:
		writeErrors(w, statusRule, "name is required and must be at most 50 characters.")
		return
	case str(in.WebhookURL) == "" || len(str(in.WebhookURL)) > 500:
		writeErrors(w, statusRule, "webhookUrl is required and must be at most 500 characters.")
		return
	case str(in.DeactivationURL) == "" || len(str(in.DeactivationURL)) > 500:
		writeErrors(w, statusRule, "deactivationUrl is required and must be at most 500 characters.")
		return
	case len(str(in.SecretKey)) > 64:
		writeErrors(w, statusRule, "secretKey must be at most 64 characters.")
		return
	}
	guid := make([]byte, 16)
	_, _ = rand.Read(guid)
	h := &Webhook{
		Name: str(in.Name), WebhookURL: str(in.WebhookURL), DeactivationURL: str(in.DeactivationURL),
		IsActive: boolean(in.IsActive), IsSubscribedToCreateEvents: boolean(in.IsSubscribedToCreateEvents),
		IsSubscribedToUpdateEvents: boolean(in.IsSubscribedToUpdateEvents), IsSubscribedToDeleteEvents: boolean(in.IsSubscribedToDeleteEvents),
		NotificationEmailAddress: str(in.NotificationEmailAddress), OwnerResourceID: u.ResourceID,
		SendThresholdExceededNotification: boolean(in.SendThresholdExceededNotification),
		WebhookGUID:                       hex.EncodeToString(guid), Entity: entity, SecretKey: str(in.SecretKey),
	}
	s.mu.Lock()
	h.ID = s.newID()
	s.webhooks[h.ID] = h
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]int64{"itemId": h.ID})
}

func (s *Server) deleteWebhook(w http.ResponseWriter, entity string, hid int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.webhookFor(w, entity, hid)
	if h == nil {
		return
	}
	delete(s.webhooks, hid)
	// Autotask tells the deactivation URL when a webhook stops.
	s.send(h, h.DeactivationURL, map[string]any{
		"Action": "Deactivated", "Guid": h.WebhookGUID, "EntityType": h.Entity, "Id": h.ID,
		"EventTime": nowMillis(), "SequenceNumber": h.nextSequence(),
	})
	writeJSON(w, http.StatusOK, map[string]int64{"itemId": hid})
}

func (s *Server) addWebhookField(w http.ResponseWriter, r *http.Request, entity string, hid int64) {
	var in WebhookField
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
		writeErrors(w, http.StatusBadRequest, "The request body is not a valid JSON object.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.webhookFor(w, entity, hid)
	if h == nil {
		return
	}
	if _, ok := fieldByID(entity, in.FieldID); !ok {
		writeErrors(w, statusRule, fmt.Sprintf("Value %d does not exist for the field fieldID.", in.FieldID))
		return
	}
	in.ID, in.WebhookID = s.newID(), hid
	h.Fields = append(h.Fields, in)
	// A webhook is ready once it has at least one callout field.
	h.IsReady = h.IsReady || in.IsSubscribedField
	writeJSON(w, http.StatusOK, map[string]int64{"itemId": in.ID})
}

func (s *Server) addExcludedResource(w http.ResponseWriter, r *http.Request, entity string, hid int64) {
	var in struct {
		ResourceID int64 `json:"resourceID"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil || in.ResourceID <= 0 {
		writeErrors(w, statusRule, "Missing Required Field: resourceID")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.webhookFor(w, entity, hid)
	if h == nil {
		return
	}
	h.ExcludedResources = append(h.ExcludedResources, in.ResourceID)
	writeJSON(w, http.StatusOK, map[string]int64{"itemId": s.newID()})
}

// webhookFor finds entity's webhook hid, or answers 404; the caller holds
// s.mu.
func (s *Server) webhookFor(w http.ResponseWriter, entity string, hid int64) *Webhook {
	h, ok := s.webhooks[hid]
	if !ok || h.Entity != entity {
		writeErrors(w, http.StatusNotFound, fmt.Sprintf("Unable to find webhook with id %d.", hid))
		return nil
	}
	return h
}

func fieldByID(entity string, fid int) (webhookField, bool) {
	list := ticketWebhookFields
	if entity == "TicketNote" {
		list = noteWebhookFields
	}
	for _, f := range list {
		if f.id == fid {
			return f, true
		}
	}
	return webhookField{}, false
}

func (h *Webhook) nextSequence() int64 {
	h.sequence++
	return h.sequence
}

// emitTicket fires the ticket webhooks for a create (changed nil) or an
// update of the named fields; the caller holds s.mu.
func (s *Server) emitTicket(u User, action string, t *Ticket, changed []string) {
	values := map[string]any{
		"title": t.Title, "status": t.Status, "priority": t.Priority, "queueID": t.QueueID, "description": t.Description,
		"ticketType": t.TicketType, "ticketCategory": t.TicketCategory, "dueDateTime": t.DueDateTime,
		"companyID": t.CompanyID, "ticketNumber": t.TicketNumber,
	}
	s.emit(u, "Ticket", action, t.ID, values, changed)
}

func (s *Server) emitNote(u User, n *Note) {
	values := map[string]any{"title": n.Title, "description": n.Description, "noteType": n.NoteType,
		"publish": n.Publish, "ticketID": n.TicketID}
	s.emit(u, "TicketNote", "Create", n.ID, values, nil)
}

func (s *Server) emit(u User, entity, action string, entityID int64, values map[string]any, changed []string) {
	for _, hid := range sortedKeys(s.webhooks) {
		h := s.webhooks[hid]
		if h.Entity != entity || !h.IsActive || !h.IsReady || slices.Contains(h.ExcludedResources, u.ResourceID) {
			continue
		}
		if (action == "Create" && !h.IsSubscribedToCreateEvents) || (action == "Update" && !h.IsSubscribedToUpdateEvents) {
			continue
		}
		fields := map[string]any{}
		fire := action == "Create"
		for _, wf := range h.Fields {
			f, _ := fieldByID(entity, wf.FieldID)
			touched := action == "Create" || slices.Contains(changed, f.name)
			if wf.IsSubscribedField && touched {
				fire = true
			}
			if wf.IsDisplayAlwaysField || (wf.IsSubscribedField && touched) {
				fields[f.name] = values[f.name]
			}
		}
		if !fire {
			continue
		}
		s.send(h, h.WebhookURL, map[string]any{
			"Action": action, "Guid": h.WebhookGUID, "EntityType": entity, "Id": entityID, "Fields": fields,
			"EventTime": nowMillis(), "SequenceNumber": h.nextSequence(), "PersonID": u.ResourceID,
		})
	}
}

// send queues one signed callout; the delivery worker posts callouts one at
// a time, in order, as Autotask does per webhook. The caller holds s.mu.
func (s *Server) send(h *Webhook, target string, payload map[string]any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(payload)
	body := bytes.TrimSpace(buf.Bytes())
	signed := body
	if s.signEscaped {
		signed = autotaskEscape(body)
	}
	s.pending.Add(1)
	s.queue <- Delivery{URL: target, Body: body, Signature: Sign(h.SecretKey, signed)}
}

func (s *Server) deliver() {
	for d := range s.queue {
		req, err := http.NewRequest(http.MethodPost, d.URL, bytes.NewReader(d.Body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Hook-Signature", d.Signature)
			if resp, err := s.hookClient.Do(req); err == nil {
				d.Status = resp.StatusCode
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
		s.mu.Lock()
		s.deliveries = append(s.deliveries, d)
		s.mu.Unlock()
		s.pending.Done()
	}
}

// Sign computes X-Hook-Signature for a body the way Autotask documents it:
// "sha1=" + base64(HMAC-SHA1(secret key, body)).
func Sign(secret string, body []byte) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write(body)
	return "sha1=" + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

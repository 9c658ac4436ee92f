package zendesksim

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Webhook is an event-subscription webhook.
type Webhook struct {
	ID            string   `json:"id"`
	Name          string   `json:"name"`
	Status        string   `json:"status"`
	Endpoint      string   `json:"endpoint"`
	HTTPMethod    string   `json:"http_method"`
	RequestFormat string   `json:"request_format"`
	Subscriptions []string `json:"subscriptions"`
	CreatedAt     string   `json:"created_at"`
	secret        string
}

// Delivery is one webhook POST the simulator made.
type Delivery struct {
	WebhookID string
	URL       string
	Type      string
	Header    http.Header
	Body      []byte
	Status    int    // the receiver's answer, 0 if none
	Err       string // transport error, if any
}

const accountID = 22129848

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request, user User, _ []string) {
	if user.Role != "admin" {
		writeError(w, http.StatusForbidden, "Forbidden", "You do not have access to this page. Please contact the account owner of this help desk for further help.")
		return
	}
	var in struct{ Webhook Webhook }
	if json.NewDecoder(r.Body).Decode(&in) != nil {
		writeError(w, http.StatusBadRequest, "InvalidJSON", "The request body is not valid JSON")
		return
	}
	h := in.Webhook
	if !strings.HasPrefix(h.Endpoint, "http://") && !strings.HasPrefix(h.Endpoint, "https://") {
		recordInvalid(w, "endpoint", "Endpoint: is invalid")
		return
	}
	if len(h.Subscriptions) == 0 {
		recordInvalid(w, "subscriptions", "Subscriptions: cannot be blank")
		return
	}
	h.ID = "01" + strings.ToUpper(randomHex(12)) // ULID-like, as Zendesk's ids are
	h.CreatedAt = restTime(s.now())
	h.secret = base64.StdEncoding.EncodeToString([]byte(randomHex(16)))
	s.mu.Lock()
	s.webhooks[h.ID] = &h
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"webhook": h})
}

func (s *Server) listWebhooks(w http.ResponseWriter, _ *http.Request, _ User, _ []string) {
	writeJSON(w, http.StatusOK, map[string]any{"webhooks": s.Webhooks(),
		"meta": map[string]any{"has_more": false, "after_cursor": nil, "before_cursor": nil}})
}

func (s *Server) deleteWebhook(w http.ResponseWriter, _ *http.Request, _ User, p []string) {
	s.mu.Lock()
	_, ok := s.webhooks[p[1]]
	delete(s.webhooks, p[1])
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "RecordNotFound", "Not found")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) signingSecret(w http.ResponseWriter, _ *http.Request, _ User, p []string) {
	s.mu.Lock()
	h := s.webhooks[p[1]]
	s.mu.Unlock()
	if h == nil {
		writeError(w, http.StatusNotFound, "RecordNotFound", "Not found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"signing_secret": map[string]string{"algorithm": "SHA256", "secret": h.secret}})
}

// Webhooks returns the configured webhooks.
func (s *Server) Webhooks() []Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Webhook{}
	for _, h := range s.webhooks {
		out = append(out, *h)
	}
	return out
}

// eventLocked builds the deliveries of one ticket event, in the
// event-payload representation: string ids, upper-case enums, the API
// channel as web_service, and detail.actor_id naming who acted.
func (s *Server) eventLocked(name string, user User, t *Ticket, event map[string]any) []Delivery {
	typ := "zen:event-type:ticket." + name
	var out []Delivery
	for _, h := range s.webhooks {
		if h.Status != "active" || !slices.Contains(h.Subscriptions, typ) {
			continue
		}
		if event == nil {
			event = map[string]any{}
		}
		detail := map[string]any{
			"actor_id": itoa(user.ID), "assignee_id": nil, "brand_id": "360000146293", "created_at": t.CreatedAt,
			"custom_status": itoa(t.CustomStatusID), "description": t.Description, "external_id": t.ExternalID,
			"form_id": "360000000001", "group_id": optID(t.GroupID), "id": itoa(t.ID), "is_public": true,
			"organization_id": nil, "priority": upperPtr(t.Priority), "requester_id": itoa(t.RequesterID),
			"status": strings.ToUpper(t.Status), "subject": t.Subject, "submitter_id": itoa(t.SubmitterID),
			"tags": t.Tags, "type": upperPtr(t.Type), "updated_at": t.UpdatedAt, "via": map[string]string{"channel": "web_service"},
		}
		payload := map[string]any{
			"account_id": accountID, "detail": detail, "event": event, "id": newUUID(),
			"subject": "zen:ticket:" + itoa(t.ID), "time": s.now().Format(time.RFC3339Nano), "type": typ,
			"zendesk_event_version": "2022-11-06",
		}
		body, _ := json.Marshal(payload)
		out = append(out, Delivery{WebhookID: h.ID, URL: h.Endpoint, Type: typ, Body: body, Header: s.signed(h, body)})
	}
	return out
}

// signed are a delivery's headers: X-Zendesk-Webhook-Signature =
// base64(HMAC-SHA256(secret, timestamp + body)) with the timestamp in
// X-Zendesk-Webhook-Signature-Timestamp (RFC 3339).
func (s *Server) signed(h *Webhook, body []byte) http.Header {
	ts := s.now().Format(time.RFC3339)
	m := hmac.New(sha256.New, []byte(h.secret))
	m.Write([]byte(ts))
	m.Write(body)
	return http.Header{
		"Content-Type":                          {"application/json"},
		"User-Agent":                            {"Zendesk Webhook"},
		"X-Zendesk-Webhook-Id":                  {h.ID},
		"X-Zendesk-Webhook-Signature":           {base64.StdEncoding.EncodeToString(m.Sum(nil))},
		"X-Zendesk-Webhook-Signature-Timestamp": {ts},
	}
}

func optID(p *int64) any {
	if p == nil {
		return nil
	}
	return itoa(*p)
}

func upperPtr(p *string) any {
	if p == nil {
		return nil
	}
	return strings.ToUpper(*p)
}

func upper(v any) any {
	if s, ok := v.(string); ok {
		return strings.ToUpper(s)
	}
	return v
}

// send starts the deliveries; Add happens before the API answer leaves so
// a test's Flush after the call always covers them.
func (s *Server) send(ds []Delivery) {
	for _, d := range ds {
		s.pending.Add(1)
		go s.post(d)
	}
}

var deliveryClient = &http.Client{Timeout: 10 * time.Second}

func (s *Server) post(d Delivery) Delivery {
	defer s.pending.Done()
	req, err := http.NewRequest(http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err == nil {
		req.Header = d.Header.Clone()
		var resp *http.Response
		if resp, err = deliveryClient.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			d.Status = resp.StatusCode
		}
	}
	if err != nil {
		d.Err = err.Error()
	}
	s.mu.Lock()
	s.deliveries = append(s.deliveries, d)
	s.mu.Unlock()
	return d
}

// Deliveries returns every delivery attempted so far. Call Flush first to
// include the ones in flight.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.deliveries)
}

// Flush waits until every webhook delivery triggered so far has been
// answered, so tests never sleep.
func (s *Server) Flush() { s.pending.Wait() }

// Redeliver posts a past delivery again, byte for byte.
func (s *Server) Redeliver(d Delivery) int {
	s.pending.Add(1)
	return s.post(d).Status
}

func newUUID() string {
	b := randomHex(16)
	return fmt.Sprintf("%s-%s-4%s-a%s-%s", b[0:8], b[8:12], b[13:16], b[17:20], b[20:32])
}

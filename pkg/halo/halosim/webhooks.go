package halosim

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Event names as Halo's notification events call them.
const (
	EventNewTicket     = "New Ticket Logged"
	EventTicketUpdated = "Ticket Updated"
	EventActionAdded   = "Action Added"
)

// Halo numbers its notification events; the ids here are the simulator's.
var notificationIDs = map[string]int{EventNewTicket: 1, EventTicketUpdated: 2, EventActionAdded: 3}

// Webhook is a configured outbound webhook. authentication_type 1 is Basic.
type Webhook struct {
	ID                 string   `json:"id"`
	Name               string   `json:"name"`
	URL                string   `json:"url"`
	AuthenticationType int      `json:"authentication_type"`
	BasicUsername      string   `json:"basic_username,omitempty"`
	BasicPassword      string   `json:"-"`
	Events             []string `json:"-"`
	PayloadType        int      `json:"payload_type"`
}

// Delivery is one webhook POST the simulator made.
type Delivery struct {
	ID        string // the payload's id
	WebhookID string
	URL       string
	Event     string
	Header    http.Header
	Body      []byte
	Status    int    // the receiver's answer, 0 if none
	Err       string // transport error, if any
}

// AddWebhook configures a webhook as an administrator would in the Halo UI
// (Configuration > Integrations > Webhooks), with Basic authentication when
// username or password is set, firing on events (all when none given).
func (s *Server) AddWebhook(url, username, password string, events ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := &Webhook{ID: newGUID(), Name: "Webhook", URL: url, BasicUsername: username, BasicPassword: password, Events: events}
	if username != "" || password != "" {
		h.AuthenticationType = 1
	}
	s.webhooks[h.ID] = h
	return h.ID
}

// Webhooks returns the configured webhooks.
func (s *Server) Webhooks() []Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Webhook, 0, len(s.webhooks))
	for _, h := range s.webhooks {
		out = append(out, *h)
	}
	return out
}

// Deliveries returns every delivery attempted so far, in order of
// completion. Call Flush first to include the ones in flight.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries...)
}

// Flush waits until every webhook delivery triggered so far has been
// answered, so tests never sleep.
func (s *Server) Flush() { s.pending.Wait() }

// Redeliver posts a past delivery again, byte for byte, as Halo does when a
// receiver did not answer 2xx.
func (s *Server) Redeliver(d Delivery) int {
	s.pending.Add(1)
	res := s.post(d)
	return res.Status
}

func (s *Server) listWebhooks(w http.ResponseWriter, _ *http.Request, _ APIUser, _ string) {
	writeJSON(w, http.StatusOK, s.Webhooks())
}

func (s *Server) postWebhooks(w http.ResponseWriter, r *http.Request, _ APIUser, _ string) {
	type webhookIn struct {
		Name               string            `json:"name"`
		URL                string            `json:"url"`
		AuthenticationType int               `json:"authentication_type"`
		BasicUsername      string            `json:"basic_username"`
		BasicPassword      string            `json:"basic_password"`
		PayloadType        int               `json:"payload_type"`
		Events             []json.RawMessage `json:"events"`
	}
	items, ok := readArray[webhookIn](w, r.Body, "webhooks")
	if !ok {
		return
	}
	var out []Webhook
	s.mu.Lock()
	for i, it := range items {
		if !strings.HasPrefix(it.URL, "http://") && !strings.HasPrefix(it.URL, "https://") {
			s.mu.Unlock()
			badRequest(w, "["+strconv.Itoa(i)+"].url", "Please enter a valid payload URL")
			return
		}
		h := &Webhook{ID: newGUID(), Name: it.Name, URL: it.URL, AuthenticationType: it.AuthenticationType,
			BasicUsername: it.BasicUsername, BasicPassword: it.BasicPassword, PayloadType: it.PayloadType}
		for _, ev := range it.Events {
			var named struct {
				Name string `json:"name"`
			}
			if json.Unmarshal(ev, &named) == nil && named.Name != "" {
				h.Events = append(h.Events, named.Name)
			} else if name := strOf(ev); name != "" {
				h.Events = append(h.Events, name)
			}
		}
		s.webhooks[h.ID] = h
		out = append(out, *h)
	}
	s.mu.Unlock()
	writeCreated(w, out)
}

func (s *Server) deleteWebhook(w http.ResponseWriter, _ *http.Request, _ APIUser, id string) {
	s.mu.Lock()
	_, ok := s.webhooks[id]
	delete(s.webhooks, id)
	s.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Webhook " + id + " not found"})
		return
	}
	w.WriteHeader(http.StatusOK)
}

// eventLocked builds the deliveries one change causes; s.mu is held. The
// payload is the "full object" type: key fields plus the ticket and action.
func (s *Server) eventLocked(event string, user APIUser, t *Ticket, a *Action) []Delivery {
	var out []Delivery
	for _, h := range s.webhooks {
		if !subscribed(h, event) {
			continue
		}
		s.seq++
		// The envelope's agent_id is the ticket's assigned agent here, not
		// the agent who acted: its meaning is undocumented, and this reading
		// is the one that breaks an integration trusting it as the actor.
		// Who acted is the action's who_agentid.
		payload := map[string]any{
			"id":              newGUID(),
			"webhook_id":      h.ID,
			"notification_id": notificationIDs[event],
			"escmsg_id":       s.seq,
			"event":           event,
			"message":         fmt.Sprintf("%s: ticket %d by %s", event, t.ID, user.Name),
			"object_id":       t.ID,
			"agent_id":        t.AgentID,
			"timestamp":       time.Now().UTC().Format(time.RFC3339Nano),
			"ticket":          t.clone(),
		}
		if a != nil {
			payload["action"] = *a
		}
		body, _ := json.Marshal(payload)
		hdr := http.Header{"Content-Type": {"application/json"}}
		if h.AuthenticationType == 1 {
			r := http.Request{Header: http.Header{}}
			r.SetBasicAuth(h.BasicUsername, h.BasicPassword)
			hdr.Set("Authorization", r.Header.Get("Authorization"))
		}
		out = append(out, Delivery{
			ID: payload["id"].(string), WebhookID: h.ID, URL: h.URL, Event: event, Header: hdr, Body: body,
		})
	}
	return out
}

func subscribed(h *Webhook, event string) bool {
	if len(h.Events) == 0 {
		return true
	}
	for _, e := range h.Events {
		if strings.EqualFold(e, event) {
			return true
		}
	}
	return false
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

func newGUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

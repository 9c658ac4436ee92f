package graphsim

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// MaxLifetime is the longest an Outlook message subscription may live.
const MaxLifetime = 4230 * time.Minute

// ValidationTimeout is how long Graph waits for the answer to a validation
// request ("within 10 seconds": change-notifications-delivery-webhooks.md,
// notificationUrl validation).
const ValidationTimeout = 10 * time.Second

// Subscription is a change-notification subscription.
type Subscription struct {
	ID                       string
	Resource                 string
	ChangeType               string
	NotificationURL          string
	LifecycleNotificationURL string
	ClientState              string
	ApplicationID            string
	Expiration               time.Time
	// Renewals counts the PATCHes that extended it.
	Renewals int

	mailbox string
	folder  string // "" watches every folder
}

func (sub *Subscription) watches(m *Message, changeType string) bool {
	return sub.mailbox == m.Mailbox && (sub.folder == "" || sub.folder == m.Folder) &&
		slices.Contains(strings.Split(sub.ChangeType, ","), changeType) && time.Now().Before(sub.Expiration)
}

// Subscriptions returns the active subscriptions.
func (s *Server) Subscriptions() []Subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Subscription
	for _, sub := range s.subs {
		out = append(out, *sub)
	}
	return out
}

// Flush waits until every notification sent so far has been answered.
func (s *Server) Flush() { s.pending.Wait() }

// Deliveries counts notifications the receiver acknowledged with 2xx.
func (s *Server) Deliveries() int64 { return s.delivered.Load() }

// FailedDeliveries counts notifications the receiver refused or missed.
func (s *Server) FailedDeliveries() int64 { return s.failed.Load() }

var messagesResource = regexp.MustCompile(`(?i)^/?users/([^/]+)/(?:mailfolders(?:\('([^']+)'\)|/([^/]+))/)?messages$`)

type subscriptionIn struct {
	ChangeType               string `json:"changeType"`
	NotificationURL          string `json:"notificationUrl"`
	LifecycleNotificationURL string `json:"lifecycleNotificationUrl"`
	Resource                 string `json:"resource"`
	ExpirationDateTime       string `json:"expirationDateTime"`
	ClientState              string `json:"clientState"`
}

func (s *Server) handleCreateSubscription(w http.ResponseWriter, r *http.Request, c *caller) {
	var in subscriptionIn
	if !decodeBody(w, r, &in) {
		return
	}
	for _, ct := range strings.Split(in.ChangeType, ",") {
		if ct != "created" && ct != "updated" && ct != "deleted" {
			writeError(w, http.StatusBadRequest, "InvalidRequest", "Invalid changeType '"+in.ChangeType+"'.")
			return
		}
	}
	if len(in.ClientState) > 128 {
		writeError(w, http.StatusBadRequest, "InvalidRequest", "clientState must be at most 128 characters.")
		return
	}
	exp, ok := checkExpiration(w, in.ExpirationDateTime)
	if !ok {
		return
	}
	for _, u := range []string{in.NotificationURL, in.LifecycleNotificationURL} {
		if u != "" && !notificationURLAllowed(u) {
			writeError(w, http.StatusBadRequest, "InvalidRequest", "The Notification Url must be https.")
			return
		}
	}
	if in.NotificationURL == "" {
		writeError(w, http.StatusBadRequest, "InvalidRequest", "notificationUrl is required.")
		return
	}
	rm := messagesResource.FindStringSubmatch(in.Resource)
	if rm == nil {
		writeError(w, http.StatusBadRequest, "InvalidRequest", "Resource '"+in.Resource+"' is not supported.")
		return
	}
	s.mu.Lock()
	u := s.lookupUser(rm[1])
	b := s.next("validation")
	s.mu.Unlock()
	if u == nil {
		writeError(w, http.StatusNotFound, "ResourceNotFound", "The requested user '"+rm[1]+"' is invalid.")
		return
	}
	// Graph validates both endpoints before creating the subscription,
	// while this request is still open: the receiver must already know the
	// endpoint, and a failed or late answer means no subscription.
	tok := "Validation: Testing client application reachability for subscription Request-Id: " + base64.RawURLEncoding.EncodeToString(b[:12])
	for _, target := range []string{in.NotificationURL, in.LifecycleNotificationURL} {
		if target == "" {
			continue
		}
		if msg := s.validate(target, tok); msg != "" {
			writeError(w, http.StatusBadRequest, "InvalidRequest", msg)
			return
		}
	}
	sub := &Subscription{
		Resource: in.Resource, ChangeType: in.ChangeType, NotificationURL: in.NotificationURL,
		LifecycleNotificationURL: in.LifecycleNotificationURL, ClientState: in.ClientState,
		ApplicationID: c.clientID, Expiration: exp, mailbox: u.upn, folder: strings.ToLower(rm[2] + rm[3]),
	}
	s.mu.Lock()
	sub.ID = s.guid()
	s.subs[sub.ID] = sub
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, s.renderSubscription(sub))
}

func (s *Server) lookupUser(key string) *user {
	key = strings.ToLower(key)
	if u := s.users[key]; u != nil {
		return u
	}
	for _, u := range s.users {
		if u.id == key {
			return u
		}
	}
	return nil
}

func checkExpiration(w http.ResponseWriter, v string) (time.Time, bool) {
	exp, err := time.Parse(time.RFC3339, v)
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidRequest", "expirationDateTime is missing or not a date.")
		return time.Time{}, false
	}
	now := time.Now()
	if !exp.After(now) {
		writeError(w, http.StatusBadRequest, "InvalidRequest", "Subscription expiration must be in the future.")
		return time.Time{}, false
	}
	if exp.After(now.Add(MaxLifetime)) {
		writeError(w, http.StatusBadRequest, "InvalidRequest", "Subscription expiration can only be 4230 minutes in the future.")
		return time.Time{}, false
	}
	return exp.UTC(), true
}

// notificationURLAllowed wants https, except plain http to loopback so tests
// can receive on httptest servers.
func notificationURLAllowed(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	if u.Scheme == "https" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return u.Scheme == "http" && (u.Hostname() == "localhost" || (ip != nil && ip.IsLoopback()))
}

// validate performs the handshake: POST ?validationToken=... with
// Content-Type text/plain, expecting within the time limit 200, a text/plain
// answer and the URL-decoded token as the body. It returns Graph's message
// for a failed validation, or "". The messages for a timeout, a non-200
// answer and a wrong body are Graph's as reported in
// microsoftgraph/nodejs-webhooks-sample issues #350 and #158 and
// java-spring-webhooks-sample issue #82; the one for a wrong content type
// is the simulator's own wording.
func (s *Server) validate(target, tok string) string {
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	const failed = "Subscription validation request failed. "
	ctx, cancel := context.WithTimeout(context.Background(), s.validFor)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target+sep+"validationToken="+url.QueryEscape(tok), nil)
	if err != nil {
		return failed + "Notification endpoint must respond with 200 OK to validation request."
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	resp, err := s.hc.Do(req)
	if err == nil {
		defer resp.Body.Close()
	}
	var body []byte
	if err == nil {
		body, err = io.ReadAll(io.LimitReader(resp.Body, 4096))
	}
	switch {
	case ctx.Err() != nil:
		return "Subscription validation request timed out."
	case err != nil, resp.StatusCode != http.StatusOK:
		return failed + "Notification endpoint must respond with 200 OK to validation request."
	case !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain"):
		return failed + "Must respond with 200 OK to this request, with the validation token in plain text."
	case string(body) != tok:
		return failed + "Response must exactly match validationToken query parameter."
	}
	return ""
}

func (s *Server) ownSubscription(w http.ResponseWriter, r *http.Request, c *caller) *Subscription {
	sub := s.subs[r.PathValue("id")]
	// Apps see only the subscriptions they created.
	if sub == nil || sub.ApplicationID != c.clientID {
		writeError(w, http.StatusNotFound, "ResourceNotFound", "The object was not found.")
		return nil
	}
	return sub
}

func (s *Server) handleGetSubscription(w http.ResponseWriter, r *http.Request, c *caller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sub := s.ownSubscription(w, r, c); sub != nil {
		writeJSON(w, http.StatusOK, s.renderSubscription(sub))
	}
}

func (s *Server) handleRenewSubscription(w http.ResponseWriter, r *http.Request, c *caller) {
	var in subscriptionIn
	if !decodeBody(w, r, &in) {
		return
	}
	exp, ok := checkExpiration(w, in.ExpirationDateTime)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if sub := s.ownSubscription(w, r, c); sub != nil {
		sub.Expiration = exp
		sub.Renewals++
		writeJSON(w, http.StatusOK, s.renderSubscription(sub))
	}
}

func (s *Server) handleDeleteSubscription(w http.ResponseWriter, r *http.Request, c *caller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sub := s.ownSubscription(w, r, c); sub != nil {
		delete(s.subs, sub.ID)
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Server) renderSubscription(sub *Subscription) map[string]any {
	return map[string]any{
		"@odata.context":            s.GraphURL + "/$metadata#subscriptions/$entity",
		"id":                        sub.ID,
		"resource":                  sub.Resource,
		"applicationId":             sub.ApplicationID,
		"changeType":                sub.ChangeType,
		"clientState":               sub.ClientState,
		"notificationUrl":           sub.NotificationURL,
		"lifecycleNotificationUrl":  nullable(sub.LifecycleNotificationURL),
		"expirationDateTime":        sub.Expiration.Format("2006-01-02T15:04:05.0000000Z"),
		"creatorId":                 sub.ApplicationID,
		"includeResourceData":       false,
		"latestSupportedTlsVersion": "v1_2",
		"encryptionCertificate":     nil,
		"encryptionCertificateId":   nil,
		"notificationUrlAppId":      nil,
	}
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// emit notifies every subscription watching m; the caller holds s.mu.
// Deliveries run in the background like Graph's, tracked for Flush.
func (s *Server) emit(m *Message, changeType string) {
	if s.missing {
		return
	}
	u := s.users[m.Mailbox]
	res := fmt.Sprintf("Users/%s/Messages/%s", u.id, m.ID)
	for _, sub := range s.subs {
		if !sub.watches(m, changeType) {
			continue
		}
		n := map[string]any{
			"subscriptionId":                 sub.ID,
			"subscriptionExpirationDateTime": sub.Expiration.Format("2006-01-02T15:04:05.0000000-00:00"),
			"changeType":                     changeType,
			"resource":                       res,
			"resourceData": map[string]any{
				"@odata.type": "#Microsoft.Graph.Message", "@odata.id": res,
				"@odata.etag": etag(m), "id": m.ID,
			},
			"clientState": sub.ClientState,
			"tenantId":    s.TenantID,
		}
		s.post(sub.NotificationURL, n)
	}
}

// EmitLifecycle sends a lifecycle notification (reauthorizationRequired,
// subscriptionRemoved or missed) for a subscription, to its lifecycle URL
// or, without one, its notification URL. subscriptionRemoved also removes it.
func (s *Server) EmitLifecycle(subscriptionID, event string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := s.subs[subscriptionID]
	if sub == nil {
		return fmt.Errorf("graphsim: no subscription %s", subscriptionID)
	}
	target := sub.LifecycleNotificationURL
	if target == "" {
		target = sub.NotificationURL
	}
	s.post(target, map[string]any{
		"subscriptionId":                 sub.ID,
		"subscriptionExpirationDateTime": sub.Expiration.Format("2006-01-02T15:04:05.0000000-00:00"),
		"tenantId":                       s.TenantID,
		"clientState":                    sub.ClientState,
		"lifecycleEvent":                 event,
	})
	if event == "subscriptionRemoved" {
		delete(s.subs, sub.ID)
	}
	return nil
}

func (s *Server) post(target string, notification map[string]any) {
	body, _ := json.Marshal(map[string]any{"value": []any{notification}})
	s.pending.Add(1)
	go func() {
		defer s.pending.Done()
		resp, err := s.hc.Post(target, "application/json; charset=utf-8", bytes.NewReader(body))
		if err != nil {
			s.failed.Add(1)
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 == 2 {
			s.delivered.Add(1)
		} else {
			s.failed.Add(1)
		}
	}()
}

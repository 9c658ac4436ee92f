package halosim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/simfault"
)

// APIUser is one Halo API application and the agent it acts as.
type APIUser struct {
	ClientID     string
	ClientSecret string
	AgentID      int
	Name         string
}

// The two API users every simulator accepts: the integration's own, and a
// human agent's, so tests can make changes "as a person" over HTTP and see a
// webhook whose actor is not the integration.
var (
	Integration = APIUser{
		ClientID:     "6f1c2a9e-3b7d-4c5e-9a1f-2d8e7b6c5a40",
		ClientSecret: "sim-integration-secret-4e1d9c",
		AgentID:      27,
		Name:         "Tandem Integration",
	}
	Agent = APIUser{
		ClientID:     "0b8d4f2c-71e3-4a96-b5d0-8c3f1e2a9b17",
		ClientSecret: "sim-agent-secret-b7c2a5",
		AgentID:      5,
		Name:         "Alex Agent",
	}
)

// Options configure a simulator.
type Options struct {
	// Tenant, when set, must be passed as ?tenant= on token requests, as on
	// hosted Halo.
	Tenant string
	// TokenLifetime is expires_in for issued tokens; 0 means one hour.
	TokenLifetime time.Duration
	// Seed makes fractional fault injection deterministic.
	Seed uint64
}

// Server is a running simulator. Its methods are safe for concurrent use.
type Server struct {
	URL string

	*simfault.Faults

	srv      *httptest.Server
	opts     Options
	requests atomic.Int64

	mu          sync.Mutex
	tokens      map[string]token
	tickets     map[int]*Ticket
	nextTicket  int
	actions     map[int][]*Action // per ticket, ids numbered per ticket
	attachments map[int]*attachment
	nextAttach  int
	webhooks    map[string]*Webhook
	links       []ExternalLink
	nextLink    int
	deliveries  []Delivery
	seq         int

	pending sync.WaitGroup // webhook deliveries in flight
}

// New starts a simulator. With a non-nil tb it is closed when the test ends.
func New(tb testing.TB, opts Options) *Server {
	if opts.TokenLifetime <= 0 {
		opts.TokenLifetime = time.Hour
	}
	s := &Server{
		Faults:      simfault.New(simfault.Options{Seed: opts.Seed, RetryAfterOn: []int{http.StatusTooManyRequests, http.StatusServiceUnavailable}}),
		opts:        opts,
		tokens:      map[string]token{},
		tickets:     map[int]*Ticket{},
		nextTicket:  1000,
		actions:     map[int][]*Action{},
		attachments: map[int]*attachment{},
		nextAttach:  500,
		webhooks:    map[string]*Webhook{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	if tb != nil {
		tb.Cleanup(s.Close)
	}
	return s
}

// Close waits for webhook deliveries in flight and stops the server.
func (s *Server) Close() {
	s.pending.Wait()
	s.srv.Close()
}

// Credentials are the settings-page fields for user on this simulator.
func (s *Server) Credentials(user APIUser) platform.Credentials {
	c := platform.Credentials{"url": s.URL, "clientId": user.ClientID, "clientSecret": user.ClientSecret}
	if s.opts.Tenant != "" {
		c["tenant"] = s.opts.Tenant
	}
	return c
}

// Requests counts every request the simulator received.
func (s *Server) Requests() int64 { return s.requests.Load() }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	simfault.Serve(s.Faults, w, r, writeFault, s.handle)
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	// Halo routes are case-insensitive (clients use both /api/Tickets and
	// /api/tickets).
	path := strings.ToLower(strings.TrimRight(r.URL.Path, "/"))
	if path == "/auth/token" {
		s.handleToken(w, r)
		return
	}
	if path == "/api/instanceinfo" {
		writeJSON(w, http.StatusOK, map[string]any{"tenant_id": s.opts.Tenant, "version": "2.190.1"})
		return
	}
	rest, ok := strings.CutPrefix(path, "/api/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	user, ok := s.authenticate(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	resource, id, _ := strings.Cut(rest, "/")
	h := s.route(r.Method, resource, id != "")
	if h == nil {
		http.NotFound(w, r)
		return
	}
	h(w, r, user, id)
}

type handler func(w http.ResponseWriter, r *http.Request, user APIUser, id string)

func (s *Server) route(method, resource string, withID bool) handler {
	type key struct {
		method, resource string
		withID           bool
	}
	routes := map[key]handler{
		{"GET", "tickets", false}:      s.listTickets,
		{"GET", "tickets", true}:       s.getTicket,
		{"POST", "tickets", false}:     s.postTickets,
		{"GET", "actions", false}:      s.listActions,
		{"GET", "actions", true}:       s.getAction,
		{"POST", "actions", false}:     s.postActions,
		{"GET", "attachment", false}:   s.listAttachments,
		{"GET", "attachment", true}:    s.getAttachment,
		{"POST", "attachment", false}:  s.postAttachments,
		{"GET", "agent", true}:         s.getAgent,
		{"GET", "externallink", false}: s.listExternalLinks,
		{"GET", "webhook", false}:      s.listWebhooks,
		{"POST", "webhook", false}:     s.postWebhooks,
		{"DELETE", "webhook", true}:    s.deleteWebhook,
		{"GET", "status", false}:       s.picklist(statuses),
		{"GET", "priority", false}:     s.picklist(priorities),
		{"GET", "tickettype", false}:   s.picklist(ticketTypes),
		{"GET", "team", false}:         s.picklist(teams),
		{"GET", "category", false}:     s.listCategories,
		{"GET", "outcome", false}:      s.picklist(outcomes),
		{"GET", "fieldinfo", false}:    s.picklist(fieldInfos),
	}
	return routes[key{method, resource, withID}]
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// badRequest answers the way Halo reports validation failures: a JSON object
// keyed by the offending field.
func badRequest(w http.ResponseWriter, field, format string, args ...any) {
	writeJSON(w, http.StatusBadRequest, map[string]string{field: fmt.Sprintf(format, args...)})
}

// readArray decodes a POST body, which Halo takes as a JSON array of what,
// or answers 400.
func readArray[T any](w http.ResponseWriter, body io.Reader, what string) ([]T, bool) {
	var items []T
	if err := json.NewDecoder(body).Decode(&items); err != nil || len(items) == 0 {
		badRequest(w, "[0]", "The request body must be a JSON array of %s", what)
		return nil, false
	}
	return items, true
}

// writeCreated answers a POST as Halo does: the one object when one was
// posted, the array when several were, with 200 OK, the only success status
// Halo's swagger documents for POST /Tickets, /Actions, /Attachment and
// /Webhook.
func writeCreated[T any](w http.ResponseWriter, out []T) {
	if len(out) == 1 {
		writeJSON(w, http.StatusOK, out[0])
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// haloTime is the format Halo answers dates in: UTC without an offset.
const haloTime = "2006-01-02T15:04:05.000"

func now() string { return time.Now().UTC().Format(haloTime) }

package zendesksim

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
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

// User is a Zendesk user who can call the API, with an API token.
type User struct {
	ID       int64
	Name     string
	Email    string
	Role     string // "admin" or "agent"
	APIToken string
}

// The users every simulator knows: the integration's own, an admin (who
// manages webhooks), and a human agent, so tests can make changes "as a
// person" over HTTP and see events whose actor is not the integration.
var (
	Integration = User{ID: 9100001, Name: "Tandem Integration", Email: "tandem-sync@example.com", Role: "admin", APIToken: "sim-zd-integration-token-7c1e"}
	Agent       = User{ID: 9100002, Name: "Alex Agent", Email: "alex.agent@example.com", Role: "agent", APIToken: "sim-zd-agent-token-2b9f"}
)

// OAuthClient is an OAuth client registered in the simulated account.
type OAuthClient struct {
	ID     string
	Secret string
}

// Tandem is the OAuth client the simulated account has registered for
// Tandem.
var Tandem = OAuthClient{ID: "tandem_sync", Secret: "sim-zd-oauth-secret-41d0"}

// Options configure a simulator.
type Options struct {
	// AccessTokenLifetime is expires_in of issued access tokens; 0 means
	// Zendesk's default of 30 minutes.
	AccessTokenLifetime time.Duration
	// TicketUpdateLimit is Zendesk's per-ticket limit: updates per user per
	// ticket in ten minutes; 0 means 30.
	TicketUpdateLimit int
	// Seed makes fractional fault injection deterministic.
	Seed uint64
	// Now replaces the clock for token and code expiry (tests).
	Now func() time.Time
	// ExportPageSize is the incremental export's page size when it is not
	// asked for a smaller one (0: Zendesk's 1,000), so tests can page.
	ExportPageSize int
	// NoCustomStatuses answers /api/v2/custom_statuses as an account
	// without the feature (403).
	NoCustomStatuses bool
}

// Server is a running simulator. Its methods are safe for concurrent use.
type Server struct {
	// URL is the account, https://{subdomain}.zendesk.com in real life.
	URL string
	// FilesURL is the other host attachments are served from
	// (zdusercontent.com in real life).
	FilesURL string

	*simfault.Faults

	srv, files *httptest.Server
	opts       Options
	requests   atomic.Int64

	mu            sync.Mutex
	access        map[string]grantedToken
	refresh       map[string]User // refresh tokens still valid
	codes         map[string]authCode
	refreshes     int
	tickets       map[int64]*Ticket
	nextTicket    int64
	comments      map[int64][]*Comment
	nextID        int64
	uploads       map[string]*upload
	attachments   map[int64]*storedFile
	webhooks      map[string]*Webhook
	deliveries    []Delivery
	updates       map[updateKey][]time.Time
	credentialled int // requests to the file host carrying Authorization

	pending sync.WaitGroup // webhook deliveries in flight
}

// New starts a simulator. With a non-nil tb it is closed when the test ends.
func New(tb testing.TB, opts Options) *Server {
	if opts.AccessTokenLifetime <= 0 {
		opts.AccessTokenLifetime = 30 * time.Minute
	}
	if opts.TicketUpdateLimit <= 0 {
		opts.TicketUpdateLimit = 30
	}
	if opts.ExportPageSize <= 0 {
		opts.ExportPageSize = exportPageSize
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		Faults:      simfault.New(simfault.Options{Seed: opts.Seed, RetryAfterOn: []int{http.StatusTooManyRequests}}),
		opts:        opts,
		access:      map[string]grantedToken{},
		refresh:     map[string]User{},
		codes:       map[string]authCode{},
		tickets:     map[int64]*Ticket{},
		nextTicket:  35436,
		comments:    map[int64][]*Comment{},
		nextID:      1274,
		uploads:     map[string]*upload{},
		attachments: map[int64]*storedFile{},
		webhooks:    map[string]*Webhook{},
		updates:     map[updateKey][]time.Time{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.files = httptest.NewServer(http.HandlerFunc(s.serveFile))
	s.URL, s.FilesURL = s.srv.URL, s.files.URL
	if tb != nil {
		tb.Cleanup(s.Close)
	}
	return s
}

// Close waits for webhook deliveries in flight and stops the servers.
func (s *Server) Close() {
	s.pending.Wait()
	s.srv.Close()
	s.files.Close()
}

// Credentials are the settings-page fields for user's API token.
func (s *Server) Credentials(u User) platform.Credentials {
	return platform.Credentials{"subdomain": s.URL, "email": u.Email, "apiToken": u.APIToken}
}

// Requests counts every API request the simulator received.
func (s *Server) Requests() int64 { return s.requests.Load() }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	simfault.Serve(s.Faults, w, r, writeFault, s.handle)
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimSuffix(strings.TrimSuffix(r.URL.Path, "/"), ".json")
	switch path {
	case "/oauth/authorizations/new":
		s.authorize(w, r)
		return
	case "/oauth/tokens":
		s.token(w, r)
		return
	}
	rest, ok := strings.CutPrefix(path, "/api/v2/")
	if !ok {
		writeError(w, http.StatusNotFound, "InvalidEndpoint", "Not found")
		return
	}
	user, ok := s.authenticate(r)
	if !ok {
		// Zendesk's answer to a request it cannot authenticate.
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Couldn't authenticate you"})
		return
	}
	parts := strings.Split(rest, "/")
	h := s.route(r.Method, parts)
	if h == nil {
		writeError(w, http.StatusNotFound, "InvalidEndpoint", "Not found")
		return
	}
	h(w, r, user, parts)
}

type handler func(w http.ResponseWriter, r *http.Request, user User, parts []string)

func (s *Server) route(method string, p []string) handler {
	switch {
	case method == "GET" && len(p) == 2 && p[0] == "users" && p[1] == "me":
		return s.me
	case len(p) == 1 && p[0] == "tickets":
		return map[string]handler{"GET": s.listTickets, "POST": s.createTicket}[method]
	case len(p) == 2 && p[0] == "tickets":
		return map[string]handler{"GET": s.getTicket, "PUT": s.updateTicket}[method]
	case method == "GET" && len(p) == 3 && p[0] == "tickets" && p[2] == "comments":
		return s.listComments
	case method == "POST" && len(p) == 1 && p[0] == "uploads":
		return s.upload
	case method == "GET" && len(p) == 2 && p[0] == "attachments":
		return s.getAttachment
	case method == "GET" && len(p) == 3 && p[0] == "incremental" && p[1] == "tickets" && p[2] == "cursor":
		return s.incrementalTickets
	case method == "GET" && len(p) == 1 && p[0] == "custom_statuses":
		return s.customStatuses
	case method == "GET" && len(p) == 1 && p[0] == "groups":
		return s.listGroups
	case method == "GET" && len(p) == 1 && p[0] == "ticket_fields":
		return s.listTicketFields
	case len(p) == 1 && p[0] == "webhooks":
		return map[string]handler{"POST": s.createWebhook, "GET": s.listWebhooks}[method]
	case method == "DELETE" && len(p) == 2 && p[0] == "webhooks":
		return s.deleteWebhook
	case method == "GET" && len(p) == 3 && p[0] == "webhooks" && p[2] == "signing_secret":
		return s.signingSecret
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers in Zendesk's error shape {"error","description"}.
func writeError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]string{"error": code, "description": description})
}

// recordInvalid is Zendesk's 422 for a field it refuses.
func recordInvalid(w http.ResponseWriter, field, description string) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
		"error": "RecordInvalid", "description": "Record validation errors",
		"details": map[string]any{field: []map[string]string{{"description": description}}},
	})
}

// writeFault answers an injected fault the way Zendesk answers errors.
func writeFault(w http.ResponseWriter, _ *http.Request, f simfault.Fault) {
	switch {
	case f.Mode == simfault.Invalid:
		field := f.Field
		if field == "" {
			field = "base"
		}
		status := f.Status
		if status == 0 {
			status = http.StatusUnprocessableEntity
		}
		writeJSON(w, status, map[string]any{"error": "RecordInvalid", "description": "Record validation errors",
			"details": map[string]any{field: []map[string]string{{"description": f.Message}}}})
	case f.Status == http.StatusTooManyRequests:
		writeError(w, f.Status, "APIRateLimitExceeded", "Number of allowed API requests per minute exceeded")
	default:
		writeError(w, f.Status, http.StatusText(f.Status), "Sorry, something went wrong")
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) now() time.Time { return s.opts.Now().UTC() }

// restTime is how the REST API writes times.
func restTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

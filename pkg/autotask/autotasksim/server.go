// Package autotasksim is an in-process simulator of the Autotask PSA REST API
// for tests and the local runner. It follows the public API, not Tandem's
// client, so the same client code works against the real service:
//
//   - Paths under /ATServicesRest/V1.0/ (matched case-insensitively) and the
//     ApiIntegrationCode / UserName / Secret headers on every call
//     (Autotask OpenAPI; "Introduction to REST API calls").
//   - {"item":{...}} for one entity, {"items":[...],"pageDetails":{...}} for
//     queries, following pageDetails.nextPageUrl with GET
//     (REST/API_Calls/REST_Advanced_Query_Features.htm: at most 500 per page).
//   - {"itemId":n} after POST and PATCH; {"errors":["..."]} on failure.
//   - Validation and business-rule refusals (a required field missing, a
//     picklist value Autotask does not have, a resource without its role)
//     answer HTTP 500 with {"errors":["<what is wrong>"]}, not 400: seen on
//     live tenants (WYRE-AI/msp-claude-plugins issue #32, WYRE-AI/autotask-mcp
//     issue #46; pkg/autotask/testdata/error-500-*.json with their .src).
//     A failure on Autotask's side answers 500 with a generic sentence.
//   - Tickets carry externalID ("the ID of the ticket in an external
//     system", 50 characters), queryable with POST Tickets/query like any
//     field but creatorType and lastActivityPersonType
//     (REST/Entities/TicketsEntity.htm; tphakala/go-autotask
//     entities/ticket.go; the live tenant's ticket in testdata/ticket-get.json).
//   - Faults (simfault) on every route, writes included: a status, added
//     latency, a write applied and then answered 500 or with a dropped
//     connection, or a validation refusal (500 with the fault's message).
//   - A wrong secret answers 401; an unknown API username or an invalid
//     tracking identifier answers 500, as the live service does (reported in
//     apigrate/autotask-restapi issue #19).
//   - Picklists from {Entity}/entityInformation/fields and
//     userDefinedFields (seeded like a fresh instance).
//   - Notes: publish 1 = All Autotask Users (visible to customers),
//     2 = Internal Project Team, 4 = Internal & Co-Managed
//     (help: "Using notes in Autotask"; REST/Entities/TicketNotesEntity.htm).
//   - Attachments as base64 child entities, 6 MB at most per file in this
//     simulator (REST/Entities/AttachmentInfoEntity.htm says 6 to 7 MB).
//   - Resources: one per user (Integration, Agent), read by id or queried
//     (POST Resources/query, or GET with ?search=) on id, userName,
//     firstName, lastName, email and isActive; an API user's userName is its
//     API username (REST/Entities/ResourcesEntity.htm).
//   - TimeEntries: POST TimeEntries with ticketID, resourceID, dateWorked
//     and hoursWorked or startDateTime/endDateTime; hoursWorked must be > 0
//     and <= 24 (REST/Entities/TimeEntriesEntity.htm,
//     SOAP/Entities/TimeEntryEntity.htm); billingCodeID must be an active
//     work type (BillingCodesEntity.htm: useType 1). POST
//     TimeEntries/query on id, ticketID, resourceID. Time is ticket
//     activity but fires no webhook (no TimeEntry webhook entity exists).
//   - BillingCodes: read-only, POST BillingCodes/query.
//   - TicketWebhooks / TicketNoteWebhooks with Fields and ExcludedResources
//     children, deliveries signed X-Hook-Signature: sha1=base64(HMAC-SHA1)
//     (Webhooks/REST_WebhooksEntity.htm, Webhooks/REST_WebhookFieldsEntity.htm,
//     Webhooks/SecretKeyPayloadVerification.htm).
//
// Vendor help lives under https://ww1.autotask.net/help/DeveloperHelp/Content/APIs/.
package autotasksim

import (
	"crypto/subtle"
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

// Options configure a simulator. The zero value is fine.
type Options struct {
	// Seed drives fractional fault injection, so a run is repeatable.
	Seed uint64
	// PageSize caps items per query page; 0 means Autotask's 500.
	PageSize int
	// SignEscaped signs the body as Autotask re-escapes it (\u0026 for &,
	// \uXXXX for non-ASCII...) instead of the bytes sent, the behaviour
	// public integrations (n8n-nodes-autotask) report from live instances.
	SignEscaped bool
}

// User is an API user the simulator accepts, and the Resources entity
// record behind it (Username is the resource's userName).
type User struct {
	ResourceID      int64
	Username        string
	Secret          string
	IntegrationCode string
	FirstName       string
	LastName        string
	Email           string
}

// Server is a running simulator. Its methods are safe for concurrent use.
type Server struct {
	// URL is the zone root without a trailing slash (http://127.0.0.1:port).
	URL string
	// Integration is Tandem's API user; Agent stands in for a person working
	// in Autotask, so tests can make changes whose actor is not Tandem.
	Integration User
	Agent       User

	*simfault.Faults

	srv      *httptest.Server
	pageSize int
	requests atomic.Int64

	mu          sync.Mutex
	nextID      int64
	tickets     map[int64]*Ticket
	notes       map[int64]*Note
	attachments map[int64]*Attachment
	timeEntries map[int64]*TimeEntry
	webhooks    map[int64]*Webhook
	pages       map[string]pageState
	zones       map[string]string // lower-case username → zone root, for users of other zones
	deliveries  []Delivery
	pending     sync.WaitGroup
	queue       chan Delivery
	signEscaped bool
	hookClient  *http.Client
	closeOnce   sync.Once
}

// New starts a simulator and closes it when the test ends.
func New(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s := Start(opts)
	tb.Cleanup(s.Close)
	return s
}

// Start starts a simulator on a loopback port, outside any test (the local
// runner uses it). Close stops it.
func Start(opts Options) *Server {
	s := &Server{
		Integration: User{ResourceID: 29682940, Username: "tandem7QX2KD@example.com", Secret: "sim-secret-Integration-9f3a", IntegrationCode: "SIMTRACKINGID4TANDEM000001",
			FirstName: "Tandem", LastName: "API User", Email: "tandem-api@example.com"},
		Agent: User{ResourceID: 29682886, Username: "agentLM4P8R@example.com", Secret: "sim-secret-Agent-2b7c", IntegrationCode: "SIMTRACKINGID4TANDEM000001",
			FirstName: "Lena", LastName: "Marsh", Email: "lena.marsh@example.com"},
		Faults:      simfault.New(simfault.Options{Seed: opts.Seed, RetryAfterOn: []int{http.StatusTooManyRequests, http.StatusServiceUnavailable}}),
		pageSize:    opts.PageSize,
		nextID:      1000,
		tickets:     map[int64]*Ticket{},
		notes:       map[int64]*Note{},
		attachments: map[int64]*Attachment{},
		timeEntries: map[int64]*TimeEntry{},
		webhooks:    map[int64]*Webhook{},
		pages:       map[string]pageState{},
		zones:       map[string]string{},
		queue:       make(chan Delivery, 4096),
		signEscaped: opts.SignEscaped,
		hookClient:  &http.Client{Timeout: 10 * time.Second}, // Autotask's callout timeout
	}
	if s.pageSize <= 0 || s.pageSize > 500 {
		s.pageSize = 500
	}
	go s.deliver()
	s.srv = httptest.NewServer(s)
	s.URL = s.srv.URL
	return s
}

// Close stops the server (waiting for requests in flight), waits for the
// callouts already queued, and stops the delivery worker. Calls after the
// first do nothing.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.srv.Close()
		s.Flush()
		close(s.queue)
	})
}

// Handler returns the simulator as an http.Handler, to mount on another
// server; the URLs it hands out (nextPageUrl, zone information) still name
// s.URL.
func (s *Server) Handler() http.Handler { return s }

// Credentials returns the settings fields for u, as an administrator would
// type them.
func (s *Server) Credentials(u User) platform.Credentials {
	return platform.Credentials{
		"apiUrl":          s.URL + "/",
		"username":        u.Username,
		"secret":          u.Secret,
		"integrationCode": u.IntegrationCode,
	}
}

// Requests counts every request the simulator received, faults included.
func (s *Server) Requests() int64 { return s.requests.Load() }

const prefix = "/atservicesrest/v1.0/"

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	simfault.Serve(s.Faults, w, r, writeFault, s.serve)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if len(path) < len(prefix) || !strings.EqualFold(path[:len(prefix)], prefix) {
		// Outside the API root the answer is a plain, non-JSON 404.
		http.NotFound(w, r)
		return
	}
	if strings.EqualFold(strings.Trim(path[len(prefix):], "/"), "zoneinformation") && r.Method == http.MethodGet {
		s.zoneInformation(w, r)
		return
	}
	user, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	s.route(w, r, user, strings.Split(strings.Trim(path[len(prefix):], "/"), "/"))
}

func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (User, bool) {
	name := r.Header.Get("UserName")
	s.mu.Lock()
	_, foreign := s.zones[strings.ToLower(name)]
	s.mu.Unlock()
	users := []User{s.Integration, s.Agent}
	if foreign {
		users = nil // a user of another zone is unknown here
	}
	for _, u := range users {
		if !strings.EqualFold(name, u.Username) {
			continue
		}
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Secret")), []byte(u.Secret)) != 1 {
			writeErrors(w, http.StatusUnauthorized, "Unauthorized")
			return User{}, false
		}
		if r.Header.Get("ApiIntegrationCode") != u.IntegrationCode {
			writeErrors(w, http.StatusInternalServerError, "An unexpected error occurred.")
			return User{}, false
		}
		return u, true
	}
	writeErrors(w, http.StatusInternalServerError, "An unexpected error occurred.")
	return User{}, false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeErrors(w http.ResponseWriter, status int, msgs ...string) {
	writeJSON(w, status, map[string][]string{"errors": msgs})
}

func (s *Server) newID() int64 {
	s.nextID++
	return s.nextID
}

// SetZone declares an API user that lives in another zone, as the REST root
// apiURL (e.g. "https://webservices5.autotask.net/ATServicesRest/"). Here it
// is unknown, as on a real zone; ZoneInformation points to apiURL.
func (s *Server) SetZone(username, apiURL string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.zones[strings.ToLower(username)] = apiURL
}

// zoneInformation answers GET ZoneInformation?user=, which needs no
// credentials and is not thread-limited.
func (s *Server) zoneInformation(w http.ResponseWriter, r *http.Request) {
	user := strings.ToLower(r.URL.Query().Get("user"))
	s.mu.Lock()
	zone, foreign := s.zones[user]
	s.mu.Unlock()
	switch {
	case foreign:
	case user == strings.ToLower(s.Integration.Username), user == strings.ToLower(s.Agent.Username):
		zone = s.URL + "/ATServicesRest/"
	default:
		writeErrors(w, http.StatusInternalServerError, "An unexpected error occurred.")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"zoneName": "Simulator", "url": zone, "webUrl": strings.Replace(zone, "/ATServicesRest/", "/", 1), "ci": 0})
}

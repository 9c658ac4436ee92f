// Package connectwisesim is an in-process ConnectWise PSA (Manage) REST API
// for tests and the local runner. It follows the public API, not Tandem's
// client, so the same client code works against a real site:
//
//   - codebase discovery GET /login/companyinfo/{company} and the API root
//     /{codebase}apis/3.0 (ConnectWise Developer Guide, "Getting Started";
//     pyconnectwise manage_client.py);
//   - Basic auth "company+publicKey:privateKey" plus the clientId header on
//     every call (https://developer.connectwise.com/ClientID; Developer Guide,
//     "Authentication");
//   - service tickets, JSON-Patch updates, ticket notes with
//     detailDescription/internalAnalysis/resolution flags, board statuses,
//     types, subtypes, priorities, user-defined fields, system documents and
//     system callbacks (https://developer.connectwise.com/Products/ConnectWise_PSA/REST,
//     the ConnectWise PSA OpenAPI);
//   - page/pageSize pagination (default 25, maximum 1000) with a Link header
//     ("PSA Pagination" guide); conditions and orderBy query parameters;
//   - the error body {"code","message","errors":[{code,message,resource,field}]},
//     400 for a validation refusal (amp-labs/connectors
//     create-webhook-bad-request-1.json; the fixtures in pkg/connectwise/testdata);
//   - a ticket's externalXRef, another system's reference, stored and
//     selectable with conditions=externalXRef="…" (ConnectWise OpenAPI as
//     mirrored in amp-labs/connectors providers/connectwise/internal/metadata/
//     schemas.json, service/tickets fields; djconnectwise's ticket fixture);
//   - faults (simfault) on every API route, writes included: a write
//     applied and then answered 500 or with a dropped connection, or refused
//     as invalid;
//   - callbacks posted as {MessageId, FromUrl, CompanyId, MemberId, Action,
//     Type, ID, Entity (a JSON-encoded string), Metadata.key_url,
//     CallbackObjectRecId}, signed in x-content-signature with
//     base64(HMAC-SHA256(SHA-256(signing_key), body)), the key served at
//     key_url as {"signing_key":"..."} (Developer Guide, "Webhooks"/"Callbacks");
//   - callback delivery to the registered URL with the record id appended
//     as raw text, so a URL registered as …/hook?recordId= is called at
//     …/hook?recordId=4711 and one registered as …/hook at …/hook4711
//     (amp-labs/connectors providers/connectwise/internal/subscriber/create.go:
//     "Webhook must end with recordId without the value. The ConnectWise will
//     append the record identifier as a raw string when sending the event",
//     and its captured request subscriber/test/create/tickets/request.json;
//     djconnectwise registers URLs ending in ?id= for the same reason);
//   - callback registration requiring url, objectId, type and level (the
//     CallbackEntry schema of the ConnectWise PSA OpenAPI 2025.1 marks them
//     "Required"; description is optional, at most 100 characters: see
//     ai-connor/connectwise build/model_callback_entry.go, and amp-labs
//     "ObjectID is required even if we send 0 for the owner"), storing
//     objectId 1 for the owner level and echoing payloadVersion (amp-labs
//     subscriber/test/create/tickets/response.json), refusing an invalid URL
//     or level and a duplicate entry with InvalidObject and the field errors
//     ConnectWise sends (amp-labs create-webhook-bad-request-1.json,
//     create-webhook-bad-request-2.json "ObjectExists");
//   - contact callbacks (Type "contact") for UpdateContact, shaped like the
//     capture in amp-labs internal/webhook/test/contact-update.json.
//   - time entries (/time/entries, chargeToType "ServiceTicket" and
//     chargeToId, member, workType, timeStart, timeEnd or actualHours,
//     notes, billableOption; timeStart and billableOption required) and work
//     types (/time/workTypes), the Time API of the ConnectWise PSA OpenAPI as
//     generated into sowderca/connectwise-ruby-sdk docs/TimeEntry.md and
//     spinen/connectwise-time-php-client; a ticket's time changes its
//     actualHours, so the ticket callback fires;
//   - the preparation an integration needs — the calling member's record
//     (/system/myMembers), its security role (/system/mySecurity), board
//     teams with a default flag — and the 403 a role without ticket or
//     callback access gets (preparation.go, which cites its sources).
//
// Where the public material is silent (the exact 401 text, what companyinfo
// says about an unknown company), the choices are marked in the code.
package connectwisesim

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/simfault"
)

// Codebase is the release path the simulated site reports.
const Codebase = "v4_6_release/"

// APIPath is the API root under the server URL.
const APIPath = "/" + Codebase + "apis/3.0"

// CustomerCompanyID is the seeded customer company tickets are filed under.
const CustomerCompanyID = 250

// Member is an API member with its key pair.
type Member struct {
	ID         int64
	Identifier string
	Name       string
	PublicKey  string
	PrivateKey string
}

// Options configure a Server; the zero value is fine.
type Options struct {
	CompanyID string      // login company, default "tandemsim"
	Seed      uint64      // seeds keys, ids and fault fractions
	Clock     clock.Clock // default the system clock
}

// Server is a running simulated ConnectWise site.
type Server struct {
	URL         string // the site; also what ParseCredentials takes as "site"
	CompanyID   string
	ClientID    string
	Integration Member // the integration's API member
	Agent       Member // a human technician, for changes that must echo

	*simfault.Faults

	srv      *httptest.Server
	clock    clock.Clock
	requests atomic.Int64

	mu           sync.Mutex
	rnd          *rand.Rand
	data         *store
	callbacks    []*callback
	nextCallback int64
	pending      sync.WaitGroup
	delivered    []Delivery
}

// New starts a Server that closes when the test ends.
func New(tb testing.TB) *Server {
	tb.Helper()
	s := NewServer(Options{})
	tb.Cleanup(s.Close)
	return s
}

// NewServer starts a Server outside a test (the local runner); call Close.
func NewServer(opts Options) *Server {
	if opts.CompanyID == "" {
		opts.CompanyID = "tandemsim"
	}
	if opts.Clock == nil {
		opts.Clock = clock.System{}
	}
	rnd := rand.New(rand.NewPCG(opts.Seed, 0x636f6e6e656374))
	s := &Server{
		CompanyID:   opts.CompanyID,
		ClientID:    "6a1f3b2c-4d5e-4f60-8a7b-9c0d1e2f3a4b",
		Integration: Member{ID: 101, Identifier: "tandem-api", Name: "Tandem Integration", PublicKey: key(rnd), PrivateKey: key(rnd)},
		Agent:       Member{ID: 102, Identifier: "jsmith", Name: "Jo Smith", PublicKey: key(rnd), PrivateKey: key(rnd)},
		Faults:      simfault.New(simfault.Options{Seed: opts.Seed, RetryAfterOn: []int{http.StatusTooManyRequests}}),
		clock:       opts.Clock,
		rnd:         rnd,
	}
	s.data = seed(s.now())
	s.data.members[s.Integration.ID] = newMemberSetup("A", "Tandem Integration")
	s.data.members[s.Agent.ID] = newMemberSetup("F", "Technician")
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close waits for deliveries in flight and stops the server.
func (s *Server) Close() {
	s.pending.Wait()
	s.srv.Close()
}

// Credentials are the settings-page fields for m.
func (s *Server) Credentials(m Member) platform.Credentials {
	return platform.Credentials{
		"site": s.URL, "companyId": s.CompanyID, "publicKey": m.PublicKey,
		"privateKey": m.PrivateKey, "clientId": s.ClientID,
	}
}

// Requests counts every request the server received.
func (s *Server) Requests() int64 { return s.requests.Load() }

func (s *Server) now() time.Time { return s.clock.Now().UTC().Truncate(time.Second) }

func key(r *rand.Rand) string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
	b := make([]byte, 16)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	switch {
	case strings.HasPrefix(r.URL.Path, "/login/companyinfo/"):
		s.companyInfo(w, r)
	case r.URL.Path == "/"+Codebase+"system/callbackkey/index.rails":
		s.callbackKey(w, r)
	case strings.HasPrefix(r.URL.Path, APIPath+"/"):
		simfault.Serve(s.Faults, w, r, writeFault, s.serveAPI)
	default:
		endpointMissing(w)
	}
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	m, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	s.route(w, r, m, strings.TrimPrefix(r.URL.Path, APIPath))
}

// companyInfo answers codebase discovery. For an unknown company the real
// service's answer is not documented; the sim answers 200 with null fields,
// which is what clients must treat as "no such company".
func (s *Server) companyInfo(w http.ResponseWriter, r *http.Request) {
	company := strings.TrimPrefix(r.URL.Path, "/login/companyinfo/")
	if !strings.EqualFold(company, s.CompanyID) {
		writeJSON(w, http.StatusOK, map[string]any{"CompanyName": nil, "Codebase": nil, "VersionCode": nil, "CompanyID": nil, "IsCloud": false})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"CompanyName": "Tandem Simulated MSP", "Codebase": Codebase, "VersionCode": "v2025.1",
		"VersionNumber": "v4.6", "CompanyID": s.CompanyID, "IsCloud": false, "SiteUrl": strings.TrimPrefix(s.URL, "http://"),
	})
}

// authenticate checks the Basic credentials and the clientId header. The
// exact 401 wording of the real service is not published; the code matches.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (Member, bool) {
	if id := r.Header.Get("clientId"); !strings.EqualFold(id, s.ClientID) {
		// ConnectWise documents the header as required and registered; what
		// it answers for an unregistered id is not published, so the sim
		// refuses both alike, naming the header.
		writeError(w, http.StatusUnauthorized, "Unauthorized", "A registered clientId header is required. Register one at https://developer.connectwise.com/ClientID.")
		return Member{}, false
	}
	h := r.Header.Get("Authorization")
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(h, "Basic "))
	if !strings.HasPrefix(h, "Basic ") || err != nil {
		writeError(w, http.StatusUnauthorized, "Unauthorized", "Unauthorized")
		return Member{}, false
	}
	user, secret, _ := strings.Cut(string(raw), ":")
	company, public, _ := strings.Cut(user, "+")
	if strings.EqualFold(company, s.CompanyID) {
		for _, m := range []Member{s.Integration, s.Agent} {
			if public == m.PublicKey && secret == m.PrivateKey {
				return m, true
			}
		}
	}
	writeError(w, http.StatusUnauthorized, "Unauthorized", "Unauthorized")
	return Member{}, false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// apiError is the ConnectWise error body.
type apiError struct {
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Errors  []fieldError `json:"errors,omitempty"`
}

type fieldError struct {
	Code     string `json:"code"`
	Message  string `json:"message"`
	Resource string `json:"resource"`
	Field    string `json:"field"`
}

func writeError(w http.ResponseWriter, status int, code, msg string, errs ...fieldError) {
	writeJSON(w, status, apiError{Code: code, Message: msg, Errors: errs})
}

// endpointMissing is ConnectWise's answer for a path it does not serve.
func endpointMissing(w http.ResponseWriter) {
	writeError(w, http.StatusNotFound, "ConnectWiseApi", "The endpoint does not exist.")
}

func notFound(w http.ResponseWriter, what string, id int64) {
	writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("%s ID %d not found", what, id))
}

func invalid(w http.ResponseWriter, resource string, errs ...fieldError) {
	writeError(w, http.StatusBadRequest, "InvalidObject", resource+" object is invalid", errs...)
}

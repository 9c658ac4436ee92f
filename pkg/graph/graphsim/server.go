package graphsim

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/simfault"
)

// Account is one app registration and the mailbox it works on.
type Account struct {
	ClientID     string
	ClientSecret string
	Mailbox      string
}

// Options configure a Server.
type Options struct {
	// Seed makes ids, tokens and fractional faults reproducible.
	Seed uint64
	// HTTPClient sends validation requests and notifications; nil uses a
	// client with Graph's 10 second validation timeout.
	HTTPClient *http.Client
	// ValidationTimeout is how long the validation request of a new
	// subscription may take, answer included; 0 means Graph's 10 seconds.
	ValidationTimeout time.Duration
}

// Server is a running simulator. URL is the login root (token endpoint at
// URL/{tenant}/oauth2/v2.0/token); GraphURL is URL + "/v1.0". UploadURL is
// another host (localhost rather than 127.0.0.1), where upload sessions take
// their byte ranges, as Outlook's
// pre-authenticated upload URLs live on outlook.office.com rather than on
// graph.microsoft.com.
type Server struct {
	URL       string
	GraphURL  string
	UploadURL string
	TenantID  string
	// Integration is Tandem's app working on the support mailbox; Agent is a
	// second app acting for a person (alex@), so tests can send mail into
	// the support mailbox the way a requester would.
	Integration Account
	Agent       Account

	*simfault.Faults

	srv      *httptest.Server
	upload   *httptest.Server
	hc       *http.Client
	validFor time.Duration
	requests atomic.Int64

	mu       sync.Mutex
	rng      *rand.Rand
	seq      uint64
	apps     map[string]*app
	tokens   map[string]token
	users    map[string]*user // by lower-case UPN
	messages map[string]*Message
	subs     map[string]*Subscription
	uploads  map[string]*upload
	lastTime time.Time
	// changeSeq orders message changes for delta queries; missing drops
	// change notifications (MissNotifications).
	changeSeq uint64
	missing   bool

	pending   sync.WaitGroup
	delivered atomic.Int64
	failed    atomic.Int64
}

type app struct {
	secret  string
	consent bool
	// roles are the application permissions admin consent granted, as an
	// app-only token's roles claim lists them.
	roles []string
}

type token struct {
	clientID string
	expires  time.Time
	roles    []string
}

type user struct {
	id         string // GUID
	upn        string
	categories []category
}

type category struct {
	ID, DisplayName, Color string
}

// New starts a simulator that closes when the test ends.
func New(tb testing.TB) *Server {
	tb.Helper()
	s := Start(Options{Seed: 1})
	tb.Cleanup(s.Close)
	return s
}

// Start starts a simulator; the caller closes it.
func Start(opts Options) *Server {
	s := &Server{
		Faults:   simfault.New(simfault.Options{Seed: opts.Seed, RetryAfterOn: []int{http.StatusTooManyRequests, http.StatusServiceUnavailable}}),
		rng:      rand.New(rand.NewPCG(opts.Seed, 0x67726170)),
		apps:     map[string]*app{},
		tokens:   map[string]token{},
		users:    map[string]*user{},
		messages: map[string]*Message{},
		subs:     map[string]*Subscription{},
		uploads:  map[string]*upload{},
		hc:       opts.HTTPClient,
		validFor: opts.ValidationTimeout,
	}
	if s.hc == nil {
		s.hc = &http.Client{Timeout: 10 * time.Second}
	}
	if s.validFor <= 0 {
		s.validFor = ValidationTimeout
	}
	s.TenantID = s.guid()
	s.Integration = s.addAccount("support@contoso.example")
	s.Agent = s.addAccount("alex@contoso.example")
	s.seed()
	s.srv = httptest.NewServer(s.routes())
	s.URL = s.srv.URL
	s.GraphURL = s.srv.URL + "/v1.0"
	s.upload = httptest.NewServer(s.uploadRoutes())
	// Another host name, not just another port: Microsoft's SDK attaches its
	// token by host name (kiota AllowedHostsValidator compares Hostname()),
	// so only a different name keeps the bearer token away from the
	// pre-authenticated URL, as outlook.office.com is kept apart from
	// graph.microsoft.com.
	s.UploadURL = strings.Replace(s.upload.URL, "://127.0.0.1:", "://localhost:", 1)
	return s
}

// Close stops the server after pending notifications finish.
func (s *Server) Close() {
	s.Flush()
	s.srv.Close()
	s.upload.Close()
}

func (s *Server) addAccount(upn string) Account {
	a := Account{ClientID: s.guid(), ClientSecret: s.secret(), Mailbox: upn}
	s.apps[a.ClientID] = &app{secret: a.ClientSecret, consent: true, roles: []string{"Mail.ReadWrite", "Mail.Send"}}
	s.users[upn] = &user{id: s.guid(), upn: upn, categories: []category{
		{s.guid(), "New", "preset0"},
		{s.guid(), "In Progress", "preset3"},
		{s.guid(), "Waiting on Customer", "preset7"},
		{s.guid(), "Resolved", "preset4"},
	}}
	return a
}

// seed puts one realistic request into the support inbox.
func (s *Server) seed() {
	m := s.newMessage(s.Integration.Mailbox, folderInbox, "alex@contoso.example",
		[]string{s.Integration.Mailbox}, "Printer on floor 3 jams on every job",
		"Hi,\r\n\r\nThe printer by the lifts jams on every print job since this morning.\r\n\r\nAlex", "")
	m.Categories = []string{"New"}
}

// Credentials returns credentials for a, pointing at this simulator; parse
// them with allowPrivate=true.
func (s *Server) Credentials(a Account) platform.Credentials {
	return platform.Credentials{
		"tenantId": s.TenantID, "clientId": a.ClientID, "clientSecret": a.ClientSecret,
		"mailbox": a.Mailbox, "loginUrl": s.URL, "graphUrl": s.GraphURL,
	}
}

// SetConsent grants or withdraws admin consent for an app's mail
// permissions; without it Graph answers 403 ErrorAccessDenied.
func (s *Server) SetConsent(clientID string, granted bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.apps[clientID]; a != nil {
		a.consent = granted
	}
}

// SetPermissions replaces the application permissions an app was granted;
// tokens issued afterwards carry them, and a call needing one it lacks is
// answered 403 ErrorAccessDenied.
func (s *Server) SetPermissions(clientID string, roles ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.apps[clientID]; a != nil {
		a.roles = slices.Clone(roles)
	}
	clear(s.tokens)
}

// ExpireTokens makes every issued access token invalid, as a revocation or
// expiry would.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// Requests counts every HTTP request the simulator answered.
func (s *Server) Requests() int64 { return s.requests.Load() }

// next returns a deterministic 32-byte value for ids and secrets.
func (s *Server) next(kind string) [32]byte {
	s.seq++
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], s.seq^s.rng.Uint64())
	return sha256.Sum256(append([]byte(kind), b[:]...))
}

func (s *Server) guid() string {
	b := s.next("guid")
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func (s *Server) secret() string {
	b := s.next("secret")
	return "Sim8Q~" + base64.RawURLEncoding.EncodeToString(b[:24])
}

// itemID imitates Exchange ids: base64 with an "AAMk" prefix.
func (s *Server) itemID(prefix string) string {
	b := s.next(prefix)
	return prefix + base64.URLEncoding.EncodeToString(b[:30]) + "AAA="
}

// now hands out message times with Graph's second precision, strictly
// increasing so conversation order is unambiguous.
func (s *Server) now() time.Time {
	t := time.Now().UTC().Truncate(time.Second)
	if !t.After(s.lastTime) {
		t = s.lastTime.Add(time.Second)
	}
	s.lastTime = t
	return t
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", s.handleToken)
	api := func(pattern string, h func(w http.ResponseWriter, r *http.Request, c *caller)) {
		mux.HandleFunc(pattern, s.authenticated(permissionFor(pattern), h))
	}
	api("GET /v1.0/users/{user}/mailFolders/{folder}", s.handleGetFolder)
	api("GET /v1.0/users/{user}/outlook/masterCategories", s.handleMasterCategories)
	api("GET /v1.0/users/{user}/messages", s.handleListMessages)
	api("GET /v1.0/users/{user}/mailFolders/{folder}/messages", s.handleListMessages)
	api("GET /v1.0/users/{user}/mailFolders/{folder}/messages/delta", s.handleDelta)
	api("POST /v1.0/users/{user}/messages", s.handleCreateDraft)
	api("GET /v1.0/users/{user}/messages/{id}", s.handleGetMessage)
	api("PATCH /v1.0/users/{user}/messages/{id}", s.handleUpdateMessage)
	api("POST /v1.0/users/{user}/messages/{id}/send", s.handleSend)
	api("POST /v1.0/users/{user}/messages/{id}/reply", s.handleReply)
	api("POST /v1.0/users/{user}/messages/{id}/createReply", s.handleCreateReply)
	api("POST /v1.0/users/{user}/sendMail", s.handleSendMail)
	api("GET /v1.0/users/{user}/messages/{id}/attachments", s.handleListAttachments)
	api("POST /v1.0/users/{user}/messages/{id}/attachments", s.handleAddAttachment)
	api("GET /v1.0/users/{user}/messages/{id}/attachments/{aid}", s.handleGetAttachment)
	api("GET /v1.0/users/{user}/messages/{id}/attachments/{aid}/$value", s.handleAttachmentValue)
	api("POST /v1.0/users/{user}/messages/{id}/attachments/createUploadSession", s.handleCreateUploadSession)
	api("POST /v1.0/subscriptions", s.handleCreateSubscription)
	api("GET /v1.0/subscriptions/{id}", s.handleGetSubscription)
	api("PATCH /v1.0/subscriptions/{id}", s.handleRenewSubscription)
	api("DELETE /v1.0/subscriptions/{id}", s.handleDeleteSubscription)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+lastSegment(r.URL.Path)+"'.")
	})
	h := contentDecoding(mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		h.ServeHTTP(w, r)
	})
}

// uploadRoutes serve the upload host: ranged PUTs to upload session URLs.
func (s *Server) uploadRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /api/v2.0/{rest...}", s.handleUploadChunk)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		mux.ServeHTTP(w, r)
	})
}

func lastSegment(p string) string {
	return p[strings.LastIndex(p, "/")+1:]
}

// caller is the authenticated app of a Graph request.
type caller struct {
	clientID string
}

// authenticated checks the bearer token and consent, applies injected
// faults, and resolves nothing else: handlers resolve their own user.
// permissionFor names the least application permissions that let a call
// through: sending needs Mail.Send (message-send.md, message-reply.md,
// user-sendmail.md), other writes Mail.ReadWrite, reads any mail
// permission (message-get.md, message-list.md, message-delta.md).
func permissionFor(pattern string) []string {
	method, path, _ := strings.Cut(pattern, " ")
	switch {
	case strings.HasSuffix(path, "/send") || strings.HasSuffix(path, "/reply") || strings.HasSuffix(path, "/sendMail"):
		return []string{"Mail.Send"}
	case strings.Contains(path, "/subscriptions"):
		return []string{"Mail.ReadBasic.All", "Mail.Read", "Mail.ReadWrite"}
	case method != http.MethodGet:
		return []string{"Mail.ReadWrite"}
	}
	return []string{"Mail.ReadBasic.All", "Mail.Read", "Mail.ReadWrite"}
}

func (s *Server) authenticated(needs []string, h func(http.ResponseWriter, *http.Request, *caller)) http.HandlerFunc {
	serve := func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		if auth == "" {
			writeError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token is empty.")
			return
		}
		tok, ok := strings.CutPrefix(auth, "Bearer ")
		s.mu.Lock()
		t, found := s.tokens[tok]
		var consent bool
		if a := s.apps[t.clientID]; a != nil {
			consent = a.consent
		}
		s.mu.Unlock()
		if !ok || !found || time.Now().After(t.expires) {
			writeError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.")
			return
		}
		granted := false
		for _, role := range needs {
			granted = granted || slices.Contains(t.roles, role)
		}
		if !consent || !granted {
			writeError(w, http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
			return
		}
		h(w, r, &caller{clientID: t.clientID})
	}
	return func(w http.ResponseWriter, r *http.Request) {
		simfault.Serve(s.Faults, w, r, writeFault, serve)
	}
}

// writeError writes Graph's error envelope.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"code": code, "message": msg,
		"innerError": map[string]string{
			"date":       time.Now().UTC().Format("2006-01-02T15:04:05"),
			"request-id": "00000000-0000-0000-0000-000000000000",
		},
	}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	return decode(w, r, v, false)
}

// decodeOptionalBody is decodeBody for actions whose body may be left out
// (createReply): an empty body, compressed or not, decodes to v's zero value.
func decodeOptionalBody(w http.ResponseWriter, r *http.Request, v any) bool {
	return decode(w, r, v, true)
}

func decode(w http.ResponseWriter, r *http.Request, v any, optional bool) bool {
	err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<20)).Decode(v)
	var pe *propertyError
	switch {
	case err == nil, optional && errors.Is(err, io.EOF):
		return true
	case errors.As(err, &pe):
		writeError(w, http.StatusBadRequest, "RequestBodyRead", pe.Error())
	default:
		writeError(w, http.StatusBadRequest, "RequestBodyRead", "Invalid JSON in request body: "+err.Error())
	}
	return false
}

func itoa(n int) string { return strconv.Itoa(n) }

// Package api turns API Gateway HTTP API (payload 2.0) events into calls on
// the domain services and back. Each Lambda function gets one Handler; the
// local runner calls the very same handlers from net/http.
//
// Every request is authenticated (the organisation comes from the JWT the
// authorizer verified, or from the dev bearer in local mode only), bodies are
// size-limited and decoded strictly, and errors map to HTTP status in one
// place (errors.go) with a message a person can act on.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"unicode"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tandemsync/tandem/pkg/connection"
)

// MaxBodyBytes bounds every request body.
const MaxBodyBytes = 64 << 10

// Auth decides who the caller is.
type Auth struct {
	// DevBearer accepts "Authorization: Bearer dev:<orgId>" in place of a
	// JWT. Only the local runner sets it; Lambda functions never do.
	DevBearer bool
}

// Claims the Cognito authorizer passes through.
const (
	ClaimOrgID   = "custom:org_id"
	ClaimOrgName = "custom:org_name"
)

var errUnauthenticated = errors.New("unauthenticated")

// Caller returns the organisation behind the request.
func (a Auth) Caller(req events.APIGatewayV2HTTPRequest) (connection.Caller, error) {
	if jwt := req.RequestContext.Authorizer; jwt != nil && jwt.JWT != nil {
		if org := strings.TrimSpace(jwt.JWT.Claims[ClaimOrgID]); validOrgID(org) {
			name := displayName(jwt.JWT.Claims[ClaimOrgName])
			if name == "" {
				name = org
			}
			return connection.Caller{OrgID: org, OrgName: name}, nil
		}
	}
	if a.DevBearer {
		h := header(req.Headers, "authorization")
		if org, ok := strings.CutPrefix(h, "Bearer dev:"); ok && validOrgID(org) {
			return connection.Caller{OrgID: org, OrgName: org}, nil
		}
	}
	return connection.Caller{}, errUnauthenticated
}

// maxOrgName matches the limit on contract names: an organisation's name is
// shown to its partners beside them.
const maxOrgName = 200

// displayName is the organisation's name as partners will see it: without
// control or invisible formatting characters (a right-to-left override
// would make it read as another name), and at most maxOrgName characters.
// The claim is set by whoever administers the user pool, so it is cleaned
// rather than refused.
func displayName(claim string) string {
	var b strings.Builder
	n := 0
	for _, r := range strings.TrimSpace(claim) {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			continue
		}
		if n == maxOrgName {
			break
		}
		b.WriteRune(r)
		n++
	}
	return strings.TrimSpace(b.String())
}

// validOrgID keeps ids usable inside keys and secret names.
func validOrgID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// Request is one authenticated call.
type Request struct {
	Raw    events.APIGatewayV2HTTPRequest
	Caller connection.Caller
	Params map[string]string
	Log    *slog.Logger
}

// Decode reads the JSON body into v strictly: unknown fields, repeated keys,
// trailing data, oversize bodies and a content type other than JSON are
// refused.
func (r *Request) Decode(v any) error {
	if !isJSON(header(r.Raw.Headers, "content-type")) {
		return &Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Message: "send the body as JSON with the header Content-Type: application/json"}
	}
	body, err := requestBody(r.Raw)
	if err != nil {
		return err
	}
	if len(body) > MaxBodyBytes {
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large", Message: fmt.Sprintf("the body is larger than %d KiB", MaxBodyBytes>>10)}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return &Error{Status: http.StatusBadRequest, Code: "invalid_body", Message: "the request needs a JSON body"}
	}
	if key := repeatedKey(body); key != "" {
		return duplicateKeyError(key)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &Error{Status: http.StatusBadRequest, Code: "invalid_json", Message: "the body is not valid JSON for this request: " + jsonProblem(err)}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &Error{Status: http.StatusBadRequest, Code: "invalid_json", Message: "the body has data after the JSON object"}
	}
	return nil
}

// isJSON accepts application/json with parameters (charset=utf-8), in any
// case, and nothing else: a form or text body is not read as JSON by accident.
func isJSON(contentType string) bool {
	media, _, _ := strings.Cut(contentType, ";")
	return strings.EqualFold(strings.TrimSpace(media), "application/json")
}

// jsonProblem describes a decode error without echoing body content, which
// could be a credential.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("syntax error at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %q must be %s", typ.Field, typ.Type.Kind())
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return strings.TrimPrefix(err.Error(), "json: ")
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "unexpected end of input"
	default:
		return "malformed JSON"
	}
}

// Result is what a route returns on success.
type Result struct {
	Status int
	// Body is sent as JSON; a json.RawMessage is sent as it is.
	Body any
	// Header adds to the headers every answer carries.
	Header map[string]string
}

type route struct {
	method  string
	path    string
	pattern []string
	public  bool
	fn      func(ctx context.Context, r *Request) (Result, error)
}

// Route is one registered method and path pattern.
type Route struct {
	Method  string
	Pattern string // as registered, e.g. "/v1/connections/{id}/code"
	Public  bool   // served without authentication
}

// Router dispatches by method and path pattern ("/v1/connections/{id}/code").
type Router struct {
	auth   Auth
	log    *slog.Logger
	routes []route
}

// NewRouter returns a router whose one route is the API's contract,
// GET /v1/openapi.json, served without authentication (openapi.go): every
// function's router serves it, so whichever function API Gateway sends it
// to answers.
func NewRouter(auth Auth, log *slog.Logger) *Router {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	rt := &Router{auth: auth, log: log}
	rt.HandlePublic(http.MethodGet, OpenAPIPath, serveOpenAPI)
	return rt
}

// Handle registers fn for method and pattern; the caller must be
// authenticated.
func (rt *Router) Handle(method, pattern string, fn func(ctx context.Context, r *Request) (Result, error)) {
	rt.routes = append(rt.routes, route{method: method, path: pattern, pattern: splitPath(pattern), fn: fn})
}

// HandlePublic registers fn for method and pattern without authentication:
// fn gets a zero Caller. Only for what anyone may read, such as the API's
// contract; nothing that belongs to an organisation.
func (rt *Router) HandlePublic(method, pattern string, fn func(ctx context.Context, r *Request) (Result, error)) {
	rt.routes = append(rt.routes, route{method: method, path: pattern, pattern: splitPath(pattern), public: true, fn: fn})
}

// Routes lists the registered routes in registration order.
func (rt *Router) Routes() []Route {
	out := make([]Route, len(rt.routes))
	for i, r := range rt.routes {
		out[i] = Route{Method: r.method, Pattern: r.path, Public: r.public}
	}
	return out
}

// maxPathID keeps path ids far below DynamoDB's 2,048-byte key limit, past
// which the store answers with an error that would surface as a 500.
const maxPathID = 128

// validPathID admits the ids Tandem issues and the names it routes on, and
// nothing a key or a log line should not hold.
func validPathID(s string) bool {
	if s == "" || len(s) > maxPathID {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func validPathIDs(params map[string]string) bool {
	for _, v := range params {
		if !validPathID(v) {
			return false
		}
	}
	return true
}

func splitPath(p string) []string { return strings.Split(strings.Trim(p, "/"), "/") }

func match(pattern, path []string) (map[string]string, bool) {
	if len(pattern) != len(path) {
		return nil, false
	}
	var params map[string]string
	for i, seg := range pattern {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			if path[i] == "" {
				return nil, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[seg[1:len(seg)-1]] = path[i]
			continue
		}
		if seg != path[i] {
			return nil, false
		}
	}
	return params, true
}

// Handler returns the Lambda handler for the registered routes.
func (rt *Router) Handler() Handler {
	return func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		method := req.RequestContext.HTTP.Method
		path := requestPath(req)
		log := rt.log.With("request_id", req.RequestContext.RequestID, "method", method, "path", path)
		segs := splitPath(path)
		var allowed []string
		for _, r := range rt.routes {
			params, ok := match(r.pattern, segs)
			if !ok {
				continue
			}
			if r.method != method {
				allowed = append(allowed, r.method)
				continue
			}
			if !validPathIDs(params) {
				return errorResponse(&Error{Status: http.StatusNotFound, Code: "not_found",
					Message: "no such resource: ids in the path are 1 to 128 letters, digits, '-', '_' or '.'"}), nil
			}
			var caller connection.Caller
			if !r.public {
				var err error
				if caller, err = rt.auth.Caller(req); err != nil {
					log.WarnContext(ctx, "request refused", "status", http.StatusUnauthorized)
					return errorResponse(&Error{Status: http.StatusUnauthorized, Code: "unauthenticated",
						Message: "sign in again: the request carries no organisation (custom:org_id claim)"}), nil
				}
				log = log.With("org_id", caller.OrgID)
			}
			res, err := r.fn(ctx, &Request{Raw: req, Caller: caller, Params: params, Log: log})
			if err != nil {
				e := toError(err)
				if e.Status >= 500 {
					log.ErrorContext(ctx, "request failed", "status", e.Status, "error", err)
				} else {
					log.InfoContext(ctx, "request refused", "status", e.Status, "code", e.Code)
				}
				return errorResponse(e), nil
			}
			log.InfoContext(ctx, "request served", "status", res.Status)
			resp := jsonResponse(res.Status, res.Body)
			for k, v := range res.Header {
				resp.Headers[k] = v
			}
			return resp, nil
		}
		if len(allowed) > 0 {
			resp := errorResponse(&Error{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed",
				Message: fmt.Sprintf("%s is not allowed here; use %s", method, strings.Join(allowed, ", "))})
			resp.Headers["Allow"] = strings.Join(allowed, ", ")
			return resp, nil
		}
		return errorResponse(&Error{Status: http.StatusNotFound, Code: "not_found", Message: "no such endpoint: " + path}), nil
	}
}

func jsonResponse(status int, body any) events.APIGatewayV2HTTPResponse {
	resp := events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: map[string]string{
		"Content-Type":           "application/json",
		"Cache-Control":          "no-store",
		"X-Content-Type-Options": "nosniff",
	}}
	if raw, ok := body.(json.RawMessage); ok {
		resp.Body = string(raw) // as written, not re-encoded
		return resp
	}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return errorResponse(&Error{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error"})
		}
		resp.Body = string(b)
	}
	return resp
}

func errorResponse(e *Error) events.APIGatewayV2HTTPResponse {
	return jsonResponse(e.Status, map[string]any{"error": map[string]string{"code": e.Code, "message": e.Message}})
}

// Package apitest holds the API's handlers to their contract, the OpenAPI
// document that pkg/api serves. Tests wrap the handler they call — the
// Lambda handler with Lambda, the local runner's listener with HTTP — and
// every request and response is then validated against the document with
// kin-openapi: an answer with a field, status or error code the document does
// not declare fails the test, and so does a request the document forbids
// that the handler nonetheless accepts.
package apitest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-lambda-go/events"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/tandemsync/tandem/pkg/api"
)

// TB is the part of testing.TB the wrappers use.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
}

// Contract is the loaded document, ready to validate exchanges. It is safe
// for concurrent use.
type Contract struct {
	Doc    *openapi3.T
	router routers.Router

	mu   sync.Mutex
	seen map[string]int
}

// The Zendesk OAuth callback answers a page for the browser tab; its body
// is checked as a string.
func init() { openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.FileBodyDecoder) }

// Load parses and validates the document pkg/api embeds.
func Load() (*Contract, error) {
	return load(api.OpenAPIDocument())
}

func load(raw []byte) (*Contract, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		return nil, fmt.Errorf("load the OpenAPI document: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("the OpenAPI document is not valid: %w", err)
	}
	// Route by path alone: tests run on loopback addresses and Lambda
	// events carry no host, neither of which is one of the servers.
	routed := *doc
	routed.Servers = nil
	router, err := legacy.NewRouter(&routed)
	if err != nil {
		return nil, fmt.Errorf("route the OpenAPI document: %w", err)
	}
	return &Contract{Doc: doc, router: router, seen: map[string]int{}}, nil
}

var shared = sync.OnceValues(Load)

// Default is the document, loaded once per test binary.
func Default() (*Contract, error) { return shared() }

// Lambda wraps an API Gateway (payload 2.0) handler: each event and the
// answer to it are checked against the document, and a mismatch fails t.
func Lambda(t TB, h api.Handler) api.Handler {
	c, err := Default()
	if err != nil {
		t.Helper()
		t.Errorf("apitest: %v", err)
		return h
	}
	return c.Lambda(t, h)
}

// HTTP wraps an http.Handler likewise.
func HTTP(t TB, h http.Handler) http.Handler {
	c, err := Default()
	if err != nil {
		t.Helper()
		t.Errorf("apitest: %v", err)
		return h
	}
	return c.HTTP(t, h)
}

// Lambda is the package's Lambda for this contract.
func (c *Contract) Lambda(t TB, h api.Handler) api.Handler {
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		resp, err := h(ctx, ev)
		if err != nil {
			// API Gateway answers a Lambda error with its own 500: the
			// test that provoked it sees the error.
			return resp, err
		}
		req, body, cerr := requestOf(ctx, ev)
		if cerr == nil {
			var respBody []byte
			if respBody, cerr = bodyOf(resp); cerr == nil {
				cerr = c.Check(req, body, resp.StatusCode, headerOf(resp.Headers), respBody)
			}
		}
		if cerr != nil {
			t.Errorf("OpenAPI contract: %v", cerr)
		}
		return resp, nil
	}
}

// HTTP is the package's HTTP for this contract.
func (c *Contract) HTTP(t TB, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		seen := r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		if err := c.Check(seen, body, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
			t.Errorf("OpenAPI contract: %v", err)
		}
	})
}

// Check validates one exchange: the request (with its body) and the status,
// headers and body of the answer. It returns nil when both keep to the
// document, or when the request breaks it and the answer is one of the
// refusals the document declares for it.
func (c *Contract) Check(req *http.Request, body []byte, status int, header http.Header, respBody []byte) error {
	where := req.Method + " " + req.URL.RequestURI()
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		// Not an operation: only the router's own refusals may answer.
		if rerr := c.routerRefusal(err, status, respBody); rerr != nil {
			return fmt.Errorf("%s: %w", where, rerr)
		}
		c.note(req.Method+" (no operation)", status)
		return nil
	}
	ctx := req.Context()
	opts := &openapi3filter.Options{
		AuthenticationFunc:    bearer,
		IncludeResponseStatus: true,
		SkipSettingDefaults:   true,
		MultiError:            true,
	}
	in := &openapi3filter.RequestValidationInput{Request: req.Clone(ctx), PathParams: params, Route: route, Options: opts}
	in.Request.Body = io.NopCloser(bytes.NewReader(body))
	reqErr := openapi3filter.ValidateRequest(ctx, in)

	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: header, Options: opts}
	out.SetBodyBytes(respBody)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		return fmt.Errorf("%s (%s): the %d answer breaks the contract: %v\nbody: %s", where, route.Operation.OperationID, status, err, clip(respBody))
	}
	if resp := route.Operation.Responses.Status(status); resp != nil && len(resp.Value.Content) == 0 && len(bytes.TrimSpace(respBody)) > 0 {
		return fmt.Errorf("%s (%s): the document declares no body for %d, the answer has one: %s", where, route.Operation.OperationID, status, clip(respBody))
	}
	if reqErr != nil && (status < 400 || status >= 500) {
		return fmt.Errorf("%s (%s): the request breaks the contract (%v), yet the handler answered %d: %s", where, route.Operation.OperationID, reqErr, status, clip(respBody))
	}
	c.note(route.Method+" "+route.Path, status)
	return nil
}

// routerRefusal accepts the answers the router gives a path the document
// has no operation for: 404 not_found, or 405 method_not_allowed where the
// path has other operations.
func (c *Contract) routerRefusal(findErr error, status int, body []byte) error {
	want, code := http.StatusNotFound, "not_found"
	// The router answers fresh *RouteErrors: compare their reasons.
	if findErr.Error() == routers.ErrMethodNotAllowed.Error() {
		want, code = http.StatusMethodNotAllowed, "method_not_allowed"
	}
	var got struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if status != want || dec.Decode(&got) != nil || got.Error.Code != code || got.Error.Message == "" {
		return fmt.Errorf("no operation in the document (%v), so the answer must be %d %s, got %d: %s", findErr, want, code, status, clip(body))
	}
	return nil
}

// bearer stands in for the authorizer: the document's only scheme is a
// bearer token, which API Gateway (or, locally, the dev bearer) checks.
func bearer(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	h := in.RequestValidationInput.Request.Header.Get("Authorization")
	if len(h) < len("Bearer ")+1 || !strings.EqualFold(h[:len("Bearer ")], "Bearer ") {
		return errors.New("no bearer token")
	}
	return nil
}

func (c *Contract) note(op string, status int) {
	c.mu.Lock()
	c.seen[fmt.Sprintf("%s %d", op, status)]++
	c.mu.Unlock()
}

// Seen lists the operations and statuses validated so far, as
// "METHOD /path/{template} STATUS" with a count.
func (c *Contract) Seen() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.seen))
	for k, v := range c.seen {
		out[k] = v
	}
	return out
}

// Operations lists every operation of the document as "METHOD /path",
// sorted.
func (c *Contract) Operations() []string {
	var out []string
	for path, item := range c.Doc.Paths.Map() {
		for method := range item.Operations() {
			out = append(out, method+" "+path)
		}
	}
	sort.Strings(out)
	return out
}

// requestOf rebuilds the HTTP request an API Gateway event stands for.
func requestOf(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (*http.Request, []byte, error) {
	path := ev.RawPath
	if path == "" {
		path = ev.RequestContext.HTTP.Path
	}
	query := ev.RawQueryString
	if query == "" && len(ev.QueryStringParameters) > 0 {
		q := url.Values{}
		for k, v := range ev.QueryStringParameters {
			q.Set(k, v)
		}
		query = q.Encode()
	}
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(ev.Body)
		if err != nil {
			return nil, nil, fmt.Errorf("the event's body is not base64: %w", err)
		}
		body = b
	}
	req, err := http.NewRequestWithContext(ctx, ev.RequestContext.HTTP.Method, (&url.URL{Path: path, RawQuery: query}).String(), bytes.NewReader(body))
	if err != nil {
		return nil, nil, fmt.Errorf("the event is not an HTTP request: %w", err)
	}
	for k, v := range ev.Headers {
		req.Header.Set(k, v)
	}
	// API Gateway passes claims only after verifying the bearer token the
	// caller sent; tests that set claims leave the token out.
	if a := ev.RequestContext.Authorizer; a != nil && a.JWT != nil && req.Header.Get("Authorization") == "" {
		req.Header.Set("Authorization", "Bearer verified-by-api-gateway")
	}
	return req, body, nil
}

func bodyOf(resp events.APIGatewayV2HTTPResponse) ([]byte, error) {
	if !resp.IsBase64Encoded {
		return []byte(resp.Body), nil
	}
	b, err := base64.StdEncoding.DecodeString(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("the answer's body is not base64: %w", err)
	}
	return b, nil
}

func headerOf(m map[string]string) http.Header {
	h := make(http.Header, len(m))
	for k, v := range m {
		h.Set(k, v)
	}
	return h
}

func clip(b []byte) string {
	const max = 600
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}

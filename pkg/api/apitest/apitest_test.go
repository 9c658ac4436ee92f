package apitest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tandemsync/tandem/pkg/api"
	"github.com/tandemsync/tandem/pkg/api/apitest"
)

// recorder is a TB that keeps what would have failed the test.
type recorder struct {
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.errs
	r.errs = nil
	return out
}

func answer(status int, body any) func(context.Context, *api.Request) (api.Result, error) {
	return func(context.Context, *api.Request) (api.Result, error) {
		return api.Result{Status: status, Body: body}, nil
	}
}

var conn = map[string]any{"id": "conn_2txtis72o6lxnpqq", "contractName": "Acme", "role": "source", "status": "active", "createdAt": "2026-11-29T16:14:25Z"}

func call(t *testing.T, h api.Handler, method, path, body string) {
	t.Helper()
	req := events.APIGatewayV2HTTPRequest{
		RawPath: path, Body: body,
		Headers:        map[string]string{"content-type": "application/json", "authorization": "Bearer dev:acme"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path}},
	}
	if _, err := h(context.Background(), req); err != nil {
		t.Fatal(err)
	}
}

// The validator passes what keeps to the document and fails each way a
// handler can drift from it.
func TestDriftFails(t *testing.T) {
	withExtra := map[string]any{"extra": true}
	for k, v := range conn {
		withExtra[k] = v
	}
	for _, tc := range []struct {
		name, method, pattern, body string
		status                      int
		answer                      any
		want                        string // in the failure; "" for none
	}{
		{"keeps to the document", "POST", "/v1/connections/accept", `{"verificationCode":"K7QM-3XRT-9HWD-P2NC"}`, 200, conn, ""},
		{"a declared refusal of a bad request", "POST", "/v1/connections", `{"role":"owner","contractName":"x"}`, 400,
			map[string]any{"error": map[string]string{"code": "invalid_request", "message": "role must be source or target"}}, ""},
		{"an undeclared field", "POST", "/v1/connections/accept", `{"verificationCode":"K7QM-3XRT-9HWD-P2NC"}`, 200, withExtra, `"/extra"`},
		{"a missing field", "GET", "/v1/connections", ``, 200, map[string]any{"pending": []any{}}, `"active"`},
		{"an undeclared status", "POST", "/v1/connections/accept", `{"verificationCode":"K7QM-3XRT-9HWD-P2NC"}`, 418, conn, "status is not supported"},
		{"an undeclared error code", "POST", "/v1/connections/accept", `{"verificationCode":"K7QM-3XRT-9HWD-P2NC"}`, 409,
			map[string]any{"error": map[string]string{"code": "ended", "message": "m"}}, `"own_code"`},
		{"a body where none is declared", "DELETE", "/v1/connections/{id}", ``, 204, conn, "declares no body"},
		{"a forbidden request accepted", "POST", "/v1/connections", `{"role":"owner","contractName":"x"}`, 201,
			map[string]any{"id": "conn_2txtis72o6lxnpqq", "contractName": "x", "role": "source", "status": "pending", "createdAt": "2026-11-29T16:14:25Z", "verificationCode": "K7QM-3XRT-9HWD-P2NC"},
			"the request breaks the contract"},
		{"an undocumented route", "GET", "/v1/connections/{id}/secrets", ``, 200, map[string]any{}, "no operation in the document"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt := api.NewRouter(api.Auth{DevBearer: true}, nil)
			rt.Handle(tc.method, tc.pattern, answer(tc.status, tc.answer))
			rec := &recorder{}
			path := strings.ReplaceAll(tc.pattern, "{id}", "conn_2txtis72o6lxnpqq")
			call(t, apitest.Lambda(rec, rt.Handler()), tc.method, path, tc.body)
			errs := rec.take()
			switch {
			case tc.want == "" && len(errs) > 0:
				t.Fatalf("unexpected failure: %v", errs)
			case tc.want != "" && (len(errs) != 1 || !strings.Contains(errs[0], tc.want)):
				t.Fatalf("want one failure mentioning %s, got %q", tc.want, errs)
			}
		})
	}
}

// The router's own refusals are checked too: a path the document lacks is
// 404 not_found, a method it lacks 405 method_not_allowed.
func TestRouterRefusals(t *testing.T) {
	rec := &recorder{}
	h := apitest.Lambda(rec, api.NewRouter(api.Auth{DevBearer: true}, nil).Handler())
	call(t, h, "GET", "/v1/nothing", "")
	call(t, h, "DELETE", api.OpenAPIPath, "")
	if errs := rec.take(); len(errs) > 0 {
		t.Fatal(errs)
	}
	// A route the router serves but the document lacks answers 200 where
	// only a refusal may.
	rt := api.NewRouter(api.Auth{DevBearer: true}, nil)
	rt.HandlePublic("GET", "/v1/status", answer(200, map[string]string{"ok": "yes"}))
	call(t, apitest.Lambda(rec, rt.Handler()), "GET", "/v1/status", "")
	if errs := rec.take(); len(errs) != 1 || !strings.Contains(errs[0], "must be 404 not_found") {
		t.Fatalf("undocumented route: %q", errs)
	}
}

// Over HTTP, as the local runner serves the webhook route.
func TestHTTP(t *testing.T) {
	for _, tc := range []struct {
		name, ct, body string
		status         int
		fail           bool
	}{
		{"queued", "application/json", `{"queued":2}`, 202, false},
		{"handshake", "text/plain; charset=utf-8", `token-1`, 200, false},
		{"undeclared field", "application/json", `{"queued":2,"events":[]}`, 202, true},
		{"undeclared code", "application/json", `{"error":{"code":"invalid_json","message":"m"}}`, 400, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			h := apitest.HTTP(rec, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.ct)
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			req := httptest.NewRequest("POST", "/webhooks/halo/wh_nFr0Y-A4gtEyzfiNZYJtyQ", strings.NewReader(`{"id":1}`))
			req.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != tc.status || w.Body.String() != tc.body {
				t.Fatalf("the answer did not pass through: %d %s", w.Code, w.Body)
			}
			if errs := rec.take(); (len(errs) > 0) != tc.fail {
				t.Fatalf("failures %q, want some: %v", errs, tc.fail)
			}
		})
	}
}

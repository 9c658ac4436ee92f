package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tandemsync/tandem/pkg/api"
	"github.com/tandemsync/tandem/pkg/api/apitest"
	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/connection/connectiontest"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/secretstore/secretstoretest"
	"github.com/tandemsync/tandem/pkg/settings"
	"github.com/tandemsync/tandem/pkg/settings/settingstest"
)

// fakePlatforms stands in for the platform registry in these routing tests;
// the registry itself is tested against the simulators.
type fakePlatforms struct{}

func (fakePlatforms) Validate(kind platform.Kind, c platform.Credentials) (platform.Credentials, []string, error) {
	switch kind {
	case platform.Autotask, platform.ConnectWise, platform.Halo, platform.Graph:
	default:
		return nil, nil, fmt.Errorf("%w %q", platform.ErrUnknownPlatform, kind)
	}
	v := &platform.ValidationError{}
	if c["url"] == "" {
		v.Add("url", "is required")
	}
	if c["secret"] == "" {
		v.Add("secret", "is required")
	}
	return c, []string{"secret"}, v.Err()
}

func (fakePlatforms) Test(_ context.Context, kind platform.Kind, c platform.Credentials) error {
	if c["secret"] != "right-secret-value" {
		return &platform.Error{Platform: kind, Reason: platform.ReasonAuthFailed, Status: 401, Message: "Authentication failed. Check the secret."}
	}
	return nil
}

type harness struct {
	t        *testing.T
	h        api.Handler
	clock    *clock.Manual
	conns    *connectiontest.MemStore
	accounts *settingstest.MemAccounts
	secrets  *secretstoretest.Memory
	logs     *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	hs := &harness{
		t: t, clock: clock.NewManual(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)),
		conns: connectiontest.NewMemStore(), accounts: settingstest.NewMemAccounts(),
		secrets: secretstoretest.NewMemory(), logs: &syncBuffer{},
	}
	log := slog.New(slog.NewJSONHandler(hs.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	rt := api.NewRouter(api.Auth{DevBearer: true}, log)
	api.SettingsRoutes(rt, settings.NewService(hs.accounts, hs.secrets, fakePlatforms{}, hs.clock, log))
	api.ConnectionRoutes(rt, connection.NewService(hs.conns, hs.clock, log))
	// Every request and answer is held to the OpenAPI document.
	hs.h = apitest.Lambda(t, rt.Handler())
	return hs
}

type reply struct {
	Status int
	Body   map[string]any
	Raw    string
}

func (hs *harness) do(org, method, path, body string) reply {
	hs.t.Helper()
	req := events.APIGatewayV2HTTPRequest{
		RawPath: path, Body: body,
		Headers: map[string]string{"content-type": "application/json"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RequestID: "req-test", HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path},
		},
	}
	if org != "" {
		req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
				Claims: map[string]string{"custom:org_id": org, "custom:org_name": strings.ToUpper(org) + " Ltd"},
			},
		}
	}
	resp, err := hs.h(context.Background(), req)
	if err != nil {
		hs.t.Fatalf("%s %s: handler error %v", method, path, err)
	}
	r := reply{Status: resp.StatusCode, Raw: resp.Body}
	if resp.Body != "" {
		if err := json.Unmarshal([]byte(resp.Body), &r.Body); err != nil {
			hs.t.Fatalf("%s %s: body is not JSON: %q", method, path, resp.Body)
		}
	}
	return r
}

func (r reply) errCode() string {
	e, _ := r.Body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func (hs *harness) create(org, role string) (id, code string) {
	hs.t.Helper()
	r := hs.do(org, "POST", "/v1/connections", fmt.Sprintf(`{"role":%q,"contractName":"Managed service 2026"}`, role))
	if r.Status != http.StatusCreated {
		hs.t.Fatalf("create: %d %s", r.Status, r.Raw)
	}
	return r.Body["id"].(string), r.Body["verificationCode"].(string)
}

func listOf(r reply, key string) []map[string]any {
	raw, _ := r.Body[key].([]any)
	out := make([]map[string]any, 0, len(raw))
	for _, v := range raw {
		out = append(out, v.(map[string]any))
	}
	return out
}

func TestCreateAcceptListWalkthrough(t *testing.T) {
	hs := newHarness(t)
	r := hs.do("acme", "POST", "/v1/connections", `{"role":"source","contractName":"Acme managed service"}`)
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Raw)
	}
	if r.Body["status"] != "pending" || r.Body["role"] != "source" || r.Body["contractName"] != "Acme managed service" {
		t.Fatalf("create body: %s", r.Raw)
	}
	wantExp := hs.clock.Now().Add(7 * 24 * time.Hour).Format(time.RFC3339)
	if r.Body["expiresAt"] != wantExp {
		t.Fatalf("expiresAt = %v, want %s", r.Body["expiresAt"], wantExp)
	}
	code := r.Body["verificationCode"].(string)
	if len(code) != 19 || strings.Count(code, "-") != 3 || strings.ContainsAny(code, "01OILU") {
		t.Fatalf("code %q is not 4 readable groups of 4", code)
	}
	if hs.conns.Len() != 1 {
		t.Fatalf("store holds %d connections", hs.conns.Len())
	}
	if strings.Contains(hs.conns.Dump(), strings.ReplaceAll(code, "-", "")) || strings.Contains(hs.conns.Dump(), code) {
		t.Fatal("the store holds the code in clear")
	}

	pendingA := listOf(hs.do("acme", "GET", "/v1/connections", ""), "pending")
	if len(pendingA) != 1 || pendingA[0]["id"] != r.Body["id"] {
		t.Fatalf("acme pending = %v", pendingA)
	}
	// Codes are typed by people: lower case and spaces are fine.
	acc := hs.do("msp", "POST", "/v1/connections/accept", fmt.Sprintf(`{"verificationCode":%q}`, strings.ToLower(strings.ReplaceAll(code, "-", " "))))
	if acc.Status != http.StatusOK || acc.Body["status"] != "active" || acc.Body["role"] != "target" || acc.Body["partnerName"] != "ACME Ltd" {
		t.Fatalf("accept: %d %s", acc.Status, acc.Raw)
	}
	for org, want := range map[string][3]string{"acme": {"source", "MSP Ltd", "msp"}, "msp": {"target", "ACME Ltd", "acme"}} {
		l := hs.do(org, "GET", "/v1/connections", "")
		active, pending := listOf(l, "active"), listOf(l, "pending")
		if len(pending) != 0 || len(active) != 1 {
			t.Fatalf("%s list = %s", org, l.Raw)
		}
		if active[0]["role"] != want[0] || active[0]["partnerName"] != want[1] || active[0]["partnerOrgId"] != want[2] {
			t.Fatalf("%s sees %v, want role/partner %v", org, active[0], want)
		}
	}
}

func TestCodeExpiresAfterSevenDays(t *testing.T) {
	for _, tc := range []struct {
		name  string
		after time.Duration
		want  int
	}{
		{"one second before expiry", 7*24*time.Hour - time.Second, http.StatusOK},
		{"at expiry", 7 * 24 * time.Hour, http.StatusBadRequest},
		{"a day after, still in the table", 8 * 24 * time.Hour, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t)
			_, code := hs.create("acme", "source")
			hs.clock.Advance(tc.after)
			r := hs.do("msp", "POST", "/v1/connections/accept", fmt.Sprintf(`{"verificationCode":%q}`, code))
			if r.Status != tc.want {
				t.Fatalf("accept after %v: %d %s", tc.after, r.Status, r.Raw)
			}
			if tc.want != http.StatusOK && r.errCode() != "invalid_code" {
				t.Fatalf("error code %q", r.errCode())
			}
		})
	}
}

func TestFiftyConcurrentAcceptsOneWins(t *testing.T) {
	hs := newHarness(t)
	_, code := hs.create("acme", "source")
	var wg sync.WaitGroup
	statuses := make([]int, 50)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = hs.do(fmt.Sprintf("org-%02d", i), "POST", "/v1/connections/accept", fmt.Sprintf(`{"verificationCode":%q}`, code)).Status
		}()
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		switch s {
		case http.StatusOK:
			ok++
		case http.StatusBadRequest:
		default:
			t.Fatalf("unexpected status %d", s)
		}
	}
	if ok != 1 {
		t.Fatalf("%d accepts succeeded, want exactly 1", ok)
	}
}

func TestNoOracleForBadCodes(t *testing.T) {
	hs := newHarness(t)
	// used
	_, used := hs.create("acme", "source")
	if r := hs.do("msp", "POST", "/v1/connections/accept", fmt.Sprintf(`{"verificationCode":%q}`, used)); r.Status != 200 {
		t.Fatalf("first accept: %s", r.Raw)
	}
	// revoked (cancelled) and replaced
	cancelledID, cancelled := hs.create("acme", "source")
	if r := hs.do("acme", "DELETE", "/v1/connections/"+cancelledID, ""); r.Status != http.StatusNoContent {
		t.Fatalf("cancel: %d %s", r.Status, r.Raw)
	}
	replacedID, replaced := hs.create("acme", "target")
	if r := hs.do("acme", "POST", "/v1/connections/"+replacedID+"/code", ""); r.Status != 200 {
		t.Fatalf("new code: %d %s", r.Status, r.Raw)
	}
	// expired
	_, expired := hs.create("acme", "source")
	hs.clock.Advance(8 * 24 * time.Hour)

	var first string
	for name, code := range map[string]string{"unknown": "ABCD-EFGH-JKMN-PQRS", "used": used, "cancelled": cancelled, "replaced": replaced, "expired": expired, "garbage": "hello"} {
		r := hs.do("other", "POST", "/v1/connections/accept", fmt.Sprintf(`{"verificationCode":%q}`, code))
		if r.Status != http.StatusBadRequest {
			t.Fatalf("%s code: %d %s", name, r.Status, r.Raw)
		}
		if first == "" {
			first = r.Raw
		} else if r.Raw != first {
			t.Fatalf("%s code answers differently:\n%s\n%s", name, r.Raw, first)
		}
	}
}

func TestOwnCodeIsConflict(t *testing.T) {
	hs := newHarness(t)
	_, code := hs.create("acme", "source")
	r := hs.do("acme", "POST", "/v1/connections/accept", fmt.Sprintf(`{"verificationCode":%q}`, code))
	if r.Status != http.StatusConflict || r.errCode() != "own_code" {
		t.Fatalf("own code: %d %s", r.Status, r.Raw)
	}
	// and the code still works for the partner
	if r := hs.do("msp", "POST", "/v1/connections/accept", fmt.Sprintf(`{"verificationCode":%q}`, code)); r.Status != 200 {
		t.Fatalf("partner accept after own attempt: %d %s", r.Status, r.Raw)
	}
}

func TestNewCodeReplacesOld(t *testing.T) {
	hs := newHarness(t)
	id, old := hs.create("acme", "source")
	hs.clock.Advance(6 * 24 * time.Hour)
	r := hs.do("acme", "POST", "/v1/connections/"+id+"/code", "")
	if r.Status != 200 {
		t.Fatalf("new code: %d %s", r.Status, r.Raw)
	}
	fresh := r.Body["verificationCode"].(string)
	if fresh == old {
		t.Fatal("new code equals old")
	}
	if want := hs.clock.Now().Add(7 * 24 * time.Hour).Format(time.RFC3339); r.Body["expiresAt"] != want {
		t.Fatalf("new expiry %v, want %s", r.Body["expiresAt"], want)
	}
	if r := hs.do("msp", "POST", "/v1/connections/accept", fmt.Sprintf(`{"verificationCode":%q}`, old)); r.Status != http.StatusBadRequest {
		t.Fatalf("old code still works: %d", r.Status)
	}
	hs.clock.Advance(3 * 24 * time.Hour) // past the first code's expiry, inside the new one's
	if r := hs.do("msp", "POST", "/v1/connections/accept", fmt.Sprintf(`{"verificationCode":%q}`, fresh)); r.Status != 200 {
		t.Fatalf("new code refused: %d %s", r.Status, r.Raw)
	}
	if r := hs.do("acme", "POST", "/v1/connections/"+id+"/code", ""); r.Status != http.StatusConflict {
		t.Fatalf("new code for an active connection: %d", r.Status)
	}
}

func TestDisconnectEndsForBothSides(t *testing.T) {
	hs := newHarness(t)
	id, code := hs.create("acme", "target")
	hs.do("msp", "POST", "/v1/connections/accept", fmt.Sprintf(`{"verificationCode":%q}`, code))
	if r := hs.do("msp", "DELETE", "/v1/connections/"+id, ""); r.Status != http.StatusNoContent {
		t.Fatalf("disconnect: %d %s", r.Status, r.Raw)
	}
	for _, org := range []string{"acme", "msp"} {
		l := hs.do(org, "GET", "/v1/connections", "")
		if len(listOf(l, "active"))+len(listOf(l, "pending")) != 0 {
			t.Fatalf("%s still lists it: %s", org, l.Raw)
		}
	}
	if r := hs.do("acme", "DELETE", "/v1/connections/"+id, ""); r.Status != http.StatusConflict {
		t.Fatalf("second disconnect: %d", r.Status)
	}
}

func TestCrossOrganisationIsolation(t *testing.T) {
	hs := newHarness(t)
	id, code := hs.create("acme", "source")
	hs.do("msp", "POST", "/v1/connections/accept", fmt.Sprintf(`{"verificationCode":%q}`, code))
	pendingID, _ := hs.create("acme", "source")

	l := hs.do("intruder", "GET", "/v1/connections", "")
	if len(listOf(l, "active"))+len(listOf(l, "pending")) != 0 {
		t.Fatalf("org C sees connections: %s", l.Raw)
	}
	for _, target := range []string{id, pendingID} {
		if r := hs.do("intruder", "DELETE", "/v1/connections/"+target, ""); r.Status != http.StatusNotFound {
			t.Fatalf("org C deleting %s: %d", target, r.Status)
		}
		if r := hs.do("intruder", "POST", "/v1/connections/"+target+"/code", ""); r.Status != http.StatusNotFound {
			t.Fatalf("org C regenerating %s: %d", target, r.Status)
		}
	}
	if a := listOf(hs.do("acme", "GET", "/v1/connections", ""), "active"); len(a) != 1 {
		t.Fatalf("A-B connection damaged: %v", a)
	}
	if r := hs.do("msp", "GET", "/v1/settings/platform", ""); r.Status != http.StatusNotFound {
		t.Fatalf("msp sees settings it never saved: %d", r.Status)
	}
}

func TestFailedAcceptsAreRateLimited(t *testing.T) {
	hs := newHarness(t)
	_, good := hs.create("acme", "source")
	for i := 0; i < connection.MaxFailedAccepts; i++ {
		if r := hs.do("guesser", "POST", "/v1/connections/accept", `{"verificationCode":"ABCD-EFGH-JKMN-PQRS"}`); r.Status != http.StatusBadRequest {
			t.Fatalf("attempt %d: %d", i, r.Status)
		}
	}
	r := hs.do("guesser", "POST", "/v1/connections/accept", fmt.Sprintf(`{"verificationCode":%q}`, good))
	if r.Status != http.StatusTooManyRequests {
		t.Fatalf("after %d failures: %d %s", connection.MaxFailedAccepts, r.Status, r.Raw)
	}
	// Other organisations are unaffected, and the window passes.
	if r := hs.do("honest", "POST", "/v1/connections/accept", `{"verificationCode":"ABCD-EFGH-JKMN-PQRS"}`); r.Status != http.StatusBadRequest {
		t.Fatalf("other org: %d", r.Status)
	}
	hs.clock.Advance(connection.FailureWindow)
	if r := hs.do("guesser", "POST", "/v1/connections/accept", fmt.Sprintf(`{"verificationCode":%q}`, good)); r.Status != http.StatusOK {
		t.Fatalf("after the window: %d %s", r.Status, r.Raw)
	}
}

func TestBadInputIsRefusedAndWritesNothing(t *testing.T) {
	big := `{"role":"source","contractName":"` + strings.Repeat("x", api.MaxBodyBytes) + `"}`
	cases := []struct {
		name, org, method, path, body string
		want                          int
	}{
		{"malformed JSON", "acme", "POST", "/v1/connections", `{"role":"source",`, 400},
		{"not an object", "acme", "POST", "/v1/connections", `"source"`, 400},
		{"unknown field", "acme", "POST", "/v1/connections", `{"role":"source","contractName":"x","orgId":"victim"}`, 400},
		{"trailing data", "acme", "POST", "/v1/connections", `{"role":"source","contractName":"x"} {}`, 400},
		{"body over 64 KiB", "acme", "POST", "/v1/connections", big, 413},
		{"missing contract name", "acme", "POST", "/v1/connections", `{"role":"source"}`, 400},
		{"bad role", "acme", "POST", "/v1/connections", `{"role":"owner","contractName":"x"}`, 400},
		{"empty body", "acme", "POST", "/v1/connections", ``, 400},
		{"missing code", "acme", "POST", "/v1/connections/accept", `{}`, 400},
		{"wrong method", "acme", "PATCH", "/v1/connections", `{}`, 405},
		{"unknown route", "acme", "GET", "/v1/nothing", ``, 404},
		{"no organisation", "", "POST", "/v1/connections", `{"role":"source","contractName":"x"}`, 401},
		{"unknown platform", "acme", "PUT", "/v1/settings/platform", `{"platform":"servicenow","credentials":{"url":"u","secret":"s"}}`, 400},
		{"missing credentials", "acme", "PUT", "/v1/settings/platform", `{"platform":"halo"}`, 400},
		{"invalid credentials", "acme", "PUT", "/v1/settings/platform", `{"platform":"halo","credentials":{"url":"https://x"}}`, 422},
		{"credential not a string", "acme", "PUT", "/v1/settings/platform", `{"platform":"halo","credentials":{"url":"https://x","secret":42}}`, 400},
		{"test before save", "acme", "POST", "/v1/settings/platform/test", ``, 404},
		{"repeated key", "acme", "POST", "/v1/connections", `{"role":"source","contractName":"x","role":"target"}`, 400},
		{"keys differing only in case", "acme", "POST", "/v1/connections", `{"role":"source","contractName":"x","ROLE":"target"}`, 400},
		{"repeated credential key", "acme", "PUT", "/v1/settings/platform", `{"platform":"halo","credentials":{"url":"https://x","secret":"a","Secret":"b"}}`, 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t)
			r := hs.do(tc.org, tc.method, tc.path, tc.body)
			if r.Status != tc.want {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.want, r.Raw)
			}
			if msg, _ := r.Body["error"].(map[string]any)["message"].(string); msg == "" || r.errCode() == "" {
				t.Fatalf("error without code/message: %s", r.Raw)
			}
			if hs.conns.Len() != 0 || hs.accounts.Len() != 0 || hs.secrets.Len() != 0 {
				t.Fatalf("something was written: conns=%d accounts=%d secrets=%d", hs.conns.Len(), hs.accounts.Len(), hs.secrets.Len())
			}
		})
	}
	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "application/jsonp", "multipart/form-data; boundary=x"} {
		t.Run("content type "+strconv.Quote(ct), func(t *testing.T) {
			hs := newHarness(t)
			headers := map[string]string{"authorization": "Bearer dev:acme"}
			if ct != "" {
				headers["content-type"] = ct
			}
			resp, _ := hs.h(context.Background(), events.APIGatewayV2HTTPRequest{
				RawPath: "/v1/connections", Body: `{"role":"source","contractName":"x"}`, Headers: headers,
				RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST"}},
			})
			if resp.StatusCode != http.StatusUnsupportedMediaType || hs.conns.Len() != 0 {
				t.Fatalf("status %d, conns %d", resp.StatusCode, hs.conns.Len())
			}
		})
	}
	t.Run("JSON with a charset is JSON", func(t *testing.T) {
		hs := newHarness(t)
		resp, _ := hs.h(context.Background(), events.APIGatewayV2HTTPRequest{
			RawPath: "/v1/connections", Body: `{"role":"source","contractName":"x"}`,
			Headers:        map[string]string{"content-type": "Application/JSON; charset=utf-8", "authorization": "Bearer dev:acme"},
			RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST"}},
		})
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
		}
	})
}

func TestDevBearerOnlyInLocalMode(t *testing.T) {
	req := events.APIGatewayV2HTTPRequest{Headers: map[string]string{"Authorization": "Bearer dev:acme"}}
	if _, err := (api.Auth{}).Caller(req); err == nil {
		t.Fatal("dev bearer accepted outside local mode")
	}
	c, err := (api.Auth{DevBearer: true}).Caller(req)
	if err != nil || c.OrgID != "acme" {
		t.Fatalf("local mode: %v %v", c, err)
	}
	bad := events.APIGatewayV2HTTPRequest{Headers: map[string]string{"authorization": "Bearer dev:../../etc"}}
	if _, err := (api.Auth{DevBearer: true}).Caller(bad); err == nil {
		t.Fatal("org id with path characters accepted")
	}
}

func TestSecretsNeverLeaveInClear(t *testing.T) {
	hs := newHarness(t)
	const secret = "right-secret-value"
	const wrong = "wrong-secret-value-123"
	r := hs.do("acme", "PUT", "/v1/settings/platform", fmt.Sprintf(`{"platform":"halo","credentials":{"url":"https://acme.halopsa.com","secret":%q}}`, wrong))
	if r.Status != 200 {
		t.Fatalf("save: %d %s", r.Status, r.Raw)
	}
	creds := r.Body["credentials"].(map[string]any)
	if creds["secret"] != "********" || creds["url"] != "https://acme.halopsa.com" {
		t.Fatalf("masked view: %v", creds)
	}
	failed := hs.do("acme", "POST", "/v1/settings/platform/test", "")
	if failed.Status != 200 || failed.Body["status"] != "Test failed" || !strings.Contains(failed.Body["reason"].(string), "Authentication failed") {
		t.Fatalf("test with wrong secret: %s", failed.Raw)
	}
	hs.do("acme", "PUT", "/v1/settings/platform", fmt.Sprintf(`{"platform":"halo","credentials":{"url":"https://acme.halopsa.com","secret":%q}}`, secret))
	ok := hs.do("acme", "POST", "/v1/settings/platform/test", "")
	if ok.Body["status"] != "Connection tested" {
		t.Fatalf("test with right secret: %s", ok.Raw)
	}
	got := hs.do("acme", "GET", "/v1/settings/platform", "")
	last := got.Body["lastTest"].(map[string]any)
	if last["status"] != "Connection tested" || got.Body["platform"] != "halo" {
		t.Fatalf("GET after test: %s", got.Raw)
	}
	raw, err := hs.secrets.GetSecret(context.Background(), "tandem/acme/halo")
	if err != nil || !strings.Contains(string(raw), secret) {
		t.Fatalf("secret store holds %q, %v", raw, err)
	}
	everything := hs.logs.String() + r.Raw + failed.Raw + ok.Raw + got.Raw + hs.accounts.Dump()
	for _, s := range []string{secret, wrong} {
		if strings.Contains(everything, s) {
			t.Fatalf("secret %q leaked into logs, responses or the account table", s)
		}
	}
	if !strings.Contains(hs.logs.String(), `"org_id":"acme"`) {
		t.Fatal("logs carry no org id")
	}
	if r := hs.do("acme", "DELETE", "/v1/settings/platform", ""); r.Status != http.StatusNoContent {
		t.Fatalf("delete: %d", r.Status)
	}
	if hs.secrets.Len() != 0 || hs.accounts.Len() != 0 {
		t.Fatal("delete left credentials behind")
	}
}

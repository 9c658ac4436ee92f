package halosim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/halo/halosim"
)

// token signs user in the way any Halo client does.
func token(t *testing.T, s *halosim.Server, user halosim.APIUser, tenant string) (int, map[string]any) {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {user.ClientID}, "client_secret": {user.ClientSecret}, "scope": {"all"}}
	u := s.URL + "/auth/token"
	if tenant != "" {
		u += "?tenant=" + tenant
	}
	resp, err := http.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

func call(t *testing.T, method, u, tok, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, data
}

func TestTokenEndpoint(t *testing.T) {
	s := halosim.New(t, halosim.Options{Tenant: "acme"})
	cases := []struct {
		name   string
		user   halosim.APIUser
		tenant string
		status int
		errKey string
	}{
		{"integration", halosim.Integration, "acme", 200, ""},
		{"agent", halosim.Agent, "acme", 200, ""},
		{"wrong secret", halosim.APIUser{ClientID: halosim.Agent.ClientID, ClientSecret: "x"}, "acme", 400, "invalid_client"},
		{"missing tenant", halosim.Integration, "", 400, "invalid_request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := token(t, s, tc.user, tc.tenant)
			if status != tc.status {
				t.Fatalf("status %d, want %d (%v)", status, tc.status, body)
			}
			if tc.errKey != "" && body["error"] != tc.errKey {
				t.Fatalf("error %v, want %s", body["error"], tc.errKey)
			}
			if tc.errKey == "" && (body["access_token"] == "" || body["expires_in"] != float64(3600)) {
				t.Fatalf("token answer %v", body)
			}
		})
	}
}

func TestAPIRequiresBearerAndIgnoresPathCase(t *testing.T) {
	s := halosim.New(t, halosim.Options{})
	resp, body := call(t, "GET", s.URL+"/api/Status", "", "")
	if resp.StatusCode != 401 || len(body) != 0 || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Fatalf("unauthenticated: %d %q %q", resp.StatusCode, body, resp.Header.Get("WWW-Authenticate"))
	}
	_, tok := token(t, s, halosim.Integration, "")
	for _, p := range []string{"/api/Status", "/api/status", "/API/STATUS/"} {
		if resp, _ := call(t, "GET", s.URL+p, tok["access_token"].(string), ""); resp.StatusCode != 200 {
			t.Fatalf("%s: %d", p, resp.StatusCode)
		}
	}
	s.RevokeTokens()
	if resp, _ := call(t, "GET", s.URL+"/api/Status", tok["access_token"].(string), ""); resp.StatusCode != 401 {
		t.Fatalf("revoked token answered %d", resp.StatusCode)
	}
}

func TestTicketsPaginateAndRequireArrays(t *testing.T) {
	s := halosim.New(t, halosim.Options{})
	_, tokBody := token(t, s, halosim.Integration, "")
	tok := tokBody["access_token"].(string)
	if resp, body := call(t, "POST", s.URL+"/api/Tickets", tok, `{"summary":"object, not array"}`); resp.StatusCode != 400 || !strings.Contains(string(body), "[0]") {
		t.Fatalf("object body: %d %s", resp.StatusCode, body)
	}
	var items []string
	for i := range 5 {
		items = append(items, fmt.Sprintf(`{"summary":"ticket %d"}`, i))
	}
	if resp, body := call(t, "POST", s.URL+"/api/Tickets", tok, "["+strings.Join(items, ",")+"]"); resp.StatusCode != 200 {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	var page struct {
		PageNo      int `json:"page_no"`
		PageSize    int `json:"page_size"`
		RecordCount int `json:"record_count"`
		Tickets     []halosim.Ticket
	}
	_, body := call(t, "GET", s.URL+"/api/Tickets?pageinate=true&page_size=2&page_no=3", tok, "")
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatal(err)
	}
	if page.PageNo != 3 || page.PageSize != 2 || page.RecordCount != 5 || len(page.Tickets) != 1 || page.Tickets[0].Summary != "ticket 4" {
		t.Fatalf("page = %+v", page)
	}
	if len(s.Tickets()) != 5 {
		t.Fatalf("%d tickets", len(s.Tickets()))
	}
}

func TestLatencyFaultRespectsCancellation(t *testing.T) {
	s := halosim.New(t, halosim.Options{})
	s.InjectFault(halosim.Fault{Latency: time.Minute, Count: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+"/api/instanceinfo", nil)
	start := time.Now()
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("request did not time out")
	}
	if time.Since(start) > 10*time.Second {
		t.Fatal("latency fault ignored cancellation")
	}
	s.ClearFaults()
	if resp, _ := call(t, "GET", s.URL+"/api/instanceinfo", "", ""); resp.StatusCode != 200 {
		t.Fatalf("after ClearFaults: %d", resp.StatusCode)
	}
}

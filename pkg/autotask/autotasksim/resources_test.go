package autotasksim

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func items(t *testing.T, body map[string]any) []map[string]any {
	t.Helper()
	raw, ok := body["items"].([]any)
	if !ok {
		t.Fatalf("no items in %v", body)
	}
	out := make([]map[string]any, 0, len(raw))
	for _, it := range raw {
		out = append(out, it.(map[string]any))
	}
	return out
}

func TestResourcesQueryByUserName(t *testing.T) {
	s := New(t, Options{})
	for _, u := range []User{s.Integration, s.Agent} {
		// Autotask compares strings case-insensitively.
		q := `{"filter":[{"op":"eq","field":"userName","value":"` + strings.ToUpper(u.Username) + `"}]}`
		status, _, body := do(t, s, s.Integration, http.MethodPost, "/ATServicesRest/V1.0/Resources/query", q)
		if status != http.StatusOK {
			t.Fatalf("query %s: %d %v", u.Username, status, body)
		}
		got := items(t, body)
		if len(got) != 1 || got[0]["id"] != float64(u.ResourceID) || got[0]["userName"] != u.Username ||
			got[0]["firstName"] != u.FirstName || got[0]["lastName"] != u.LastName || got[0]["email"] != u.Email || got[0]["isActive"] != true {
			t.Errorf("query %s = %v", u.Username, got)
		}
		// The same query as GET ?search=.
		status, _, body = do(t, s, s.Agent, http.MethodGet, "/ATServicesRest/V1.0/Resources/query?search="+url.QueryEscape(q), "")
		if got := items(t, body); status != http.StatusOK || len(got) != 1 || got[0]["id"] != float64(u.ResourceID) {
			t.Errorf("GET query %s: %d %v", u.Username, status, body)
		}
	}

	status, _, body := do(t, s, s.Integration, http.MethodPost, "/ATServicesRest/V1.0/Resources/query",
		`{"filter":[{"op":"eq","field":"userName","value":"nobody@example.com"}]}`)
	if got := items(t, body); status != http.StatusOK || len(got) != 0 {
		t.Errorf("unknown user: %d %v", status, body)
	}
	status, _, body = do(t, s, s.Integration, http.MethodPost, "/ATServicesRest/V1.0/Resources/query",
		`{"filter":[{"op":"or","items":[{"op":"beginsWith","field":"lastName","value":"mar"},{"op":"eq","field":"id","value":"`+itoa(s.Integration.ResourceID)+`"}]}]}`)
	if got := items(t, body); status != http.StatusOK || len(got) != 2 {
		t.Errorf("or query: %d %v", status, body)
	}
	status, _, body = do(t, s, s.Integration, http.MethodPost, "/ATServicesRest/V1.0/Resources/query",
		`{"filter":[{"op":"eq","field":"loginName","value":"x"}]}`)
	if status != http.StatusInternalServerError || !strings.Contains(toJSON(body), "loginName") {
		t.Errorf("unknown field: %d %v", status, body)
	}
	status, _, _ = do(t, s, s.Integration, http.MethodPost, "/ATServicesRest/V1.0/Resources/query", `{}`)
	if status != http.StatusBadRequest {
		t.Errorf("no filter: %d", status)
	}
}

func TestResourcesQueryPages(t *testing.T) {
	s := New(t, Options{PageSize: 1})
	status, _, body := do(t, s, s.Integration, http.MethodPost, "/ATServicesRest/V1.0/Resources/query", `{"filter":[{"op":"exist","field":"id"}]}`)
	first := items(t, body)
	next, _ := body["pageDetails"].(map[string]any)["nextPageUrl"].(string)
	if status != http.StatusOK || len(first) != 1 || !strings.Contains(next, "/Resources/query/next?") {
		t.Fatalf("first page: %d %v", status, body)
	}
	// A resources token is not a notes token.
	bad := strings.Replace(next, "/Resources/", "/TicketNotes/", 1)
	if status, _, _ := do(t, s, s.Integration, http.MethodGet, strings.TrimPrefix(bad, s.URL), ""); status != http.StatusBadRequest {
		t.Errorf("token replayed on notes: %d", status)
	}
	status, _, body = do(t, s, s.Integration, http.MethodGet, strings.TrimPrefix(next, s.URL), "")
	second := items(t, body)
	if status != http.StatusOK || len(second) != 1 || second[0]["id"] == first[0]["id"] || body["pageDetails"].(map[string]any)["nextPageUrl"] != nil {
		t.Errorf("second page: %d %v", status, body)
	}
}

func TestGetResource(t *testing.T) {
	s := New(t, Options{})
	status, _, body := do(t, s, s.Agent, http.MethodGet, "/ATServicesRest/V1.0/Resources/"+itoa(s.Agent.ResourceID), "")
	if item, ok := body["item"].(map[string]any); status != http.StatusOK || !ok || item["userName"] != s.Agent.Username || item["firstName"] != s.Agent.FirstName {
		t.Errorf("agent: %d %v", status, body)
	}
	status, _, body = do(t, s, s.Agent, http.MethodGet, "/ATServicesRest/V1.0/Resources/1", "")
	if item, present := body["item"]; status != http.StatusOK || !present || item != nil {
		t.Errorf("missing resource: %d %v", status, body)
	}
}

func TestStartAndCloseOutsideTests(t *testing.T) {
	s := Start(Options{})
	// A slow receiver: Close must still wait for the callout already queued.
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(50 * time.Millisecond)
		w.WriteHeader(http.StatusOK)
	}))
	defer rcv.Close()
	status, _, body := do(t, s, s.Integration, http.MethodPost, "/ATServicesRest/V1.0/TicketWebhooks",
		`{"name":"t","webhookUrl":"`+rcv.URL+`","deactivationUrl":"`+rcv.URL+`","secretKey":"k","isActive":true,"isSubscribedToCreateEvents":true}`)
	if status != http.StatusOK {
		t.Fatalf("create webhook: %d %v", status, body)
	}
	hook := itoa(int64(body["itemId"].(float64)))
	if status, _, body := do(t, s, s.Integration, http.MethodPost, "/ATServicesRest/V1.0/TicketWebhooks/"+hook+"/Fields",
		`{"fieldID":1,"isSubscribedField":true}`); status != http.StatusOK {
		t.Fatalf("add field: %d %v", status, body)
	}
	if status, _, body := do(t, s, s.Agent, http.MethodPost, "/ATServicesRest/V1.0/Tickets",
		`{"companyID":0,"title":"From the agent","status":1,"priority":2,"dueDateTime":"2026-12-01T00:00:00Z"}`); status != http.StatusOK {
		t.Fatalf("create ticket: %d %v", status, body)
	}
	if h := s.Handler(); h == nil {
		t.Fatal("Handler() = nil")
	}
	s.Close()
	if d := s.Deliveries(); len(d) != 1 || d[0].Status != http.StatusOK || !strings.Contains(string(d[0].Body), `"PersonID":`+itoa(s.Agent.ResourceID)) {
		t.Errorf("deliveries after Close = %+v", d)
	}
	s.Close() // a second Close does nothing
	if resp, err := http.Get(s.URL + "/ATServicesRest/V1.0/ZoneInformation?user=x"); err == nil {
		resp.Body.Close()
		t.Error("the simulator still answers after Close")
	}
}

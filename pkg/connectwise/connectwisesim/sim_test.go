package connectwisesim

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// call sends one raw request as member m (nil: no credentials).
func call(t *testing.T, s *Server, m *Member, method, path, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("clientId", s.ClientID)
	req.Header.Set("Content-Type", "application/json")
	if m != nil {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(s.CompanyID+"+"+m.PublicKey+":"+m.PrivateKey)))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestVendorShapes(t *testing.T) {
	s := New(t)
	wrong := s.Integration
	wrong.PrivateKey = "nope"
	cases := []struct {
		name     string
		member   *Member
		method   string
		path     string
		body     string
		status   int
		contains string
	}{
		{"company info", nil, "GET", "/login/companyinfo/" + strings.ToUpper(s.CompanyID), "", 200, `"Codebase":"v4_6_release/"`},
		{"unknown company", nil, "GET", "/login/companyinfo/other", "", 200, `"Codebase":null`},
		{"no credentials", nil, "GET", APIPath + "/service/boards", "", 401, `"code":"Unauthorized"`},
		{"wrong private key", &wrong, "GET", APIPath + "/service/boards", "", 401, `"code":"Unauthorized"`},
		{"unknown endpoint", &s.Integration, "GET", APIPath + "/service/nothing", "", 404, `{"code":"ConnectWiseApi","message":"The endpoint does not exist."}`},
		{"wrong method", &s.Integration, "DELETE", APIPath + "/service/boards", "", 405, `MethodNotAllowed`},
		{"missing ticket", &s.Integration, "GET", APIPath + "/service/tickets/77", "", 404, `Ticket ID 77 not found`},
		{"invalid ticket", &s.Integration, "POST", APIPath + "/service/tickets", `{"summary":""}`, 400, `"field":"company"`},
		{"bad condition", &s.Integration, "GET", APIPath + "/service/boards?conditions=name%20contains%20x", "", 400, `InvalidCondition`},
		{"bad callback level", &s.Integration, "POST", APIPath + "/system/callbacks", `{"url":"https://x.example/h","type":"ticket","level":"everything"}`, 400, `callbackEntry object is invalid`},
		{"paths are case-insensitive", &s.Agent, "GET", APIPath + "/Service/Priorities?pageSize=1", "", 200, `Priority 1`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := call(t, s, c.member, c.method, c.path, c.body)
			if resp.StatusCode != c.status || !strings.Contains(body, c.contains) {
				t.Fatalf("%d %s, want %d containing %s", resp.StatusCode, body, c.status, c.contains)
			}
		})
	}
}

func TestListQueries(t *testing.T) {
	s := New(t)
	cases := []struct {
		query string
		ids   string
		next  bool
	}{
		{"", "1,2,3,4,5,6,7,8,9,10,11,12", false},
		{"?pageSize=5", "1,2,3,4,5,7,8,9,10,11,12", true},
		{"?pageSize=5&page=2", "6", false},
		{"?conditions=" + urlq(`closedStatus=true AND name like "%clos%"`), "5,12", false},
		{"?conditions=" + urlq(`board/id=2 OR id<=1`) + "&orderBy=" + urlq("id desc"), "1,10,9,8,7", false},
		{"?conditions=" + urlq(`inactive=true`), "10", false},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			var all []string
			for _, b := range []string{"1", "2", "3"} {
				resp, body := call(t, s, &s.Integration, "GET", APIPath+"/service/boards/"+b+"/statuses"+c.query, "")
				var rows []struct{ ID json.Number }
				if err := json.Unmarshal([]byte(body), &rows); err != nil {
					t.Fatalf("%d %s", resp.StatusCode, body)
				}
				for _, r := range rows {
					all = append(all, r.ID.String())
				}
				if b == "1" && strings.Contains(resp.Header.Get("Link"), `rel="next"`) != c.next {
					t.Fatalf("Link = %q", resp.Header.Get("Link"))
				}
			}
			if got := strings.Join(all, ","); got != c.ids {
				t.Fatalf("ids = %s, want %s", got, c.ids)
			}
		})
	}
}

func urlq(s string) string {
	return strings.NewReplacer(" ", "%20", `"`, "%22", "%", "%25", "<", "%3C", "=", "%3D").Replace(s)
}

func TestFaultsAreDeterministic(t *testing.T) {
	run := func() string {
		s := NewServer(Options{Seed: 42})
		defer s.Close()
		s.FailFraction(0.3, Fault{Status: http.StatusServiceUnavailable, RetryAfter: 2 * time.Second})
		var pattern strings.Builder
		for range 30 {
			resp, _ := call(t, s, &s.Integration, "GET", APIPath+"/system/info", "")
			if resp.StatusCode == http.StatusServiceUnavailable {
				if resp.Header.Get("Retry-After") != "2" {
					t.Fatalf("Retry-After = %q", resp.Header.Get("Retry-After"))
				}
				pattern.WriteByte('x')
			} else {
				pattern.WriteByte('.')
			}
		}
		return pattern.String()
	}
	a, b := run(), run()
	if a != b || !strings.Contains(a, "x") || !strings.Contains(a, ".") {
		t.Fatalf("fault patterns %s / %s", a, b)
	}

	s := New(t)
	s.FailNext(1, Fault{Latency: 20 * time.Millisecond})
	start := time.Now()
	if resp, _ := call(t, s, &s.Integration, "GET", APIPath+"/system/info", ""); resp.StatusCode != 200 || time.Since(start) < 20*time.Millisecond {
		t.Fatalf("latency fault: %d after %v", resp.StatusCode, time.Since(start))
	}
	s.FailNext(5, Fault{Status: 500})
	s.ClearFaults()
	if resp, _ := call(t, s, &s.Integration, "GET", APIPath+"/system/info", ""); resp.StatusCode != 200 {
		t.Fatalf("after ClearFaults: %d", resp.StatusCode)
	}
}

// Registration refuses what ConnectWise refuses: missing required fields, an
// invalid URL or level, and a second matching entry.
func TestCallbackRegistrationRules(t *testing.T) {
	s := New(t)
	const ok = `{"url":"https://hooks.example/cw?recordId=","objectId":0,"type":"ticket","level":"owner","payloadVersion":"3.0.0","description":"Tandem"}`
	cases := []struct {
		name, body string
		status     int
		contains   []string
	}{
		{"missing objectId", `{"url":"https://hooks.example/a","type":"ticket","level":"owner"}`, 400, []string{`"code":"NullValue"`, `"field":"objectId"`}},
		{"missing url, type and level", `{"objectId":1}`, 400, []string{`"field":"url"`, `"field":"type"`, `"field":"level"`}},
		{"null level", `{"url":"https://hooks.example/a","objectId":1,"type":"ticket","level":null}`, 400, []string{`"field":"level"`}},
		{"invalid URL", `{"url":"hooks","objectId":1,"type":"ticket","level":"owner"}`, 400, []string{`"message":"Invalid URL"`}},
		{"description over 100", `{"url":"https://hooks.example/a","objectId":1,"type":"ticket","level":"owner","description":"` + strings.Repeat("d", 101) + `"}`, 400, []string{`"field":"description"`}},
		{"valid", ok, 201, []string{`"objectId":1`, `"payloadVersion":"3.0.0"`, `"url":"https://hooks.example/cw?recordId="`}},
		{"the same entry again", ok, 400, []string{`"code":"ObjectExists"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := call(t, s, &s.Integration, "POST", APIPath+"/system/callbacks", c.body)
			if resp.StatusCode != c.status {
				t.Fatalf("%d %s, want %d", resp.StatusCode, body, c.status)
			}
			for _, want := range c.contains {
				if !strings.Contains(body, want) {
					t.Fatalf("%s lacks %s", body, want)
				}
			}
		})
	}
	if n := len(s.Callbacks()); n != 1 {
		t.Fatalf("%d callbacks registered, want 1", n)
	}
}

// ConnectWise appends the record id to the registered URL as raw text: a
// URL ending in ?recordId= gets it as a parameter, a bare one gets it glued
// onto the path.
func TestCallbacksAppendTheRecordID(t *testing.T) {
	s := New(t)
	got := make(chan string, 8)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.URL.RequestURI()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(rcv.Close)
	base := rcv.URL
	s.AddCallback(s.Agent, base+"/hooks/ep-1?recordId=", "ticket", "owner")
	s.AddCallback(s.Agent, base+"/hooks/ep-2", "ticket", "owner")
	s.AddCallback(s.Agent, base+"/hooks/contacts?recordId=", "contact", "owner")
	resp, body := call(t, s, &s.Integration, "POST", APIPath+"/service/tickets", `{"summary":"Printer","board":{"id":1},"company":{"id":250}}`)
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	var tk struct{ ID int64 }
	_ = json.Unmarshal([]byte(body), &tk)
	s.UpdateContact(s.Agent, 57961, "Xzavier")
	ds := s.Flush()
	want := map[string]bool{
		"/hooks/ep-1?recordId=" + strconv.FormatInt(tk.ID, 10): true,
		"/hooks/ep-2" + strconv.FormatInt(tk.ID, 10):           true,
		"/hooks/contacts?recordId=57961":                       true,
	}
	if len(ds) != len(want) {
		t.Fatalf("%d deliveries, want %d: %+v", len(ds), len(want), ds)
	}
	for range ds {
		u := <-got
		if !want[u] {
			t.Errorf("delivered to %s, want one of %v", u, want)
		}
		delete(want, u)
	}
	for _, d := range ds {
		var body struct{ Type string }
		_ = json.Unmarshal(d.Body, &body)
		if strings.Contains(d.URL, "contacts") != (body.Type == "contact") {
			t.Errorf("delivery %s carries Type %q", d.URL, body.Type)
		}
	}
}

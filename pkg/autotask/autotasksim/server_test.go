package autotasksim

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// These tests speak raw HTTP, so they check the simulator against the
// vendor's wire format rather than against Tandem's client.

func do(t *testing.T, s *Server, u User, method, path, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("ApiIntegrationCode", u.IntegrationCode)
	req.Header.Set("UserName", u.Username)
	req.Header.Set("Secret", u.Secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(data, &out)
	return resp.StatusCode, resp.Header, out
}

func TestAuthenticationAnswers(t *testing.T) {
	s := New(t, Options{})
	wrongSecret, unknownUser, wrongCode := s.Integration, s.Integration, s.Integration
	wrongSecret.Secret = "nope"
	unknownUser.Username = "someone@example.com"
	wrongCode.IntegrationCode = "NOPE"
	tests := []struct {
		name string
		u    User
		want int
	}{
		{"valid", s.Integration, http.StatusOK},
		{"agent", s.Agent, http.StatusOK},
		{"wrong secret", wrongSecret, http.StatusUnauthorized},
		{"unknown username", unknownUser, http.StatusInternalServerError},
		{"wrong tracking identifier", wrongCode, http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := do(t, s, tt.u, http.MethodGet, "/ATServicesRest/V1.0/Tickets/entityInformation", "")
			if status != tt.want {
				t.Fatalf("status = %d, want %d", status, tt.want)
			}
			if status != http.StatusOK {
				if errs, ok := body["errors"].([]any); !ok || len(errs) == 0 {
					t.Errorf("error body = %v, want {\"errors\":[...]}", body)
				}
			}
		})
	}
}

func TestPathsAreCaseInsensitiveAndMissingItemsAreNull(t *testing.T) {
	s := New(t, Options{})
	id := s.SeedTicket("Seeded", 1, 2)
	status, _, body := do(t, s, s.Integration, http.MethodGet, "/atservicesrest/v1.0/tickets/"+itoa(id), "")
	if item, ok := body["item"].(map[string]any); status != http.StatusOK || !ok || item["title"] != "Seeded" {
		t.Fatalf("status %d body %v", status, body)
	}
	status, _, body = do(t, s, s.Integration, http.MethodGet, "/ATServicesRest/V1.0/Tickets/99999999", "")
	if item, present := body["item"]; status != http.StatusOK || !present || item != nil {
		t.Errorf("missing ticket: status %d body %v", status, body)
	}
	status, _, _ = do(t, s, s.Integration, http.MethodGet, "/somewhere/else", "")
	if status != http.StatusNotFound {
		t.Errorf("unknown root status = %d", status)
	}
}

func TestCreateAnswersItemIDAndValidates(t *testing.T) {
	s := New(t, Options{})
	status, _, body := do(t, s, s.Agent, http.MethodPost, "/ATServicesRest/V1.0/Tickets",
		`{"CompanyID":0,"Title":"Case-insensitive keys","Status":"1","Priority":2,"DueDateTime":"2026-12-01T00:00:00Z"}`)
	if status != http.StatusOK || body["itemId"] == nil {
		t.Fatalf("create: %d %v", status, body)
	}
	status, _, body = do(t, s, s.Agent, http.MethodPost, "/ATServicesRest/V1.0/Tickets",
		`{"companyID":0,"title":"x","status":1,"priority":77,"dueDateTime":"2026-12-01T00:00:00Z"}`)
	if status != http.StatusInternalServerError || !strings.Contains(toJSON(body), "priority") {
		t.Errorf("bad priority: %d %v", status, body)
	}
}

func TestFailFractionIsSeeded(t *testing.T) {
	run := func() []int {
		s := New(t, Options{Seed: 42})
		s.FailFraction(0.5, Fault{Status: http.StatusTooManyRequests, RetryAfter: 2 * time.Second})
		var got []int
		for range 20 {
			status, h, _ := do(t, s, s.Integration, http.MethodGet, "/ATServicesRest/V1.0/Tickets/entityInformation", "")
			if status == http.StatusTooManyRequests && h.Get("Retry-After") != "2" {
				t.Errorf("Retry-After = %q", h.Get("Retry-After"))
			}
			got = append(got, status)
		}
		return got
	}
	a, b := run(), run()
	failed := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("runs differ at %d: %v vs %v", i, a, b)
		}
		if a[i] == http.StatusTooManyRequests {
			failed++
		}
	}
	if failed == 0 || failed == len(a) {
		t.Errorf("%d of %d failed; want some but not all", failed, len(a))
	}
}

func TestSignMatchesAutotaskExample(t *testing.T) {
	// Shape from SecretKeyPayloadVerification.htm: "sha1=" + 28 base64 chars.
	sig := Sign("key", []byte(`{"Id":1}`))
	if !strings.HasPrefix(sig, "sha1=") || len(sig) != len("sha1=UaDXFl2DRDu9dnINVkFle7y5uAE=") {
		t.Errorf("signature %q", sig)
	}
}

func TestAutotaskEscape(t *testing.T) {
	got := string(autotaskEscape([]byte(`{"a":"R&D \"q\" é😀 +","n":1e+5}`)))
	want := `{"a":"R\u0026D \u0022q\u0022 \u00E9\uD83D\uDE00 \u002B","n":1e+5}`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

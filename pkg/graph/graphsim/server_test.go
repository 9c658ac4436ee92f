package graphsim_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/graph/graphsim"
)

// These tests speak raw HTTP, to pin the simulator to Graph's documented
// shapes independently of Tandem's client.

func token(t *testing.T, sim *graphsim.Server, a graphsim.Account) string {
	t.Helper()
	resp, err := http.PostForm(sim.URL+"/"+sim.TenantID+"/oauth2/v2.0/token", url.Values{
		"client_id": {a.ClientID}, "client_secret": {a.ClientSecret},
		"scope": {"https://graph.microsoft.com/.default"}, "grant_type": {"client_credentials"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tr struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil || resp.StatusCode != 200 || tr.TokenType != "Bearer" || tr.ExpiresIn <= 0 {
		t.Fatalf("token: %d %+v %v", resp.StatusCode, tr, err)
	}
	return tr.AccessToken
}

func call(t *testing.T, method, u, tok string, body any) (*http.Response, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, u, rd)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp, out
}

func errorCode(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func TestTokenErrors(t *testing.T) {
	sim := graphsim.New(t)
	tests := []struct {
		name   string
		tenant string
		form   url.Values
		status int
		code   float64
	}{
		{"wrong secret", sim.TenantID, url.Values{"client_id": {sim.Integration.ClientID}, "client_secret": {"x"}}, 401, 7000215},
		{"unknown app", sim.TenantID, url.Values{"client_id": {"nope"}, "client_secret": {"x"}}, 400, 700016},
		{"unknown tenant", "fabrikam.example", url.Values{"client_id": {sim.Integration.ClientID}, "client_secret": {"x"}}, 400, 90002},
		{"wrong grant", sim.TenantID, url.Values{"grant_type": {"password"}}, 400, 70003},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.form.Get("grant_type") == "" {
				tt.form.Set("grant_type", "client_credentials")
			}
			tt.form.Set("scope", "https://graph.microsoft.com/.default")
			resp, err := http.PostForm(sim.URL+"/"+tt.tenant+"/oauth2/v2.0/token", tt.form)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out struct {
				Error       string    `json:"error"`
				Description string    `json:"error_description"`
				Codes       []float64 `json:"error_codes"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&out)
			if resp.StatusCode != tt.status || len(out.Codes) != 1 || out.Codes[0] != tt.code || !strings.HasPrefix(out.Description, "AADSTS") {
				t.Fatalf("%d %+v", resp.StatusCode, out)
			}
		})
	}
}

func TestGraphErrorsAndPaging(t *testing.T) {
	sim := graphsim.New(t)
	base := sim.GraphURL + "/users/" + sim.Integration.Mailbox

	resp, out := call(t, "GET", base+"/messages", "", nil)
	if resp.StatusCode != 401 || errorCode(out) != "InvalidAuthenticationToken" {
		t.Fatalf("no token: %d %v", resp.StatusCode, out)
	}
	tok := token(t, sim, sim.Integration)
	resp, out = call(t, "GET", sim.GraphURL+"/users/ghost@contoso.example/messages", tok, nil)
	if resp.StatusCode != 404 || errorCode(out) != "ErrorInvalidUser" {
		t.Fatalf("unknown user: %d %v", resp.StatusCode, out)
	}
	for range 2 {
		if r, _ := call(t, "POST", base+"/sendMail", tok, map[string]any{"message": map[string]any{
			"subject": "hello", "body": map[string]string{"contentType": "text", "content": "x"},
			"toRecipients": []any{map[string]any{"emailAddress": map[string]string{"address": "alex@contoso.example"}}},
		}}); r.StatusCode != 202 {
			t.Fatalf("sendMail: %d", r.StatusCode)
		}
	}
	seen := 0
	next := base + "/messages?$top=1&$select=subject"
	for next != "" {
		resp, out = call(t, "GET", next, tok, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("page: %d %v", resp.StatusCode, out)
		}
		vals := out["value"].([]any)
		seen += len(vals)
		if m := vals[0].(map[string]any); m["body"] != nil || m["id"] == nil {
			t.Fatalf("$select ignored: %v", m)
		}
		next, _ = out["@odata.nextLink"].(string)
	}
	if seen != 3 { // the seeded request and two sent items
		t.Fatalf("paged through %d messages, want 3", seen)
	}
	sim.FailNext(1, graphsim.Fault{Status: 429, RetryAfter: 1500 * time.Millisecond})
	resp, out = call(t, "GET", base+"/messages", tok, nil)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" || errorCode(out) == "" {
		t.Fatalf("fault: %d %q %v", resp.StatusCode, resp.Header.Get("Retry-After"), out)
	}
}

func TestSubscriptionRules(t *testing.T) {
	sim := graphsim.New(t)
	tok := token(t, sim, sim.Integration)
	sub := func(notify string, lifetime time.Duration) map[string]any {
		return map[string]any{
			"changeType": "created", "notificationUrl": notify,
			"resource":           "/users/" + sim.Integration.Mailbox + "/mailFolders('inbox')/messages",
			"expirationDateTime": time.Now().Add(lifetime).UTC().Format(time.RFC3339), "clientState": "s",
		}
	}
	tests := []struct {
		name string
		body map[string]any
	}{
		{"beyond 4230 minutes", sub("https://hooks.example.com/", graphsim.MaxLifetime+time.Hour)},
		{"plain http to a public host", sub("http://hooks.example.com/", time.Hour)},
		{"unreachable endpoint", sub("http://127.0.0.1:1/", time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, out := call(t, "POST", sim.GraphURL+"/subscriptions", tok, tt.body)
			if resp.StatusCode != 400 || errorCode(out) != "InvalidRequest" {
				t.Fatalf("%d %v", resp.StatusCode, out)
			}
		})
	}
}

func TestUploadURLRefusesAuthorization(t *testing.T) {
	sim := graphsim.New(t)
	tok := token(t, sim, sim.Integration)
	id := sim.Messages(sim.Integration.Mailbox)[0].ID
	resp, out := call(t, "POST", sim.GraphURL+"/users/"+sim.Integration.Mailbox+"/messages/"+id+"/attachments/createUploadSession", tok,
		map[string]any{"AttachmentItem": map[string]any{"attachmentType": "file", "name": "big.bin", "size": 4 << 20}})
	if resp.StatusCode != 201 {
		t.Fatalf("createUploadSession: %d %v", resp.StatusCode, out)
	}
	// The upload URL is on a host of its own, as Outlook's are: another host
	// name, since clients attach tokens by host name.
	gu, _ := url.Parse(sim.URL)
	uu, _ := url.Parse(sim.UploadURL)
	if u := out["uploadUrl"].(string); gu.Hostname() == uu.Hostname() || !strings.HasPrefix(u, sim.UploadURL+"/") {
		t.Fatalf("upload URL %s, want one on the upload host %s (Graph is %s)", u, sim.UploadURL, sim.URL)
	}
	req, _ := http.NewRequest("PUT", out["uploadUrl"].(string), bytes.NewReader(make([]byte, 10)))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Range", "bytes 0-9/4194304")
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 401 {
		t.Fatalf("PUT with Authorization: %d", r.StatusCode)
	}
	resp, out = call(t, "POST", sim.GraphURL+"/users/"+sim.Integration.Mailbox+"/messages/"+id+"/attachments/createUploadSession", tok,
		map[string]any{"AttachmentItem": map[string]any{"attachmentType": "file", "name": "small.bin", "size": 1024}})
	if resp.StatusCode != 400 || errorCode(out) != "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize" {
		t.Fatalf("small upload session: %d %v", resp.StatusCode, out)
	}
}

// Graph validates the notification URL, and the lifecycle URL when set,
// while POST /subscriptions is in flight, and creates nothing unless each
// answers 200 with the decoded token as text/plain within the time limit.
func TestSubscriptionValidation(t *testing.T) {
	sim := graphsim.Start(graphsim.Options{Seed: 1, ValidationTimeout: 300 * time.Millisecond})
	t.Cleanup(sim.Close)
	tok := token(t, sim, sim.Integration)
	seen := make(chan string, 16)
	rcv := httptestServer(t, func(w http.ResponseWriter, r *http.Request) {
		token := r.URL.Query().Get("validationToken")
		seen <- r.URL.Path + " " + r.Header.Get("Content-Type") + " " + token
		if n := len(sim.Subscriptions()); n != 0 {
			t.Errorf("the subscription exists (%d) before its validation was answered", n)
		}
		switch r.URL.Path {
		case "/ok":
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = io.WriteString(w, token)
		case "/json":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, token)
		case "/wrong":
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, url.QueryEscape(token)) // still encoded
		case "/slow":
			time.Sleep(time.Second)
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, token)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	})
	sub := func(notify, lifecycle string) map[string]any {
		b := map[string]any{
			"changeType": "created", "notificationUrl": rcv + notify,
			"resource":           "/users/" + sim.Integration.Mailbox + "/mailFolders('inbox')/messages",
			"expirationDateTime": time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "clientState": "s",
		}
		if lifecycle != "" {
			b["lifecycleNotificationUrl"] = rcv + lifecycle
		}
		return b
	}
	for _, tc := range []struct {
		name, notify, lifecycle, message string
	}{
		{"unknown endpoint", "/missing", "", "must respond with 200 OK"},
		{"not text/plain", "/json", "", "plain text"},
		{"token still URL-encoded", "/wrong", "", "exactly match validationToken"},
		{"too slow", "/slow", "", "timed out"},
		{"lifecycle URL fails", "/ok", "/missing", "must respond with 200 OK"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, out := call(t, "POST", sim.GraphURL+"/subscriptions", tok, sub(tc.notify, tc.lifecycle))
			e, _ := out["error"].(map[string]any)
			msg, _ := e["message"].(string)
			if resp.StatusCode != 400 || errorCode(out) != "InvalidRequest" || !strings.Contains(msg, tc.message) {
				t.Fatalf("%d %v, want 400 InvalidRequest mentioning %q", resp.StatusCode, out, tc.message)
			}
		})
	}
	for len(seen) > 0 {
		<-seen
	}
	resp, out := call(t, "POST", sim.GraphURL+"/subscriptions", tok, sub("/ok", "/ok"))
	if resp.StatusCode != 201 || len(sim.Subscriptions()) != 1 {
		t.Fatalf("valid endpoints: %d %v", resp.StatusCode, out)
	}
	if n := len(seen); n != 2 {
		t.Fatalf("%d validation requests for a subscription with a lifecycle URL, want 2", n)
	}
	for range 2 {
		if got := <-seen; !strings.HasPrefix(got, "/ok text/plain") || !strings.Contains(got, " Validation: ") {
			t.Fatalf("validation request %q: want POST with text/plain and the decoded token", got)
		}
	}
}

func httptestServer(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

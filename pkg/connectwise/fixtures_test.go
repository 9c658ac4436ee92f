package connectwise

// The decoders and the callback parser against real vendor bodies kept in
// testdata (each with a .src note saying where it came from). The client is
// pointed at an httptest server that answers at ConnectWise's own paths, so
// codebase discovery, URL building, headers and decoding all run.

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/vendorfixture"
)

const (
	fixtureCompany = "fixtureco"
	fixtureAPI     = "/v4_6_release/apis/3.0"
)

type fixtureAnswer struct {
	status int
	body   []byte
}

// fixtureSite answers ConnectWise's company lookup and "METHOD /path" routes
// with fixtures; any other request fails the test.
type fixtureSite struct {
	srv     *httptest.Server
	mu      sync.Mutex
	queries map[string]string // raw query by route
}

func newFixtureSite(t *testing.T, routes map[string]fixtureAnswer) *fixtureSite {
	t.Helper()
	fs := &fixtureSite{queries: map[string]string{}}
	fs.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.URL.Path == "/login/companyinfo/"+fixtureCompany {
			// The shape djconnectwise's API_COMPANY_INFO fixture records.
			_, _ = w.Write([]byte(`{"CompanyName":"fixtureco","Codebase":"v4_6_release/","VersionCode":"v2025.1","CompanyID":"fixtureco","IsCloud":true}`))
			return
		}
		key := r.Method + " " + r.URL.Path
		fs.mu.Lock()
		fs.queries[key] = r.URL.RawQuery
		fs.mu.Unlock()
		a, ok := routes[key]
		if !ok {
			t.Errorf("unexpected request %s", key)
			http.NotFound(w, r)
			return
		}
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Basic ") || r.Header.Get("clientId") == "" {
			t.Errorf("%s sent without ConnectWise's Basic auth and clientId headers", key)
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(a.status)
		_, _ = w.Write(a.body)
	}))
	t.Cleanup(fs.srv.Close)
	return fs
}

func (fs *fixtureSite) client(t *testing.T) *Client {
	t.Helper()
	creds, err := ParseCredentials(platform.Credentials{
		"site": fs.srv.URL, "companyId": fixtureCompany, "publicKey": "FixturePublicKey01",
		"privateKey": "FixturePrivateKey02", "clientId": "6a1f3b2c-4d5e-4f60-8a7b-9c0d1e2f3a4b",
	}, true)
	if err != nil {
		t.Fatalf("ParseCredentials: %v", err)
	}
	fast := egress.New(egress.Options{AllowPrivate: true, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond})
	return New(creds, Options{AllowPrivate: true, HTTP: fast, Company: "250"})
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	return vendorfixture.Read(t, "testdata/"+name)
}

func TestFixtureGetTicket(t *testing.T) {
	fs := newFixtureSite(t, map[string]fixtureAnswer{
		"GET " + fixtureAPI + "/service/tickets/200": {200, fixture(t, "ticket-get.json")},
	})
	got, err := fs.client(t).GetTicket(testCtx(t), "200")
	if err != nil {
		t.Fatalf("GetTicket: %v", err)
	}
	start, due := vendorfixture.Time(t, "2022-09-01T00:00:00Z"), vendorfixture.Time(t, "2022-09-30T00:00:00Z")
	want := platform.Ticket{
		ID: "200", Number: "200", Summary: "test", Status: "550", Priority: "8", Type: "248", Category: "701",
		Queue: "30", StartDate: &start, TargetDate: &due, UpdatedAt: vendorfixture.Time(t, "2022-09-02T08:29:34Z"),
		Contact: "Test Contact", AccountName: "Example Company",
		// The three custom fields carry no "value" key: nothing to sync.
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("GetTicket =\n %+v\nwant\n %+v", got, want)
	}
}

func TestFixtureListNotes(t *testing.T) {
	route := "GET " + fixtureAPI + "/service/tickets/945315/notes"
	fs := newFixtureSite(t, map[string]fixtureAnswer{route: {200, fixture(t, "ticket-notes.json")}})
	got, err := fs.client(t).ListNotes(testCtx(t), "945315", time.Time{})
	if err != nil {
		t.Fatalf("ListNotes: %v", err)
	}
	want := []platform.Note{
		{ID: "1545986", TicketID: "945315", Kind: NoteDiscussion, Body: "many_parameters unit text", Public: true,
			AuthorID: "user", AuthorName: "user", CreatedAt: vendorfixture.Time(t, "2022-09-01T08:45:10Z")},
		// Both detailDescriptionFlag and internalAnalysisFlag: the note shows
		// on the customer-visible discussion, so it is public.
		{ID: "1545987", TicketID: "945315", Kind: NoteDiscussion, Body: "test many_parameters text", Public: true,
			AuthorID: "user", AuthorName: "user", CreatedAt: vendorfixture.Time(t, "2022-09-01T08:45:49Z")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ListNotes =\n %+v\nwant\n %+v", got, want)
	}
}

func TestFixtureListTimeEntries(t *testing.T) {
	route := "GET " + fixtureAPI + "/time/entries"
	fs := newFixtureSite(t, map[string]fixtureAnswer{route: {200, fixture(t, "time-entries.json")}})
	got, err := fs.client(t).ListTimeEntries(testCtx(t), "69")
	if err != nil {
		t.Fatalf("ListTimeEntries: %v", err)
	}
	start, end := vendorfixture.Time(t, "2005-05-16T08:00:00Z"), vendorfixture.Time(t, "2005-05-16T10:00:00Z")
	want := []platform.TimeEntry{{ID: "2", TicketID: "69", Start: &start, End: &end, Minutes: 120,
		Note:     "server was infected with the Code Red worm.  It has been patched and rebooted.",
		WorkerID: "176", WorkerName: "Training User1", WorkType: "3"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ListTimeEntries =\n %+v\nwant\n %+v", got, want)
	}
	q, _ := url.ParseQuery(fs.queries[route])
	if c := q.Get("conditions"); c != `chargeToType="ServiceTicket" AND chargeToId=69` {
		t.Errorf("conditions = %q", c)
	}
}

func TestFixturePicklists(t *testing.T) {
	fs := newFixtureSite(t, map[string]fixtureAnswer{
		"GET " + fixtureAPI + "/service/boards/1/statuses": {200, fixture(t, "board-statuses.json")},
		"GET " + fixtureAPI + "/service/priorities":        {200, fixture(t, "priorities.json")},
	})
	c := fs.client(t)
	statuses, err := c.Picklist(testCtx(t), platform.PickStatuses, "1")
	if err != nil {
		t.Fatalf("statuses: %v", err)
	}
	wantStatuses := []platform.Option{
		{ID: "1", Name: "New", Active: true, Parent: "1"},
		{ID: "2", Name: "In Progress", Active: true, IsClosed: true, Parent: "1"},
	}
	if !reflect.DeepEqual(statuses, wantStatuses) {
		t.Errorf("statuses = %+v, want %+v", statuses, wantStatuses)
	}
	priorities, err := c.Picklist(testCtx(t), platform.PickPriorities, "")
	if err != nil {
		t.Fatalf("priorities: %v", err)
	}
	// The first row is the "id and name only" shape some instances send.
	wantPriorities := []platform.Option{
		{ID: "5", Name: "Priority 2 - Quick Response", Active: true},
		{ID: "4", Name: "Priority 3 - Normal Response", Active: true},
	}
	if !reflect.DeepEqual(priorities, wantPriorities) {
		t.Errorf("priorities = %+v, want %+v", priorities, wantPriorities)
	}
}

func TestFixtureRegisterCallbackAnswer(t *testing.T) {
	fs := newFixtureSite(t, map[string]fixtureAnswer{
		"POST " + fixtureAPI + "/system/callbacks": {201, fixture(t, "callback-create-response.json")},
	})
	hook, err := fs.client(t).RegisterWebhook(testCtx(t), platform.WebhookSpec{URL: fs.srv.URL + "/webhooks/connectwise/ep1", Secret: "s"})
	if err != nil {
		t.Fatalf("RegisterWebhook: %v", err)
	}
	if hook.ID != "26552" {
		t.Errorf("webhook id = %q, want ConnectWise's callback id 26552", hook.ID)
	}
}

func TestFixtureErrorBodies(t *testing.T) {
	tests := []struct {
		name, file, route string
		status            int
		call              func(*Client) error
		reason            platform.Reason
		vendorText        []string
	}{
		{"ticket not found", "error-404-not-found.json", "GET " + fixtureAPI + "/service/tickets/404", http.StatusNotFound,
			func(c *Client) error { _, err := c.GetTicket(testCtx(t), "404"); return err },
			platform.ReasonNotFound, []string{"Service Ticket 404 not found"}},
		{"ticket refused", "error-400-invalid-object.json", "POST " + fixtureAPI + "/service/tickets", http.StatusBadRequest,
			func(c *Client) error { _, err := c.CreateTicket(testCtx(t), platform.Ticket{Summary: "x"}); return err },
			platform.ReasonInvalid, []string{"ticket object is invalid", "company/id: company 19299 not found"}},
		{"callback refused", "error-400-callback-invalid.json", "POST " + fixtureAPI + "/system/callbacks", http.StatusBadRequest,
			func(c *Client) error {
				_, err := c.RegisterWebhook(testCtx(t), platform.WebhookSpec{URL: "http://127.0.0.1:1/hook", Secret: "s"})
				return err
			},
			platform.ReasonInvalid, []string{"callbackEntry object is invalid", "url: Invalid URL", "level: Unrecognized level for type"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := newFixtureSite(t, map[string]fixtureAnswer{tt.route: {tt.status, fixture(t, tt.file)}})
			pe := platformErr(t, tt.call(fs.client(t)), tt.reason)
			if pe.Status != tt.status {
				t.Errorf("status = %d, want %d", pe.Status, tt.status)
			}
			for _, s := range tt.vendorText {
				if !strings.Contains(pe.Message, s) {
					t.Errorf("message %q does not carry ConnectWise's %q", pe.Message, s)
				}
			}
		})
	}
}

func TestFixtureCallbacks(t *testing.T) {
	evs, err := ParseWebhook(fixture(t, "callback-ticket-updated.json"))
	if err != nil {
		t.Fatalf("ParseWebhook(ticket): %v", err)
	}
	want := []platform.Event{{
		Platform: platform.ConnectWise, Type: platform.EventTicketUpdated, TicketID: "200", ActorID: "user",
		OccurredAt: vendorfixture.Time(t, "2022-09-02T08:29:34Z"), DeliveryID: "00000000-0000-4000-8000-000000000200",
		Fields: map[string]string{"summary": "test", "queue": "30", "status": "550", "priority": "8",
			"type": "248", "category": "701", "closed": "false"},
		// The Entity is the sandbox ticket (trimmed, without customFields):
		// the ticket's read, ordered by its lastUpdated.
		Ticket: &platform.Ticket{ID: "200", Number: "200", Summary: "test", Status: "550", Priority: "8", Type: "248",
			Category: "701", Queue: "30", AccountName: "Example Company",
			StartDate: ptr(vendorfixture.Time(t, "2022-09-01T00:00:00Z")), TargetDate: ptr(vendorfixture.Time(t, "2022-09-30T00:00:00Z")),
			UpdatedAt: vendorfixture.Time(t, "2022-09-02T08:29:34Z")},
		Sequence: vendorfixture.Time(t, "2022-09-02T08:29:34Z").Unix(), NoCustom: true,
	}}
	if !reflect.DeepEqual(evs, want) {
		t.Errorf("events =\n %+v\nwant\n %+v", evs, want)
	}

	// The signing-key URL ConnectWise put in a real delivery (note the double
	// slash after the codebase) is one Tandem's verifier will fetch from.
	var d struct {
		Metadata struct {
			KeyURL string `json:"key_url"`
		}
	}
	if err := json.Unmarshal(fixture(t, "callback-contact-updated.json"), &d); err != nil {
		t.Fatal(err)
	}
	v := NewVerifier(Credentials{Site: "https://api-na.myconnectwise.net"}, Options{})
	if _, err := v.trustedKeyURL(d.Metadata.KeyURL); err != nil {
		t.Errorf("key_url %q of a real delivery refused: %v", d.Metadata.KeyURL, err)
	}

	// Real contact callbacks from a sandbox: verified deliveries Tandem has no
	// use for are reported as such, never turned into ticket events.
	for _, name := range []string{"callback-contact-updated.json", "callback-contact-deleted.json"} {
		evs, err := ParseWebhook(fixture(t, name))
		if !errors.Is(err, ErrUnknownEvent) || len(evs) != 0 {
			t.Errorf("%s: events %+v, err %v; want none and ErrUnknownEvent", name, evs, err)
		}
	}
}

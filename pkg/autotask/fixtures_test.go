package autotask

// The decoders and the webhook parser against real vendor bodies kept in
// testdata (each with a .src note saying where it came from). The client is
// pointed at an httptest server that answers at Autotask's own paths with the
// fixture, so the whole call path runs: URL building, headers, decoding.

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/vendorfixture"
)

// fixtureAnswer is what the fixture server sends for one method and path.
type fixtureAnswer struct {
	status int
	body   []byte
}

// fixtureServer answers "METHOD /path" with a fixture and records request
// bodies; anything else is a 404 that fails the test.
type fixtureServer struct {
	srv *httptest.Server
	mu  sync.Mutex
	got map[string][]byte // last request body by route
	n   map[string]int    // requests by route
}

func newFixtureServer(t *testing.T, routes map[string]fixtureAnswer) *fixtureServer {
	t.Helper()
	fs := &fixtureServer{got: map[string][]byte{}, n: map[string]int{}}
	fs.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Method + " " + r.URL.Path
		body, _ := io.ReadAll(r.Body)
		fs.mu.Lock()
		fs.got[key] = body
		fs.n[key]++
		fs.mu.Unlock()
		a, ok := routes[key]
		if !ok {
			t.Errorf("unexpected request %s", key)
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("ApiIntegrationCode") == "" || r.Header.Get("UserName") == "" || r.Header.Get("Secret") == "" {
			t.Errorf("%s sent without the Autotask credential headers", key)
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(a.status)
		_, _ = w.Write(a.body)
	}))
	t.Cleanup(fs.srv.Close)
	return fs
}

func (fs *fixtureServer) body(key string) []byte {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.got[key]
}

func (fs *fixtureServer) count(key string) int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.n[key]
}

func (fs *fixtureServer) client(t *testing.T) *Client {
	t.Helper()
	return clientFor(t, platform.Credentials{
		"apiUrl": fs.srv.URL + "/", "username": "fixtureapiuser@example.com",
		"secret": "fixture-secret-0000", "integrationCode": "FIXTURETRACKINGID0000000000",
	})
}

const apiRoot = "/ATServicesRest/V1.0/"

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	return vendorfixture.Read(t, "testdata/"+name)
}

func TestFixtureGetTicket(t *testing.T) {
	fs := newFixtureServer(t, map[string]fixtureAnswer{
		"GET " + apiRoot + "Tickets/29296": {200, fixture(t, "ticket-get.json")},
	})
	got, err := fs.client(t).GetTicket(ctxTimeout(t, 5*time.Second), "29296")
	if err != nil {
		t.Fatalf("GetTicket: %v", err)
	}
	due := vendorfixture.Time(t, "2022-12-06T13:00:00Z")
	want := platform.Ticket{
		ID: "29296", Number: "T20200924.0046.051", Summary: "ICT Coaching",
		Description: "", // the tenant answered "description": null
		Status:      "5", Priority: "2", Queue: "29683354", Type: "1", Category: "3",
		TargetDate: &due, Closed: true, UpdatedAt: vendorfixture.Time(t, "2022-12-07T09:15:52.407Z"),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("GetTicket =\n %+v\nwant\n %+v", got, want)
	}
}

func TestFixtureListNotes(t *testing.T) {
	route := "POST " + apiRoot + "TicketNotes/query"
	fs := newFixtureServer(t, map[string]fixtureAnswer{route: {200, fixture(t, "ticketnotes-query.json")}})
	got, err := fs.client(t).ListNotes(ctxTimeout(t, 5*time.Second), "100", time.Time{})
	if err != nil {
		t.Fatalf("ListNotes: %v", err)
	}
	want := []platform.Note{{
		ID: "45", TicketID: "100", Kind: "2", Title: "Note Title", Body: "Note description",
		Public: true, AuthorID: "10", CreatedAt: vendorfixture.Time(t, "2018-01-23T11:00:00Z"),
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ListNotes =\n %+v\nwant\n %+v", got, want)
	}
	var query struct {
		Filter []struct {
			Op, Field string
			Value     json.Number
		} `json:"filter"`
	}
	if err := json.Unmarshal(fs.body(route), &query); err != nil || len(query.Filter) != 1 ||
		query.Filter[0].Field != "ticketID" || query.Filter[0].Value != "100" {
		t.Errorf("query body = %s", fs.body(route))
	}
}

// A ticket's time entry as django-autotask's fixture has it: hoursWorked
// (1.0) is the duration, not the span from start to end (2.5 hours), which
// Autotask keeps apart (offsets, breaks).
func TestFixtureListTimeEntries(t *testing.T) {
	route := "POST " + apiRoot + "TimeEntries/query"
	fs := newFixtureServer(t, map[string]fixtureAnswer{route: {200, fixture(t, "timeentries-query.json")}})
	got, err := fs.client(t).ListTimeEntries(ctxTimeout(t, 5*time.Second), "100")
	if err != nil {
		t.Fatalf("ListTimeEntries: %v", err)
	}
	start, end := vendorfixture.Time(t, "2018-01-23T10:00:00Z"), vendorfixture.Time(t, "2018-01-23T12:30:00Z")
	want := []platform.TimeEntry{{ID: "4", TicketID: "100", Start: &start, End: &end, Minutes: 60,
		Note: "Initial triage of issue", WorkerID: "10", WorkType: "3", Role: "8"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ListTimeEntries =\n %+v\nwant\n %+v", got, want)
	}
	if b := string(fs.body(route)); !strings.Contains(b, `"field":"ticketID"`) || !strings.Contains(b, `"value":100`) {
		t.Errorf("query body = %s", b)
	}
}

func TestFixturePicklists(t *testing.T) {
	fs := newFixtureServer(t, map[string]fixtureAnswer{
		"GET " + apiRoot + "Tickets/entityInformation/fields": {200, fixture(t, "tickets-entityinformation-fields.json")},
	})
	c := fs.client(t)
	tests := []struct {
		kind platform.PicklistKind
		want []platform.Option
	}{
		{platform.PickStatuses, []platform.Option{
			{ID: "9", Name: "Waiting Materials", Active: true}, {ID: "10", Name: "Scheduled", Active: true},
			{ID: "11", Name: "Escalate", Active: true}, {ID: "12", Name: "Waiting Vendor", Active: true},
		}},
		{platform.PickPriorities, []platform.Option{{ID: "1", Name: "High", Active: true}}},
		{platform.PickQueues, []platform.Option{{ID: "5", Name: "Client Portal", Active: true}}},
	}
	for _, tt := range tests {
		got, err := c.Picklist(ctxTimeout(t, 5*time.Second), tt.kind, "")
		if err != nil {
			t.Fatalf("Picklist(%s): %v", tt.kind, err)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Picklist(%s) = %+v, want %+v", tt.kind, got, tt.want)
		}
	}
	// The fixture lists no ticketType field: that is reported, not guessed.
	_, err := c.Picklist(ctxTimeout(t, 5*time.Second), platform.PickTicketTypes, "")
	if pe := wantReason(t, err, platform.ReasonNotFound); !strings.Contains(pe.Message, "ticketType") {
		t.Errorf("message = %q", pe.Message)
	}
}

func TestFixtureWebhookDeliveries(t *testing.T) {
	tests := []struct {
		file string
		want platform.Event
	}{
		{"webhook-ticket-create.json", platform.Event{
			Platform: platform.Autotask, Type: platform.EventTicketCreated, TicketID: "351181", ActorID: "30691780",
			Sequence: 1, OccurredAt: vendorfixture.Time(t, "2025-09-15T14:57:50Z"), Fields: map[string]string{"TicketNumber": "T20250915.0001"},
		}},
		{"webhook-ticket-update.json", platform.Event{
			Platform: platform.Autotask, Type: platform.EventTicketUpdated, TicketID: "351182", ActorID: "30691780",
			Sequence: 2, OccurredAt: vendorfixture.Time(t, "2025-09-15T15:10:00Z"), Fields: map[string]string{"TicketNumber": "T20250915.0002", "Status": "5"},
		}},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			evs, err := ParseWebhook(fixture(t, tt.file))
			if err != nil {
				t.Fatalf("ParseWebhook: %v", err)
			}
			if len(evs) != 1 {
				t.Fatalf("events = %+v", evs)
			}
			got := evs[0]
			if got.DeliveryID == "" || seen[got.DeliveryID] {
				t.Errorf("delivery id %q empty or repeated", got.DeliveryID)
			}
			seen[got.DeliveryID] = true
			got.DeliveryID = ""
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("event =\n %+v\nwant\n %+v", got, tt.want)
			}
		})
	}
}

// Autotask refuses business-rule violations with HTTP 500 and an errors
// array (see the fixtures' .src notes). The error must keep the status and
// carry Autotask's own sentence so the sync log can show it.
func TestFixtureRuleRefusals(t *testing.T) {
	tests := []struct {
		file, route string
		call        func(*Client) error
		vendorText  string
	}{
		{"error-500-resource-role.json", "POST " + apiRoot + "Tickets", func(c *Client) error {
			_, err := c.CreateTicket(ctxTimeout(t, 5*time.Second), platform.Ticket{Summary: "Printer", Priority: "2"})
			return err
		}, "When assigning a Resource, you must assign both a assignedResourceID and assignedResourceRoleID."},
		{"error-500-reference.json", "POST " + apiRoot + "Tickets/7/Notes", func(c *Client) error {
			_, err := c.AddNote(ctxTimeout(t, 5*time.Second), "7", platform.Note{Body: "x", Public: true})
			return err
		}, "Value does not reference an existing entity for taskType ."},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			fs := newFixtureServer(t, map[string]fixtureAnswer{tt.route: {http.StatusInternalServerError, fixture(t, tt.file)}})
			err := tt.call(fs.client(t))
			var pe *platform.Error
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *platform.Error", err)
			}
			if pe.Platform != platform.Autotask || pe.Status != http.StatusInternalServerError {
				t.Errorf("error = %+v", pe)
			}
			if !strings.Contains(pe.Message, tt.vendorText) {
				t.Errorf("message %q does not carry Autotask's text %q", pe.Message, tt.vendorText)
			}
			// A refusal is permanent: the sync logs it instead of retrying
			// it into the dead-letter queue.
			if pe.Reason != platform.ReasonInvalid || pe.Temporary() {
				t.Errorf("Autotask rule refusal classified %s (temporary=%v), want %s", pe.Reason, pe.Temporary(), platform.ReasonInvalid)
			}
			if n := fs.count(tt.route); n != 1 {
				t.Errorf("the refusal was sent %d times; a refusal fails the same way every time", n)
			}
		})
	}
}

// Autotask also answers 500 for an unknown API user or tracking identifier,
// with a generic sentence ("Something went wrong", apigrate/autotask-restapi
// issue #19): that is not a refusal of the request but a failure that may
// pass, and the connection test keeps reporting a 500 as an authentication
// failure (TestTestFailures).
func TestFixtureGeneric500IsNotARefusal(t *testing.T) {
	for _, body := range []string{`{"errors":["Something went wrong"]}`, `{"errors":["An unexpected error occurred."]}`, `{"errors":[]}`, `<html>error</html>`} {
		fs := newFixtureServer(t, map[string]fixtureAnswer{
			"GET " + apiRoot + "Tickets/1": {http.StatusInternalServerError, []byte(body)},
		})
		_, err := fs.client(t).GetTicket(ctxTimeout(t, 5*time.Second), "1")
		var pe *platform.Error
		if !errors.As(err, &pe) || pe.Reason != platform.ReasonServer || !pe.Temporary() {
			t.Errorf("%s: sync read classified %+v, want a temporary server error", body, err)
		}
	}
}

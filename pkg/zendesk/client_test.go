package zendesk_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/simfault"
	"github.com/tandemsync/tandem/pkg/vendorfixture"
	"github.com/tandemsync/tandem/pkg/zendesk"
	"github.com/tandemsync/tandem/pkg/zendesk/zendesksim"
)

func TestTicketLifecycle(t *testing.T) {
	ctx := context.Background()
	s := zendesksim.New(t, zendesksim.Options{})
	c := newClient(t, s, zendesksim.Integration)
	created, err := c.CreateTicket(ctx, platform.Ticket{Summary: "VPN drops", Description: "Since Monday", Status: "open",
		Priority: "high", Type: "incident", Queue: "360000002", Custom: map[string]string{"27642": "P-1"}, Ref: "tandem-abc"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetTicket(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Summary != "VPN drops" || got.Description != "Since Monday" || got.Status != "open" || got.Priority != "high" ||
		got.Type != "incident" || got.Queue != "360000002" || got.Custom["27642"] != "P-1" || got.Ref != "tandem-abc" || got.Closed {
		t.Fatalf("ticket = %+v", got)
	}
	if found, ok, err := c.FindTicket(ctx, "tandem-abc"); err != nil || !ok || found.ID != created.ID {
		t.Fatalf("FindTicket = %+v, %v, %v", found, ok, err)
	}
	if _, ok, err := c.FindTicket(ctx, "tandem-none"); ok || err != nil {
		t.Fatalf("FindTicket of an unknown marker = %v, %v", ok, err)
	}
	for _, u := range []platform.TicketUpdate{
		{Status: ptr("pending"), Priority: ptr("urgent"), Type: ptr("problem")},
		{Status: ptr("custom_status:360001")},
	} {
		if err := c.UpdateTicket(ctx, created.ID, u); err != nil {
			t.Fatal(err)
		}
	}
	got, _ = c.GetTicket(ctx, created.ID)
	if got.Status != "pending" || got.Priority != "urgent" || got.Type != "problem" {
		t.Fatalf("after updates: %+v", got)
	}
	var pe *platform.Error
	if err := c.UpdateTicket(ctx, created.ID, platform.TicketUpdate{Status: ptr("resolved")}); !errors.As(err, &pe) || pe.Reason != platform.ReasonInvalid || pe.Status != 0 {
		t.Fatalf("an unknown status was sent: %v", err)
	}
	if err := c.CloseTicket(ctx, created.ID, ""); err != nil {
		t.Fatal(err)
	}
	if got, _ = c.GetTicket(ctx, created.ID); got.Status != "solved" || !got.Closed {
		t.Fatalf("closed ticket = %+v", got)
	}
}

// Comments always say whether they are public; the description is no note.
func TestNotesKeepVisibility(t *testing.T) {
	ctx := context.Background()
	s := zendesksim.New(t, zendesksim.Options{})
	c := newClient(t, s, zendesksim.Integration)
	tk, err := c.CreateTicket(ctx, platform.Ticket{Summary: "Printer", Description: "Jams"})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := c.AddNote(ctx, tk.ID, platform.Note{Body: "Engineer booked", Public: true})
	if err != nil {
		t.Fatal(err)
	}
	priv, err := c.AddNote(ctx, tk.ID, platform.Note{Body: "Order a spare", Public: false})
	if err != nil {
		t.Fatal(err)
	}
	notes, err := c.ListNotes(ctx, tk.ID, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 2 || notes[0].ID != pub.ID || !notes[0].Public || notes[1].ID != priv.ID || notes[1].Public ||
		notes[0].Body != "Engineer booked" || notes[0].AuthorID != strconv.FormatInt(zendesksim.Integration.ID, 10) {
		t.Fatalf("notes = %+v (added %s and %s)", notes, pub.ID, priv.ID)
	}
	id, _ := strconv.ParseInt(tk.ID, 10, 64)
	if cs := s.Comments(id); len(cs) != 3 || cs[2].Public {
		t.Fatalf("comments on the simulator = %+v", cs)
	}
}

// More comments than one page: the cursor is followed to the end.
func TestCommentsFollowTheCursor(t *testing.T) {
	ctx := context.Background()
	s := zendesksim.New(t, zendesksim.Options{TicketUpdateLimit: 1000})
	c := newClient(t, s, zendesksim.Integration)
	tk, err := c.CreateTicket(ctx, platform.Ticket{Summary: "Busy"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 105 {
		if _, err := c.AddNote(ctx, tk.ID, platform.Note{Body: fmt.Sprint("n", i), Public: i%2 == 0}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.ActorID(ctx); err != nil { // asked once per client
		t.Fatal(err)
	}
	before := s.Requests()
	notes, err := c.ListNotes(ctx, tk.ID, time.Time{})
	if err != nil || len(notes) != 105 || notes[104].Body != "n104" {
		t.Fatalf("%d notes, %v", len(notes), err)
	}
	if n := s.Requests() - before; n != 2 {
		t.Fatalf("%d requests for 106 comments, want 2 pages", n)
	}
}

// Zendesk refuses changes to a closed ticket for good and names the way on.
func TestClosedTicketIsAPermanentRefusal(t *testing.T) {
	ctx := context.Background()
	s := zendesksim.New(t, zendesksim.Options{})
	c := newClient(t, s, zendesksim.Integration)
	tk, _ := c.CreateTicket(ctx, platform.Ticket{Summary: "Done"})
	if err := c.CloseTicket(ctx, tk.ID, "closed"); err != nil {
		t.Fatal(err)
	}
	_, err := c.AddNote(ctx, tk.ID, platform.Note{Body: "late", Public: true})
	var pe *platform.Error
	if !errors.As(err, &pe) || !errors.Is(err, zendesk.ErrTicketClosed) || pe.Temporary() || pe.Status != http.StatusUnprocessableEntity {
		t.Fatalf("err = %v, want a permanent closed-ticket refusal", err)
	}
	if !strings.Contains(pe.Message, "follow-up") || !strings.Contains(pe.Message, "via_followup_source_id") {
		t.Fatalf("message does not name the follow-up path: %q", pe.Message)
	}
}

// The 31st update of one ticket by one user in ten minutes is throttled
// with a Retry-After longer than the client waits out itself: it comes
// back as a rate-limit error carrying the wait, for the queue to honour.
func TestPerTicketUpdateLimit(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 29, 18, 0, 0, 0, time.UTC)
	s := zendesksim.New(t, zendesksim.Options{Now: func() time.Time { return now }})
	c := newClient(t, s, zendesksim.Integration)
	tk, _ := c.CreateTicket(ctx, platform.Ticket{Summary: "Chatty"})
	for i := range 30 {
		if err := c.UpdateTicket(ctx, tk.ID, platform.TicketUpdate{Summary: ptr(fmt.Sprint("s", i))}); err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
	}
	err := c.UpdateTicket(ctx, tk.ID, platform.TicketUpdate{Summary: ptr("one too many")})
	var pe *platform.Error
	if !errors.As(err, &pe) || pe.Reason != platform.ReasonRateLimited || pe.RetryAfter < 9*time.Minute || !pe.Temporary() {
		t.Fatalf("err = %v (%+v), want rate limited for ~10 minutes", err, pe)
	}
	// Another user's updates of the same ticket are not limited.
	if err := newClient(t, s, zendesksim.Agent).UpdateTicket(ctx, tk.ID, platform.TicketUpdate{Status: ptr("open")}); err != nil {
		t.Fatalf("the agent was limited by the integration's updates: %v", err)
	}
}

// A short 429 is waited out with its Retry-After.
func TestThrottlingIsRetried(t *testing.T) {
	ctx := context.Background()
	s := zendesksim.New(t, zendesksim.Options{})
	c := newClient(t, s, zendesksim.Integration)
	s.FailNext(2, simfault.Fault{Status: http.StatusTooManyRequests})
	if err := c.Test(ctx); err != nil {
		t.Fatalf("test after two 429s: %v", err)
	}
	if n := c.Requests(); n != 3 {
		t.Fatalf("%d requests, want 3", n)
	}
}

// Files travel by upload token; downloads from the file host carry no
// credentials.
func TestAttachmentsRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := zendesksim.New(t, zendesksim.Options{})
	c := newClient(t, s, zendesksim.Integration)
	tk, _ := c.CreateTicket(ctx, platform.Ticket{Summary: "Logs"})
	added, err := c.AddAttachment(ctx, tk.ID, platform.Attachment{Name: "error.log", ContentType: "text/plain", Data: []byte("E42"), Public: false})
	if err != nil {
		t.Fatal(err)
	}
	files, err := c.ListAttachments(ctx, tk.ID)
	if err != nil || len(files) != 1 || files[0].ID != added.ID || files[0].Name != "error.log" || files[0].Public || files[0].NoteID == "" {
		t.Fatalf("files = %+v, %v (added %+v)", files, err, added)
	}
	got, err := c.GetAttachment(ctx, tk.ID, added.ID)
	if err != nil || string(got.Data) != "E42" || got.Name != "error.log" {
		t.Fatalf("download = %+v, %v", got, err)
	}
	if n := s.CredentialledFileRequests(); n != 0 {
		t.Fatalf("%d downloads sent credentials to the file host", n)
	}
	// The comment that only carries a file is not a note.
	if notes, err := c.ListNotes(ctx, tk.ID, time.Time{}); err != nil || len(notes) != 0 {
		t.Fatalf("notes = %+v, %v", notes, err)
	}
	// A person's comment is.
	if _, err := newClient(t, s, zendesksim.Agent).AddNote(ctx, tk.ID, platform.Note{Body: "see the photo", Public: true}); err != nil {
		t.Fatal(err)
	}
	if notes, err := c.ListNotes(ctx, tk.ID, time.Time{}); err != nil || len(notes) != 1 || notes[0].Body != "see the photo" {
		t.Fatalf("notes = %+v, %v", notes, err)
	}
	_, err = c.AddAttachment(ctx, tk.ID, platform.Attachment{Name: "huge.bin", Data: make([]byte, zendesk.MaxAttachmentSize+1)})
	if !errors.Is(err, platform.ErrFileRefused) {
		t.Fatalf("oversize file: %v", err)
	}
}

// A note applied before the answer was lost is there once: the client
// does not send it again.
func TestWriteAppliedThenFailedIsNotResent(t *testing.T) {
	for _, mode := range []simfault.Mode{simfault.ApplyThenFail, simfault.ApplyThenDrop} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		s := zendesksim.New(t, zendesksim.Options{})
		c := newClient(t, s, zendesksim.Integration)
		tk, _ := c.CreateTicket(ctx, platform.Ticket{Summary: "Once"})
		s.InjectFault(simfault.Fault{Mode: mode, Method: http.MethodPut, Path: "/api/v2/tickets/", Count: 1})
		if _, err := c.AddNote(ctx, tk.ID, platform.Note{Body: "Engineer booked", Public: true}); !platform.IsTemporary(err) {
			t.Fatalf("mode %d: err = %v, want a temporary failure", mode, err)
		}
		notes, err := c.ListNotes(ctx, tk.ID, time.Time{})
		if err != nil || len(notes) != 1 {
			t.Fatalf("mode %d: notes %+v, %v; want the comment once", mode, notes, err)
		}
		cancel()
	}
}

func TestConnectionTest(t *testing.T) {
	ctx := context.Background()
	s := zendesksim.New(t, zendesksim.Options{})
	c := newClient(t, s, zendesksim.Integration)
	if err := c.Test(ctx); err != nil {
		t.Fatal(err)
	}
	if id, err := c.ActorID(ctx); err != nil || id != strconv.FormatInt(zendesksim.Integration.ID, 10) {
		t.Fatalf("ActorID = %q, %v", id, err)
	}
	creds := s.Credentials(zendesksim.Integration)
	creds["apiToken"] = "wrong"
	parsed, _ := zendesk.ParseCredentials(creds, true)
	err := zendesk.New(parsed, zendesk.Options{AllowPrivate: true}).Test(ctx)
	if platform.ReasonOf(err) != platform.ReasonAuthFailed || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("wrong token: %v", err)
	}
}

func TestPicklists(t *testing.T) {
	ctx := context.Background()
	s := zendesksim.New(t, zendesksim.Options{})
	ids := func(kind platform.PicklistKind, s *zendesksim.Server) []string {
		opts, err := newClient(t, s, zendesksim.Integration).Picklist(ctx, kind, "")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, o := range opts {
			out = append(out, o.ID)
		}
		return out
	}
	for _, tc := range []struct {
		kind platform.PicklistKind
		want string
	}{
		{platform.PickStatuses, "[new open pending hold solved closed custom_status:1 custom_status:2 custom_status:3 custom_status:4 custom_status:5 custom_status:360001]"},
		{platform.PickPriorities, "[low normal high urgent]"},
		{platform.PickTicketTypes, "[question incident problem task]"},
		{platform.PickQueues, "[360000001 360000002]"},
		{platform.PickCustomFields, "[27642 27648]"},
		{platform.PickActions, "[comment partner]"},
	} {
		if got := fmt.Sprint(ids(tc.kind, s)); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.kind, got, tc.want)
		}
	}
	plain := zendesksim.New(t, zendesksim.Options{NoCustomStatuses: true})
	if got := fmt.Sprint(ids(platform.PickStatuses, plain)); got != "[new open pending hold solved closed]" {
		t.Errorf("statuses without custom statuses = %s", got)
	}
	if _, err := newClient(t, s, zendesksim.Integration).Picklist(ctx, platform.PickCategories, ""); platform.ReasonOf(err) != platform.ReasonInvalid {
		t.Errorf("categories: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

// The sweep's listing: one cursor-based incremental export from the start
// time, followed page by page to the end of the stream, holding each
// ticket changed since then once, with its change time.
func TestChangedSinceFollowsTheExportCursor(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	now := t0
	s := zendesksim.New(t, zendesksim.Options{Now: func() time.Time { return now }, ExportPageSize: 2})
	c := newClient(t, s, zendesksim.Integration)
	var ids []string
	for i := range 5 {
		now = t0.Add(time.Duration(i) * time.Minute)
		tk, err := c.CreateTicket(ctx, platform.Ticket{Summary: fmt.Sprintf("ticket %d", i), Description: "d", Priority: "normal"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tk.ID)
	}
	now = t0.Add(10 * time.Minute)
	summary := "ticket 0, changed"
	if err := c.UpdateTicket(ctx, ids[0], platform.TicketUpdate{Summary: &summary}); err != nil {
		t.Fatal(err)
	}
	now = t0.Add(20 * time.Minute)
	for _, tc := range []struct {
		name  string
		since time.Time
		want  []string
		calls int64
	}{
		{"everything, over three pages", t0.Add(-time.Second), []string{ids[1], ids[2], ids[3], ids[4], ids[0]}, 3},
		{"from the third ticket's creation, inclusive", t0.Add(2 * time.Minute), []string{ids[2], ids[3], ids[4], ids[0]}, 2},
		{"only the later change", t0.Add(5 * time.Minute), []string{ids[0]}, 1},
		{"nothing since", t0.Add(11 * time.Minute), nil, 1},
	} {
		before := s.Requests()
		got, err := c.ChangedSince(ctx, tc.since)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var gotIDs []string
		for _, tk := range got {
			gotIDs = append(gotIDs, tk.ID)
			if tk.UpdatedAt.Before(tc.since) {
				t.Errorf("%s: ticket %s changed at %v, before %v", tc.name, tk.ID, tk.UpdatedAt, tc.since)
			}
		}
		if !slices.Equal(gotIDs, tc.want) {
			t.Errorf("%s: listed %v, want %v", tc.name, gotIDs, tc.want)
		}
		if calls := s.Requests() - before; calls != tc.calls {
			t.Errorf("%s: %d requests, want %d", tc.name, calls, tc.calls)
		}
		if len(got) > 0 && got[len(got)-1].Summary != "ticket 0, changed" {
			t.Errorf("%s: the last change listed is %+v, want the update", tc.name, got[len(got)-1])
		}
	}
}

// The vendor's example page of the cursor-based export reads as the
// ticket it holds, with its change time and external id.
func TestChangedSinceReadsTheVendorExample(t *testing.T) {
	page := vendorfixture.Read(t, "testdata/incremental-tickets-cursor.json")
	var query url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v2/incremental/tickets/cursor.json" {
			http.NotFound(w, r)
			return
		}
		query = r.URL.Query()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(page)
	}))
	t.Cleanup(srv.Close)
	creds, err := zendesk.ParseCredentials(platform.Credentials{"subdomain": srv.URL, "email": "a@example.com", "apiToken": "t"}, true)
	if err != nil {
		t.Fatal(err)
	}
	since := time.Date(2011, 5, 1, 0, 0, 0, 0, time.UTC)
	got, err := zendesk.New(creds, zendesk.Options{AllowPrivate: true}).ChangedSince(context.Background(), since)
	if err != nil {
		t.Fatal(err)
	}
	if query.Get("start_time") != strconv.FormatInt(since.Unix(), 10) || query.Get("exclude_deleted") != "true" {
		t.Errorf("query %v, want start_time=%d and exclude_deleted", query, since.Unix())
	}
	want := time.Date(2011, 5, 5, 10, 38, 52, 0, time.UTC)
	if len(got) != 1 || got[0].ID != "35436" || !got[0].UpdatedAt.Equal(want) || got[0].Ref != "ahg35h3jh" || got[0].Status != "open" {
		t.Fatalf("listed %+v, want ticket 35436 changed at %v", got, want)
	}
}

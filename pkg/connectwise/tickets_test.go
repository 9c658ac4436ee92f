package connectwise

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/connectwise/connectwisesim"
	"github.com/tandemsync/tandem/pkg/platform"
)

func ptr[T any](v T) *T { return &v }

func TestCreateAndGetTicket(t *testing.T) {
	s := connectwisesim.New(t)
	cl := clientFor(t, s, s.Integration, Options{})
	ctx := testCtx(t)
	start := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	due := time.Date(2026, 5, 3, 17, 30, 0, 0, time.UTC)
	created, err := cl.CreateTicket(ctx, platform.Ticket{
		Summary: "Printer on 3rd floor jams", Description: "Every print job since Monday.",
		Queue: "1", Status: "2", Priority: "2", Type: "20", Category: "31",
		StartDate: &start, TargetDate: &due,
		Custom: map[string]string{"Customer Reference": "PO-7781", "Impact Score": "3.5", "Warranty": "true", "Region": "North"},
	})
	if err != nil {
		t.Fatalf("CreateTicket: %v", err)
	}
	got, err := cl.GetTicket(ctx, created.ID)
	if err != nil {
		t.Fatalf("GetTicket: %v", err)
	}
	want := platform.Ticket{ID: created.ID, Number: created.ID, Summary: "Printer on 3rd floor jams",
		Status: "2", Priority: "2", Type: "20", Category: "31", Queue: "1", StartDate: &start, TargetDate: &due,
		AccountName: "TandemSim Customer Ltd", // the company's name, beside its id
		Custom:      map[string]string{"Customer Reference": "PO-7781", "Impact Score": "3.5", "Warranty": "true", "Region": "North"}}
	if got.UpdatedAt.IsZero() {
		t.Fatal("UpdatedAt not read from _info.lastUpdated")
	}
	got.UpdatedAt = time.Time{}
	if !ticketsEqual(got, want) {
		t.Fatalf("GetTicket = %+v\nwant        %+v", got, want)
	}
	// The description lands where ConnectWise keeps it: the first
	// detail-description note.
	notes := s.Notes(mustID(t, created.ID))
	if len(notes) != 1 || !notes[0].Detail || notes[0].Text != "Every print job since Monday." {
		t.Fatalf("description note = %+v", notes)
	}
}

func TestCreateTicketDefaultsAndRefusals(t *testing.T) {
	s := connectwisesim.New(t)
	ctx := testCtx(t)
	cl := clientFor(t, s, s.Integration, Options{})
	got, err := cl.CreateTicket(ctx, platform.Ticket{Summary: "Defaults"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Queue != "1" || got.Status != "1" || got.Priority != "3" {
		t.Fatalf("defaults = board %s status %s priority %s", got.Queue, got.Status, got.Priority)
	}

	cases := []struct {
		name   string
		opts   Options
		ticket platform.Ticket
		reason platform.Reason
		phrase string
	}{
		{"no company configured", Options{Company: "999999"}, platform.Ticket{Summary: "x"}, platform.ReasonInvalid, "company"},
		{"no summary", Options{}, platform.Ticket{}, platform.ReasonInvalid, "summary"},
		{"status of another board", Options{}, platform.Ticket{Summary: "x", Queue: "1", Status: "7"}, platform.ReasonInvalid, "Status is not valid"},
		{"non-numeric priority", Options{}, platform.Ticket{Summary: "x", Priority: "high"}, platform.ReasonInvalid, "not a ConnectWise id"},
		{"unknown custom field", Options{}, platform.Ticket{Summary: "x", Custom: map[string]string{"Nope": "1"}}, platform.ReasonInvalid, `named "Nope"`},
		{"bad number", Options{}, platform.Ticket{Summary: "x", Custom: map[string]string{"Impact Score": "lots"}}, platform.ReasonInvalid, "not a number"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := clientFor(t, s, s.Integration, c.opts).CreateTicket(ctx, c.ticket)
			pe := platformErr(t, err, c.reason)
			if !strings.Contains(pe.Message, c.phrase) || !strings.HasPrefix(err.Error(), "create ticket") {
				t.Fatalf("error %q lacks %q", err, c.phrase)
			}
		})
	}
}

func TestUpdateTicket(t *testing.T) {
	s := connectwisesim.New(t)
	cl := clientFor(t, s, s.Integration, Options{})
	ctx := testCtx(t)
	tk, err := cl.CreateTicket(ctx, platform.Ticket{Summary: "VPN drops", Custom: map[string]string{"Customer Reference": "A-1"}})
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	err = cl.UpdateTicket(ctx, tk.ID, platform.TicketUpdate{
		Summary: ptr("VPN drops every hour"), Status: ptr("3"), Priority: ptr("1"), Type: ptr("22"), Category: ptr("32"),
		// Impact Score by its id, as the custom-field picklist offers it.
		TargetDate: &due, Custom: map[string]string{"2": "7", "Warranty": "false"},
	})
	if err != nil {
		t.Fatalf("UpdateTicket: %v", err)
	}
	st, _ := s.Ticket(mustID(t, tk.ID))
	if st.Summary != "VPN drops every hour" || st.StatusID != 3 || st.PriorityID != 1 || st.TypeID != 22 || st.SubTypeID != 32 ||
		st.RequiredDate != "2026-06-01T12:00:00Z" || st.UpdatedBy != s.Integration.Identifier {
		t.Fatalf("simulator ticket = %+v", st)
	}
	if st.Custom[1] != "A-1" || st.Custom[2] != 7.0 || st.Custom[3] != false {
		t.Fatalf("custom fields = %v (other fields must survive)", st.Custom)
	}

	before := cl.Requests()
	if err := cl.UpdateTicket(ctx, tk.ID, platform.TicketUpdate{}); err != nil || cl.Requests() != before {
		t.Fatalf("empty update sent a request (err %v)", err)
	}
	err = cl.UpdateTicket(ctx, tk.ID, platform.TicketUpdate{Status: ptr("9")})
	if pe := platformErr(t, err, platform.ReasonInvalid); pe.Status != 400 || !strings.Contains(pe.Message, "status") {
		t.Fatalf("invalid status error = %v", err)
	}
	err = cl.UpdateTicket(ctx, "424242", platform.TicketUpdate{Summary: ptr("x")})
	platformErr(t, err, platform.ReasonNotFound)
}

func TestCloseTicket(t *testing.T) {
	s := connectwisesim.New(t)
	cl := clientFor(t, s, s.Integration, Options{})
	ctx := testCtx(t)
	cases := []struct {
		name, board, status string
		wantStatus          int64
	}{
		{"board default closed status", "1", "", 5}, // ">Closed"
		{"explicit closing status", "1", "6", 6},    // "Cancelled"
		{"board without a Closed name", "2", "", 9}, // first closedStatus: "Completed"
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tk, err := cl.CreateTicket(ctx, platform.Ticket{Summary: c.name, Queue: c.board})
			if err != nil {
				t.Fatal(err)
			}
			if err := cl.CloseTicket(ctx, tk.ID, c.status); err != nil {
				t.Fatalf("CloseTicket: %v", err)
			}
			got, err := cl.GetTicket(ctx, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Closed || got.Status != itoa(c.wantStatus) {
				t.Fatalf("after close: status %s closed %v, want %d closed", got.Status, got.Closed, c.wantStatus)
			}
		})
	}
}

func TestGetTicketErrors(t *testing.T) {
	s := connectwisesim.New(t)
	cl := clientFor(t, s, s.Integration, Options{})
	ctx := testCtx(t)
	_, err := cl.GetTicket(ctx, "999999")
	pe := platformErr(t, err, platform.ReasonNotFound)
	if pe.Status != 404 || !strings.Contains(pe.Message, "Ticket ID 999999 not found") {
		t.Fatalf("not found error = %v", err)
	}
	before := s.Requests()
	_, err = cl.GetTicket(ctx, "../system/info")
	platformErr(t, err, platform.ReasonInvalid)
	if s.Requests() != before {
		t.Fatal("a malformed id reached the server")
	}
}

func ticketsEqual(a, b platform.Ticket) bool {
	eqTime := func(x, y *time.Time) bool { return (x == nil) == (y == nil) && (x == nil || x.Equal(*y)) }
	if !eqTime(a.StartDate, b.StartDate) || !eqTime(a.TargetDate, b.TargetDate) || len(a.Custom) != len(b.Custom) {
		return false
	}
	for k, v := range a.Custom {
		if b.Custom[k] != v {
			return false
		}
	}
	a.StartDate, a.TargetDate, a.Custom = nil, nil, nil
	b.StartDate, b.TargetDate, b.Custom = nil, nil, nil
	return reflect.DeepEqual(a, b)
}

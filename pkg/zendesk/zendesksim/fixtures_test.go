package zendesksim_test

// The simulator's answers against the vendor fixtures in ../testdata: the
// same field names with compatible JSON types wherever both have a field,
// and every field Tandem's client reads.

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"testing"

	"github.com/tandemsync/tandem/pkg/vendorfixture"
	"github.com/tandemsync/tandem/pkg/zendesk/zendesksim"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	return vendorfixture.Read(t, "../testdata/"+name)
}

func api(t *testing.T, s *zendesksim.Server, u zendesksim.User, method, path string, body []byte, contentType string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(u.Email+"/token", u.APIToken)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, out := vendorfixture.Send(t, req)
	return resp.StatusCode, out
}

func jsonBody(v any) []byte { b, _ := json.Marshal(v); return b }

func newTicket(t *testing.T, s *zendesksim.Server) int64 {
	t.Helper()
	status, body := api(t, s, zendesksim.Agent, "POST", "/api/v2/tickets", jsonBody(map[string]any{"ticket": map[string]any{
		"subject": "Help, my printer is on fire!", "comment": map[string]any{"body": "The fire is very colorful.", "public": true},
		"priority": "high", "type": "incident", "status": "open", "group_id": 360000001, "external_id": "ahg35h3jh",
		"custom_fields": []map[string]any{{"id": 27642, "value": "745"}},
	}}), "application/json")
	var out struct{ Ticket struct{ ID int64 } }
	if status != http.StatusCreated || json.Unmarshal(body, &out) != nil || out.Ticket.ID == 0 {
		t.Fatalf("create: %d %s", status, body)
	}
	return out.Ticket.ID
}

func TestTicketMatchesVendorFixture(t *testing.T) {
	s := zendesksim.New(t, zendesksim.Options{})
	id := newTicket(t, s)
	status, got := api(t, s, zendesksim.Agent, "GET", "/api/v2/tickets/"+strconv.FormatInt(id, 10), nil, "")
	if status != http.StatusOK {
		t.Fatalf("get: %d %s", status, got)
	}
	vendorfixture.Check(t, fixture(t, "ticket-get.json"), got, []string{
		"ticket.id", "ticket.subject", "ticket.description", "ticket.status", "ticket.priority", "ticket.type",
		"ticket.group_id", "ticket.external_id", "ticket.custom_status_id", "ticket.custom_fields[].id",
		"ticket.custom_fields[].value", "ticket.updated_at",
	}, nil)
}

func TestUpdateAndCommentsMatchVendorFixtures(t *testing.T) {
	s := zendesksim.New(t, zendesksim.Options{})
	id := newTicket(t, s)
	path := "/api/v2/tickets/" + strconv.FormatInt(id, 10)
	status, got := api(t, s, zendesksim.Agent, "PUT", path, jsonBody(map[string]any{"ticket": map[string]any{
		"status": "pending", "comment": map[string]any{"body": "The smoke is very colorful.", "public": false}}}), "application/json")
	if status != http.StatusOK {
		t.Fatalf("update: %d %s", status, got)
	}
	vendorfixture.Check(t, fixture(t, "ticket-update.json"), got, []string{"audit.events[].id", "audit.events[].type", "ticket.id"}, nil)

	status, got = api(t, s, zendesksim.Agent, "GET", path+"/comments?page[size]=1", nil, "")
	if status != http.StatusOK {
		t.Fatalf("comments: %d %s", status, got)
	}
	vendorfixture.Check(t, fixture(t, "comments-list.json"), got, []string{
		"comments[].id", "comments[].author_id", "comments[].body", "comments[].public", "comments[].created_at",
		"comments[].attachments", "meta.has_more", "meta.after_cursor",
	}, nil)
}

func TestUploadMatchesVendorFixture(t *testing.T) {
	s := zendesksim.New(t, zendesksim.Options{})
	status, got := api(t, s, zendesksim.Agent, "POST", "/api/v2/uploads?filename=crash.png", []byte{0x89, 'P', 'N', 'G'}, "image/png")
	if status != http.StatusCreated {
		t.Fatalf("upload: %d %s", status, got)
	}
	vendorfixture.Check(t, fixture(t, "upload-create.json"), got, []string{
		"upload.token", "upload.attachment.id", "upload.attachment.file_name", "upload.attachment.content_url",
		"upload.attachment.content_type", "upload.attachment.size",
	}, nil)
}

func TestClosedTicketRefusalMatchesVendorFixture(t *testing.T) {
	s := zendesksim.New(t, zendesksim.Options{})
	id := newTicket(t, s)
	path := "/api/v2/tickets/" + strconv.FormatInt(id, 10)
	if status, body := api(t, s, zendesksim.Agent, "PUT", path, jsonBody(map[string]any{"ticket": map[string]any{"status": "closed"}}), "application/json"); status != http.StatusOK {
		t.Fatalf("close: %d %s", status, body)
	}
	status, got := api(t, s, zendesksim.Agent, "PUT", path, jsonBody(map[string]any{"ticket": map[string]any{"status": "open"}}), "application/json")
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("update of a closed ticket: %d %s", status, got)
	}
	var a, b any
	if json.Unmarshal(got, &a) != nil || json.Unmarshal(fixture(t, "error-closed-ticket.json"), &b) != nil || !reflect.DeepEqual(a, b) {
		t.Fatalf("refusal %s, want the vendor's %s", got, fixture(t, "error-closed-ticket.json"))
	}
}

func TestWebhookDeliveriesMatchVendorFixtures(t *testing.T) {
	s := zendesksim.New(t, zendesksim.Options{})
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	t.Cleanup(rcv.Close)
	if status, body := api(t, s, zendesksim.Integration, "POST", "/api/v2/webhooks", jsonBody(map[string]any{"webhook": map[string]any{
		"name": "t", "endpoint": rcv.URL, "http_method": "POST", "request_format": "json", "status": "active",
		"subscriptions": []string{"zen:event-type:ticket.created", "zen:event-type:ticket.comment_added"}}}), "application/json"); status != http.StatusCreated {
		t.Fatalf("webhook: %d %s", status, body)
	}
	id := newTicket(t, s)
	if status, body := api(t, s, zendesksim.Agent, "PUT", "/api/v2/tickets/"+strconv.FormatInt(id, 10), jsonBody(map[string]any{"ticket": map[string]any{
		"comment": map[string]any{"body": "hello", "public": false}}}), "application/json"); status != http.StatusOK {
		t.Fatalf("comment: %d %s", status, body)
	}
	s.Flush()
	ds := s.Deliveries()
	if len(ds) != 2 {
		t.Fatalf("%d deliveries, want created and comment_added", len(ds))
	}
	byType := map[string][]byte{}
	for _, d := range ds {
		byType[d.Type] = d.Body
	}
	required := []string{"id", "type", "time", "subject", "detail.id", "detail.actor_id", "detail.status", "detail.priority", "detail.type", "detail.via.channel"}
	vendorfixture.Check(t, fixture(t, "event-ticket-created.json"), byType["zen:event-type:ticket.created"], required, nil)
	vendorfixture.Check(t, fixture(t, "event-comment-added.json"), byType["zen:event-type:ticket.comment_added"],
		append(required, "event.comment.id", "event.comment.is_public"), nil)
}

// The Agent is no admin: webhooks are refused, as in Zendesk.
func TestWebhooksNeedAnAdmin(t *testing.T) {
	s := zendesksim.New(t, zendesksim.Options{})
	status, _ := api(t, s, zendesksim.Agent, "POST", "/api/v2/webhooks", jsonBody(map[string]any{"webhook": map[string]any{
		"name": "t", "endpoint": "https://x.example", "subscriptions": []string{"zen:event-type:ticket.created"}}}), "application/json")
	if status != http.StatusForbidden {
		t.Fatalf("agent created a webhook: %d", status)
	}
}

func TestIncrementalExportMatchesVendorFixture(t *testing.T) {
	s := zendesksim.New(t, zendesksim.Options{})
	newTicket(t, s)
	status, got := api(t, s, zendesksim.Integration, "GET", "/api/v2/incremental/tickets/cursor.json?start_time=0", nil, "")
	if status != http.StatusOK {
		t.Fatalf("export: %d %s", status, got)
	}
	vendorfixture.Check(t, fixture(t, "incremental-tickets-cursor.json"), got, []string{
		"after_cursor", "end_of_stream", "tickets[].id", "tickets[].subject", "tickets[].status", "tickets[].priority",
		"tickets[].updated_at", "tickets[].generated_timestamp", "tickets[].external_id",
	}, nil)
}

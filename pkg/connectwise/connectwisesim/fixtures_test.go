package connectwisesim_test

// The simulator's answers against the vendor fixtures in ../testdata: the
// same field names with compatible JSON types wherever the fixture and the
// simulator both have a field, and every field Tandem's client reads. Where
// the simulator knowingly differs, the allow-list says why; an entry that
// stops matching fails, so a fixed simulator sheds it.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"

	"github.com/tandemsync/tandem/pkg/connectwise/connectwisesim"
	"github.com/tandemsync/tandem/pkg/vendorfixture"
)

func api(t *testing.T, s *connectwisesim.Server, m connectwisesim.Member, method, path string, in any) (int, []byte) {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.URL+connectwisesim.APIPath+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(s.CompanyID+"+"+m.PublicKey+":"+m.PrivateKey)))
	req.Header.Set("clientId", s.ClientID)
	resp, out := vendorfixture.Send(t, req)
	return resp.StatusCode, out
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	return vendorfixture.Read(t, "../testdata/"+name)
}

// fullTicket files a ticket with every field Tandem maps, as m, and returns
// its id.
func fullTicket(t *testing.T, s *connectwisesim.Server, m connectwisesim.Member) int64 {
	t.Helper()
	status, body := api(t, s, m, http.MethodPost, "/service/tickets", map[string]any{
		"summary": "Printer offline", "board": map[string]any{"id": 1}, "status": map[string]any{"id": 2},
		"priority": map[string]any{"id": 3}, "type": map[string]any{"id": 20}, "subType": map[string]any{"id": 31},
		"company": map[string]any{"id": connectwisesim.CustomerCompanyID}, "initialDescription": "Floor 3",
		"requiredDate": "2026-12-01T00:00:00Z", "estimatedStartDate": "2026-11-30T00:00:00Z",
	})
	var tk struct{ ID int64 }
	if status != http.StatusCreated || json.Unmarshal(body, &tk) != nil || tk.ID == 0 {
		t.Fatalf("create ticket: %d %s", status, body)
	}
	status, body = api(t, s, m, http.MethodPatch, "/service/tickets/"+strconv.FormatInt(tk.ID, 10), []map[string]any{
		{"op": "replace", "path": "customFields", "value": []map[string]any{{"id": 1, "value": "P-1"}}},
	})
	if status != http.StatusOK {
		t.Fatalf("patch customFields: %d %s", status, body)
	}
	return tk.ID
}

var ticketReads = []string{
	"id", "summary", "board", "board.id", "status", "status.id", "priority", "priority.id", "type", "type.id",
	"subType", "subType.id", "company", "company.id", "closedFlag", "requiredDate", "estimatedStartDate",
	"customFields", "customFields[].id", "customFields[].caption", "customFields[].type",
	"_info", "_info.lastUpdated", "_info.updatedBy",
}

func TestTicketMatchesVendorFixture(t *testing.T) {
	s := connectwisesim.New(t)
	id := fullTicket(t, s, s.Integration)
	status, got := api(t, s, s.Integration, http.MethodGet, "/service/tickets/"+strconv.FormatInt(id, 10), nil)
	if status != http.StatusOK {
		t.Fatalf("GET ticket: %d %s", status, got)
	}
	vendorfixture.Check(t, fixture(t, "ticket-get.json"), got, ticketReads, nil)
}

func TestNotesMatchVendorFixture(t *testing.T) {
	s := connectwisesim.New(t)
	id := fullTicket(t, s, s.Integration)
	path := "/service/tickets/" + strconv.FormatInt(id, 10) + "/notes"
	if status, body := api(t, s, s.Agent, http.MethodPost, path, map[string]any{
		"text": "Rebooted the printer", "detailDescriptionFlag": true, "internalAnalysisFlag": true,
	}); status/100 != 2 {
		t.Fatalf("add note: %d %s", status, body)
	}
	status, got := api(t, s, s.Integration, http.MethodGet, path, nil)
	if status != http.StatusOK {
		t.Fatalf("list notes: %d %s", status, got)
	}
	vendorfixture.Check(t, fixture(t, "ticket-notes.json"), got, []string{
		"[].id", "[].ticketId", "[].text", "[].detailDescriptionFlag", "[].internalAnalysisFlag", "[].resolutionFlag",
		"[].member", "[].member.identifier", "[].dateCreated", "[].createdBy",
	}, nil)
}

func TestTimeEntriesMatchVendorFixture(t *testing.T) {
	s := connectwisesim.New(t)
	id := fullTicket(t, s, s.Integration)
	if status, body := api(t, s, s.Agent, http.MethodPost, "/time/entries", map[string]any{
		"chargeToId": id, "chargeToType": "ServiceTicket", "member": map[string]any{"id": s.Agent.ID},
		"workType": map[string]any{"id": connectwisesim.WorkTypeOnsite}, "timeStart": "2026-11-30T08:00:00Z",
		"timeEnd": "2026-11-30T10:00:00Z", "notes": "Patched and rebooted", "billableOption": "Billable",
	}); status != http.StatusCreated {
		t.Fatalf("add time entry: %d %s", status, body)
	}
	status, got := api(t, s, s.Integration, http.MethodGet, "/time/entries?conditions="+url.QueryEscape(fmt.Sprintf(`chargeToType="ServiceTicket" AND chargeToId=%d`, id)), nil)
	if status != http.StatusOK {
		t.Fatalf("list time entries: %d %s", status, got)
	}
	vendorfixture.Check(t, fixture(t, "time-entries.json"), got, []string{
		"[].id", "[].chargeToId", "[].chargeToType", "[].member", "[].member.id", "[].member.identifier", "[].workType",
		"[].workType.id", "[].timeStart", "[].timeEnd", "[].actualHours", "[].notes", "[].billableOption",
	}, nil)
	var rows []map[string]any
	if err := json.Unmarshal(got, &rows); err != nil || len(rows) != 1 || rows[0]["actualHours"] != 2.0 {
		t.Fatalf("listed %s, want the one entry of 2 hours", got)
	}
}

func TestPicklistsMatchVendorFixtures(t *testing.T) {
	s := connectwisesim.New(t)
	status, got := api(t, s, s.Integration, http.MethodGet, "/service/boards/1/statuses", nil)
	if status != http.StatusOK {
		t.Fatalf("statuses: %d %s", status, got)
	}
	vendorfixture.Check(t, fixture(t, "board-statuses.json"), got,
		[]string{"[].id", "[].name", "[].board", "[].board.id", "[].inactive", "[].closedStatus"}, nil)

	status, got = api(t, s, s.Integration, http.MethodGet, "/service/priorities", nil)
	if status != http.StatusOK {
		t.Fatalf("priorities: %d %s", status, got)
	}
	vendorfixture.Check(t, fixture(t, "priorities.json"), got, []string{"[].id", "[].name"}, nil)
}

// The calling member's record, which the preparation checklist reads.
func TestMyMemberMatchesVendorFixture(t *testing.T) {
	s := connectwisesim.New(t)
	status, got := api(t, s, s.Integration, http.MethodGet, "/system/myMembers", nil)
	if status != http.StatusOK {
		t.Fatalf("myMembers: %d %s", status, got)
	}
	vendorfixture.Check(t, fixture(t, "member-get.json"), got,
		[]string{"identifier", "licenseClass", "securityRole", "securityRole.name"}, nil)
}

func TestCallbacksMatchVendorFixtures(t *testing.T) {
	s := connectwisesim.New(t)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	t.Cleanup(rcv.Close)

	status, got := api(t, s, s.Integration, http.MethodPost, "/system/callbacks", map[string]any{
		"url": rcv.URL + "/webhook?recordId=", "objectId": 1, "type": "ticket", "level": "owner",
		"payloadVersion": "3.0.0", "isSelfSuppressedFlag": true, "description": "fixture check",
	})
	if status != http.StatusCreated {
		t.Errorf("create callback: status %d, want 201 as captured", status)
	}
	vendorfixture.Check(t, fixture(t, "callback-create-response.json"), got,
		[]string{"id", "url", "objectId", "type", "level", "payloadVersion", "isSelfSuppressedFlag", "inactiveFlag"}, nil)

	// A person's change fires the ticket callback.
	id := fullTicket(t, s, s.Agent)
	deliveries := s.Flush()
	if len(deliveries) == 0 {
		t.Fatal("no callback delivered")
	}
	last := deliveries[len(deliveries)-1]
	envelope := []string{"MessageId", "FromUrl", "CompanyId", "MemberId", "Action", "Type", "ID", "Entity",
		"Metadata", "Metadata.key_url", "CallbackObjectRecId", "ProductInstanceId", "PartnerId"}
	// Every real callback body has the same envelope whatever the record
	// type, so the sandbox's contact callback checks the simulator's ticket
	// callback envelope.
	vendorfixture.Check(t, fixture(t, "callback-contact-updated.json"), last.Body, envelope, nil)
	vendorfixture.Check(t, fixture(t, "callback-ticket-updated.json"), last.Body, envelope, nil)

	// The Entity string holds the ticket as GET returns it.
	var env struct{ Entity string }
	if err := json.Unmarshal(last.Body, &env); err != nil || env.Entity == "" {
		t.Fatalf("delivery Entity: %v %s", err, last.Body)
	}
	vendorfixture.Check(t, fixture(t, "ticket-get.json"), []byte(env.Entity), ticketReads, nil)

	// Deleting sends Entity null, as the sandbox's contact delete did.
	if status, body := api(t, s, s.Agent, http.MethodDelete, "/service/tickets/"+strconv.FormatInt(id, 10), nil); status/100 != 2 {
		t.Fatalf("delete: %d %s", status, body)
	}
	deliveries = s.Flush()
	vendorfixture.Check(t, fixture(t, "callback-contact-deleted.json"), deliveries[len(deliveries)-1].Body, envelope, nil)
}

func TestErrorBodiesMatchVendorFixtures(t *testing.T) {
	s := connectwisesim.New(t)
	errorReads := []string{"code", "message", "errors", "errors[].code", "errors[].message", "errors[].resource", "errors[].field"}

	status, got := api(t, s, s.Integration, http.MethodGet, "/service/tickets/404", nil)
	if status != http.StatusNotFound {
		t.Errorf("missing ticket: status %d", status)
	}
	vendorfixture.Check(t, fixture(t, "error-404-not-found.json"), got, errorReads, nil)

	status, got = api(t, s, s.Integration, http.MethodPost, "/system/callbacks", map[string]any{
		"url": "not a url", "objectId": 1, "type": "ticket", "level": "nonsense",
	})
	if status != http.StatusBadRequest {
		t.Errorf("bad callback: status %d", status)
	}
	vendorfixture.Check(t, fixture(t, "error-400-callback-invalid.json"), got, errorReads, nil)

	status, got = api(t, s, s.Integration, http.MethodPost, "/service/tickets", map[string]any{
		"summary": "x", "board": map[string]any{"id": 1}, "company": map[string]any{"id": 999999},
	})
	if status != http.StatusBadRequest {
		t.Errorf("ticket for a missing company: status %d", status)
	}
	vendorfixture.Check(t, fixture(t, "error-400-invalid-object.json"), got, errorReads, nil)
}

package autotasksim

import (
	"net/http"
	"strconv"
	"testing"
)

// User-defined fields are described with "type" (Autotask's swagger model
// Field; getUDFInfo's "Type as String"), built-in fields with "dataType"
// (FieldInformationModel): a client that reads one name for both types every
// custom field as text.
func TestUDFInformationNamesTheTypeType(t *testing.T) {
	s := New(t, Options{})
	for _, tt := range []struct {
		path      string
		want, not string
	}{
		{"/ATServicesRest/V1.0/Tickets/entityInformation/userDefinedFields", "type", "dataType"},
		{"/ATServicesRest/V1.0/Tickets/entityInformation/fields", "dataType", "type"},
	} {
		status, _, out := do(t, s, s.Integration, http.MethodGet, tt.path, "")
		fields, _ := out["fields"].([]any)
		if status != http.StatusOK || len(fields) == 0 {
			t.Fatalf("%s: %d %v", tt.path, status, out)
		}
		for _, f := range fields {
			m := f.(map[string]any)
			if _, ok := m[tt.want]; !ok {
				t.Errorf("%s: field %v lacks %q", tt.path, m["name"], tt.want)
			}
			if _, ok := m[tt.not]; ok {
				t.Errorf("%s: field %v carries %q", tt.path, m["name"], tt.not)
			}
		}
	}
}

// A ticket with no user-defined field values answers an empty list, never
// null, before and after an update (live capture in
// pkg/autotask/testdata/ticket-get.json: "userDefinedFields": []).
func TestTicketWithoutUDFValuesAnswersEmptyList(t *testing.T) {
	s := New(t, Options{})
	status, _, body := do(t, s, s.Agent, http.MethodPost, "/ATServicesRest/V1.0/Tickets",
		`{"companyID":0,"title":"No custom fields","status":1,"priority":2,"dueDateTime":"2026-12-01T00:00:00Z"}`)
	if status != http.StatusOK {
		t.Fatalf("create: %d %v", status, body)
	}
	id := strconv.FormatInt(int64(body["itemId"].(float64)), 10)
	for _, step := range []string{"create", "update"} {
		if step == "update" {
			if status, _, body := do(t, s, s.Agent, http.MethodPatch, "/ATServicesRest/V1.0/Tickets", `{"id":`+id+`,"title":"Renamed"}`); status != http.StatusOK {
				t.Fatalf("update: %d %v", status, body)
			}
		}
		_, _, got := do(t, s, s.Agent, http.MethodGet, "/ATServicesRest/V1.0/Tickets/"+id, "")
		item, _ := got["item"].(map[string]any)
		if udfs, ok := item["userDefinedFields"].([]any); !ok || len(udfs) != 0 {
			t.Errorf("after %s: userDefinedFields = %#v, want []", step, item["userDefinedFields"])
		}
	}
}

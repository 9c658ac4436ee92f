package autotasksim

import (
	"net/http"
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

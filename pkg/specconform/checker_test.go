package specconform

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// recorder is a testing.TB that keeps the failures a Checker reports.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestCheckerReportsMismatchesAndStaleAllowances(t *testing.T) {
	pets := map[string]string{
		"/v1/pets/1": `{"name":"Rex","age":3}`,
		"/v1/pets/2": `{"age":"three"}`,
	}
	sim := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := pets[strings.ToLower(r.URL.Path)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(sim.Close)
	tests := []struct {
		name  string
		paths []string
		allow []Allowance
		want  []string // substrings of the reported failures, in order
		ops   int
	}{
		{"conforming", []string{"/v1/Pets/1"}, nil, nil, 1},
		{"bad response", []string{"/v1/pets/2"}, nil,
			[]string{`/age: value must be an integer`, `property "name" is missing`}, 1},
		{"unknown operation", []string{"/v1/owners/1"}, nil, []string{"GET /owners/{id} unknown operation"}, 0},
		{"allowed", []string{"/v1/pets/2"}, []Allowance{
			{Op: "GET /pets/{id}", Kind: Response, Match: "/age:", Reason: "r", Source: "s"},
			{Op: "GET /pets/{id}", Kind: Response, Match: `"name" is missing`, Reason: "r", Source: "s"},
		}, nil, 1},
		{"stale allowance", []string{"/v1/pets/1"}, []Allowance{
			{Op: "GET /pets/{id}", Kind: Response, Match: "/age:", Reason: "r", Source: "s"},
		}, []string{"matched nothing"}, 1},
		{"allowance without a source", []string{"/v1/pets/2"}, []Allowance{
			{Op: "GET /pets/{id}", Kind: Response, Match: "/", Reason: "r"},
		}, []string{"needs a reason and a source"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			c := Load(rec, Vendor{Name: "Pets", Spec: "testdata/pets.json", Base: "/v1", CaseInsensitive: true, Allow: tt.allow})
			proxy := c.Proxy(sim.URL)
			for _, p := range tt.paths {
				resp, err := http.Get(proxy + p)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			}
			rep := c.Finish()
			if len(rec.errs) != len(tt.want) {
				t.Fatalf("failures %q, want %d matching %q", rec.errs, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(rec.errs[i], w) {
					t.Errorf("failure %q, want it to contain %q", rec.errs[i], w)
				}
			}
			if rep.Operations != tt.ops {
				t.Errorf("%d operations validated, want %d", rep.Operations, tt.ops)
			}
		})
	}
}

package localrun_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/tandemsync/tandem/pkg/localrun"
	"github.com/tandemsync/tandem/pkg/mototest"
)

func TestMain(m *testing.M) { mototest.Main(m) }

// call sends one request as the README's curl lines do.
func call(t *testing.T, method, url, org, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewBufferString(body))
	req.Header.Set("Authorization", "Bearer dev:"+org)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: not JSON: %s", method, url, raw)
		}
	}
	return resp.StatusCode, out
}

// The README walk-through, over HTTP, on the embedded store and on
// moto_server through AWS_ENDPOINT_URL-style configuration.
func TestWalkthrough(t *testing.T) {
	for name, endpoint := range map[string]func(t *testing.T) string{
		"embedded": func(*testing.T) string { return "" },
		"moto":     func(t *testing.T) string { return mototest.Shared(t).URL },
	} {
		t.Run(name, func(t *testing.T) {
			r, err := localrun.Start(context.Background(), localrun.Options{Addr: "127.0.0.1:0", EndpointURL: endpoint(t)})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			status, created := call(t, "POST", r.URL+"/v1/connections", "acme", `{"role":"source","contractName":"Acme managed service"}`)
			if status != 201 || created["status"] != "pending" {
				t.Fatalf("create: %d %v", status, created)
			}
			status, accepted := call(t, "POST", r.URL+"/v1/connections/accept", "msp", `{"verificationCode":"`+created["verificationCode"].(string)+`"}`)
			if status != 200 || accepted["status"] != "active" || accepted["role"] != "target" {
				t.Fatalf("accept: %d %v", status, accepted)
			}
			for _, org := range []string{"acme", "msp"} {
				status, list := call(t, "GET", r.URL+"/v1/connections", org, "")
				active, _ := list["active"].([]any)
				if status != 200 || len(active) != 1 {
					t.Fatalf("%s list: %d %v", org, status, list)
				}
			}
		})
	}
}

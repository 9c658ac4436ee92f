package localrun_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

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
			// The SDK's standard configuration, as a developer pointing
			// make dev at moto_server would set it.
			t.Setenv("AWS_ACCESS_KEY_ID", "local")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
			t.Setenv("AWS_REGION", "eu-west-1")
			// A table of its own: moto_server is shared by the whole run.
			table := fmt.Sprintf("tandem-walkthrough-%d", time.Now().UnixNano())
			r, err := localrun.Start(context.Background(), localrun.Options{Addr: "127.0.0.1:0", Table: table, EndpointURL: endpoint(t), Simulators: true, WrapHTTP: contracted(t)})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			// Acme saves the Halo simulator's credentials and tests them.
			resp, err := http.Get(r.URL + "/dev/simulators/halo/credentials")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if status, saved := call(t, "PUT", r.URL+"/v1/settings/platform", "acme", string(body)); status != 200 || saved["platform"] != "halo" {
				t.Fatalf("save credentials: %d %v", status, saved)
			}
			if status, tested := call(t, "POST", r.URL+"/v1/settings/platform/test", "acme", ""); status != 200 || tested["status"] != "Connection tested" {
				t.Fatalf("test credentials: %d %v", status, tested)
			}
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

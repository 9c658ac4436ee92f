package localrun_test

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/tandemsync/tandem/pkg/api"
	"github.com/tandemsync/tandem/pkg/api/apitest"
	"github.com/tandemsync/tandem/pkg/app/apifn"
	"github.com/tandemsync/tandem/pkg/localrun"
)

// webhookRoute is served beside the router, by the webhook function.
const webhookRoute = "POST /webhooks/{platform}/{endpointId}"

// contracted holds every API and webhook exchange of a runner to the
// OpenAPI document (pass it as Options.WrapHTTP). /dev/ is make dev's help
// for the walk-through, not part of the API.
func contracted(t *testing.T) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		checked := apitest.HTTP(t, next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/dev/") {
				next.ServeHTTP(w, r)
				return
			}
			checked.ServeHTTP(w, r)
		})
	}
}

// Every route the local runner serves — the router's and the webhook
// function's — is in the document, and every route in the document is
// served.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	c, err := apitest.Default()
	if err != nil {
		t.Fatal(err)
	}
	r, err := localrun.Start(context.Background(), localrun.Options{Addr: "127.0.0.1:0", ManualQueues: true, WrapHTTP: contracted(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	served := []string{webhookRoute}
	for _, rt := range (apifn.Deps{Deps: r.Deps}).Router().Routes() {
		if strings.HasPrefix(rt.Pattern, "/webhooks/") {
			t.Errorf("the router serves %s %s: remove %s from webhookRoute", rt.Method, rt.Pattern, webhookRoute)
		}
		served = append(served, rt.Method+" "+rt.Pattern)
	}
	documented := c.Operations()
	for _, route := range served {
		if !slices.Contains(documented, route) {
			t.Errorf("%s is served but not in the OpenAPI document (pkg/api/openapi.json): document it", route)
		}
	}
	for _, op := range documented {
		if !slices.Contains(served, op) {
			t.Errorf("%s is in the OpenAPI document but not served", op)
		}
	}

	// The webhook route really is served beside the router: an unknown
	// endpoint is the receiver's 404, checked against the document.
	resp, err := http.Post(r.URL+"/webhooks/halo/wh_AAAAAAAAAAAAAAAAAAAAAA", "application/json", strings.NewReader(`{"id":1}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), "no such webhook endpoint") {
		t.Fatalf("POST to an unknown webhook endpoint: %d %s", resp.StatusCode, body)
	}
}

// GET /v1/openapi.json, as make dev serves it: no credentials, the document
// as embedded, and valid.
func TestOpenAPIDocumentOverHTTP(t *testing.T) {
	r, err := localrun.Start(context.Background(), localrun.Options{Addr: "127.0.0.1:0", ManualQueues: true, WrapHTTP: contracted(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	resp, err := http.Get(r.URL + api.OpenAPIPath)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" || string(body) != string(api.OpenAPIDocument()) {
		t.Fatalf("GET %s: %d %s", api.OpenAPIPath, resp.StatusCode, resp.Header)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(body)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("the served document is not valid: %v", err)
	}
}

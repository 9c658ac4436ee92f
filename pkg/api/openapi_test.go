package api_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/getkin/kin-openapi/openapi3"

	"github.com/tandemsync/tandem/pkg/api"
	"github.com/tandemsync/tandem/pkg/api/apitest"
)

func contract(t *testing.T) *apitest.Contract {
	t.Helper()
	c, err := apitest.Default()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Any router serves the document, to anyone, from any origin.
func TestOpenAPIDocumentIsServedWithoutAuth(t *testing.T) {
	h := apitest.Lambda(t, api.NewRouter(api.Auth{}, nil).Handler())
	get := func(method string) events.APIGatewayV2HTTPResponse {
		resp, err := h(context.Background(), events.APIGatewayV2HTTPRequest{
			RawPath:        api.OpenAPIPath,
			RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: api.OpenAPIPath}},
		})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := get(http.MethodGet)
	if resp.StatusCode != http.StatusOK || resp.Headers["Content-Type"] != "application/json" || resp.Headers["Access-Control-Allow-Origin"] != "*" {
		t.Fatalf("GET %s: %d %v", api.OpenAPIPath, resp.StatusCode, resp.Headers)
	}
	if resp.Body != string(api.OpenAPIDocument()) {
		t.Fatal("the served document differs from the embedded one")
	}
	if resp := get(http.MethodPost); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST %s: %d", api.OpenAPIPath, resp.StatusCode)
	}
}

// The rules the document keeps beyond the OpenAPI specification: each
// operation is named and tagged, the public ones say so, the others answer
// 401 and 500 like every authenticated route, and no answer can carry a
// field the document does not declare.
func TestOpenAPIDocumentRules(t *testing.T) {
	c := contract(t)
	if !c.Doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi %q, want 3.1", c.Doc.OpenAPI)
	}
	public := map[string]bool{"GET " + api.OpenAPIPath: true, "POST /webhooks/{platform}/{endpointId}": true, "GET " + api.ZendeskCallbackPath: true}
	ids := map[string]string{}
	for path, item := range c.Doc.Paths.Map() {
		for method, op := range item.Operations() {
			name := method + " " + path
			if op.OperationID == "" || op.Summary == "" || len(op.Tags) == 0 {
				t.Errorf("%s: needs an operationId, a summary and a tag", name)
			}
			if other, dup := ids[op.OperationID]; dup {
				t.Errorf("%s and %s share operationId %q", name, other, op.OperationID)
			}
			ids[op.OperationID] = name
			switch {
			case public[name] && (op.Security == nil || len(*op.Security) != 0):
				t.Errorf("%s is public: it needs \"security\": []", name)
			case !public[name] && op.Security != nil:
				t.Errorf("%s: authenticated routes use the document's security (the Cognito JWT)", name)
			case !public[name] && !strings.HasPrefix(path, "/v1/"):
				t.Errorf("%s: only /v1 routes take the JWT", name)
			case !public[name] && (op.Responses.Status(http.StatusUnauthorized) == nil || op.Responses.Status(http.StatusInternalServerError) == nil):
				t.Errorf("%s: every authenticated route can answer 401 and 500", name)
			}
			if op.OperationID == "getOpenAPI" {
				continue // its answer is this document, whose schema is the specification's
			}
			for status, resp := range op.Responses.Map() {
				for mime, media := range resp.Value.Content {
					if media.Schema == nil {
						t.Errorf("%s %s %s: no schema", name, status, mime)
						continue
					}
					for _, open := range openObjects(name+" "+status, media.Schema) {
						t.Errorf("%s accepts undeclared fields: give it \"additionalProperties\": false (or \"unevaluatedProperties\": false)", open)
					}
				}
			}
		}
	}
}

// openObjects lists the object schemas under s that would let an answer
// carry an undeclared field.
func openObjects(where string, s *openapi3.SchemaRef) []string {
	if s == nil || s.Value == nil {
		return nil
	}
	v := s.Value
	var out []string
	if isObject(v) && !closed(v) && !slices.ContainsFunc(v.AllOf, func(b *openapi3.SchemaRef) bool { return b.Value != nil && closed(b.Value) }) {
		out = append(out, where)
	}
	for _, name := range sortedKeys(v.Properties) {
		out = append(out, openObjects(where+"."+name, v.Properties[name])...)
	}
	out = append(out, openObjects(where+"[]", v.Items)...)
	out = append(out, openObjects(where+"{}", v.AdditionalProperties.Schema)...)
	for _, b := range slices.Concat(v.OneOf, v.AnyOf) {
		out = append(out, openObjects(where+"|", b)...)
	}
	for _, b := range v.AllOf {
		// allOf branches are closed by their holder; what they contain
		// must be closed on its own, except in an inline branch that only
		// narrows a closed sibling (an Error's code).
		if b.Ref == "" || b.Value == nil {
			continue
		}
		for _, name := range sortedKeys(b.Value.Properties) {
			out = append(out, openObjects(where+"."+name, b.Value.Properties[name])...)
		}
	}
	return out
}

func isObject(v *openapi3.Schema) bool {
	return (v.Type != nil && v.Type.Includes(openapi3.TypeObject)) || len(v.Properties) > 0 ||
		slices.ContainsFunc(v.AllOf, func(b *openapi3.SchemaRef) bool { return b.Value != nil && isObject(b.Value) })
}

func closed(v *openapi3.Schema) bool {
	isFalse := func(b openapi3.BoolSchema) bool { return b.Has != nil && !*b.Has }
	return isFalse(v.AdditionalProperties) || v.AdditionalProperties.Schema != nil || isFalse(v.UnevaluatedProperties)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Every error code the code can answer is in the document's ErrorCode list,
// every code an operation declares is in it, and every code in it is
// answered somewhere.
func TestOpenAPIErrorCodes(t *testing.T) {
	c := contract(t)
	listed := map[string]bool{}
	for _, v := range c.Doc.Components.Schemas["ErrorCode"].Value.Enum {
		listed[v.(string)] = true
	}
	declared := map[string]bool{"method_not_allowed": true} // the router's, for any path
	for path, item := range c.Doc.Paths.Map() {
		for method, op := range item.Operations() {
			for status, resp := range op.Responses.Map() {
				media := resp.Value.Content.Get("application/json")
				if status[0] < '4' || media == nil {
					continue
				}
				codes := errorCodes(media.Schema)
				if len(codes) == 0 {
					t.Errorf("%s %s %s: an error answer lists the codes it can carry", method, path, status)
				}
				for _, code := range codes {
					declared[code] = true
					if !listed[code] {
						t.Errorf("%s %s %s: code %q is not in ErrorCode", method, path, status, code)
					}
				}
			}
		}
	}
	for code := range listed {
		if !declared[code] {
			t.Errorf("ErrorCode %q is answered by no operation", code)
		}
	}
	for code, where := range sourceErrorCodes(t) {
		if !listed[code] {
			t.Errorf("%s answers error code %q, which the document does not list", where, code)
		}
	}
}

// errorCodes returns the codes an error answer's schema narrows to.
func errorCodes(s *openapi3.SchemaRef) []string {
	var out []string
	for _, b := range s.Value.AllOf {
		if e := b.Value.Properties["error"]; e != nil {
			if code := e.Value.Properties["code"]; code != nil {
				for _, v := range code.Value.Enum {
					out = append(out, v.(string))
				}
			}
		}
	}
	return out
}

// sourceErrorCodes finds the error codes written in the packages that
// answer API and webhook requests.
func sourceErrorCodes(t *testing.T) map[string]string {
	t.Helper()
	patterns := []*regexp.Regexp{
		regexp.MustCompile(`Code:\s*"([a-z_]+)"`),               // api.Error
		regexp.MustCompile(`problem\(\d+,\s*"([a-z_]+)"`),       // webhook.Receiver
		regexp.MustCompile(`\\?"code\\?":\s*\\?"([a-z_]+)\\?"`), // literal JSON
	}
	found := map[string]string{}
	for _, dir := range []string{".", "../webhook", "../app"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range patterns {
				for _, m := range p.FindAllSubmatch(src, -1) {
					found[string(m[1])] = f
				}
			}
		}
	}
	if len(found) < 10 {
		t.Fatalf("found only %d error codes in the sources: has the code moved?", len(found))
	}
	return found
}

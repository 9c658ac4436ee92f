package api

import (
	"bytes"
	"context"
	_ "embed" // the contract
	"encoding/json"
	"net/http"
)

// OpenAPIPath is where every router serves the API's contract, without
// authentication.
const OpenAPIPath = "/v1/openapi.json"

// openAPIDocument is the API's contract: an OpenAPI 3.1 document written by
// hand. It is the one source of truth; the tests hold the handlers to it
// (package apitest) and check that it lists exactly the routes served.
//
//go:embed openapi.json
var openAPIDocument []byte

// OpenAPIDocument returns a copy of the OpenAPI document.
func OpenAPIDocument() []byte { return bytes.Clone(openAPIDocument) }

// serveOpenAPI answers GET /v1/openapi.json with the document as written.
// It holds nothing private, so any origin may read it: browser-based tools
// (Swagger Editor, Redoc) can then import it by URL.
func serveOpenAPI(context.Context, *Request) (Result, error) {
	return Result{
		Status: http.StatusOK,
		Body:   json.RawMessage(openAPIDocument),
		Header: map[string]string{"Access-Control-Allow-Origin": "*"},
	}, nil
}

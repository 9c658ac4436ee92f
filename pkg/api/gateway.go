package api

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// Handler is an API function's handler. An alias, not a defined type, so
// lambda.StartHandlerFunc checks it at compile time.
type Handler = func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// The helpers below read an API Gateway HTTP API (payload 2.0) request the
// same way for every route: the API routes and the webhook route.

// requestPath is the raw path, or the context's path when a test or SAM
// leaves RawPath empty.
func requestPath(req events.APIGatewayV2HTTPRequest) string {
	if req.RawPath != "" {
		return req.RawPath
	}
	return req.RequestContext.HTTP.Path
}

// requestBody decodes a base64 body, which API Gateway sends for content
// types it does not treat as text.
func requestBody(req events.APIGatewayV2HTTPRequest) ([]byte, error) {
	if !req.IsBase64Encoded {
		return []byte(req.Body), nil
	}
	b, err := base64.StdEncoding.DecodeString(req.Body)
	if err != nil {
		return nil, &Error{Status: http.StatusBadRequest, Code: "invalid_body", Message: "the body is not valid base64"}
	}
	return b, nil
}

// requestHeader canonicalises header names: API Gateway lower-cases them.
func requestHeader(req events.APIGatewayV2HTTPRequest) http.Header {
	h := make(http.Header, len(req.Headers))
	for k, v := range req.Headers {
		h[http.CanonicalHeaderKey(k)] = []string{v}
	}
	return h
}

// requestQuery parses the raw query string; an unparsable one reads as
// empty, as API Gateway itself drops what it cannot split.
func requestQuery(req events.APIGatewayV2HTTPRequest) url.Values {
	q, err := url.ParseQuery(req.RawQueryString)
	if err != nil {
		return url.Values{}
	}
	return q
}

func header(h map[string]string, name string) string {
	if v, ok := h[name]; ok {
		return v
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

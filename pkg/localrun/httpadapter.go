package localrun

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// LambdaHandler is an API Gateway HTTP API (payload 2.0) handler.
type LambdaHandler func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// maxLocalBody is what API Gateway itself accepts (10 MB); handlers apply
// their own tighter limits, as they do behind the real gateway.
const maxLocalBody = 10 << 20

// HTTPHandler serves a Lambda handler over net/http, building the event the
// way API Gateway does, so the local runner exercises the same code path.
func HTTPHandler(h LambdaHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxLocalBody+1))
		if err != nil || len(body) > maxLocalBody {
			http.Error(w, `{"error":{"code":"body_too_large","message":"request body too large"}}`, http.StatusRequestEntityTooLarge)
			return
		}
		ev := ToEvent(r, body)
		resp, err := h(r.Context(), ev)
		if err != nil {
			// A Lambda error surfaces as API Gateway's generic 500.
			http.Error(w, `{"message":"Internal Server Error"}`, http.StatusInternalServerError)
			return
		}
		for k, v := range resp.Headers {
			w.Header().Set(k, v)
		}
		status := resp.StatusCode
		if status == 0 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		out := []byte(resp.Body)
		if resp.IsBase64Encoded {
			if dec, err := base64.StdEncoding.DecodeString(resp.Body); err == nil {
				out = dec
			}
		}
		_, _ = w.Write(out)
	})
}

// ToEvent converts an HTTP request into an API Gateway v2 event.
func ToEvent(r *http.Request, body []byte) events.APIGatewayV2HTTPRequest {
	headers := make(map[string]string, len(r.Header))
	for k, vs := range r.Header {
		headers[strings.ToLower(k)] = strings.Join(vs, ",")
	}
	query := map[string]string{}
	for k, vs := range r.URL.Query() {
		query[k] = strings.Join(vs, ",")
	}
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	ev := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              "$default",
		RawPath:               r.URL.Path,
		RawQueryString:        r.URL.RawQuery,
		Headers:               headers,
		QueryStringParameters: query,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RequestID: hex.EncodeToString(id),
			Stage:     "$default",
			TimeEpoch: time.Now().UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      r.URL.Path,
				Protocol:  r.Proto,
				SourceIP:  r.RemoteAddr,
				UserAgent: r.UserAgent(),
			},
		},
	}
	if utf8.Valid(body) {
		ev.Body = string(body)
	} else {
		ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
	}
	return ev
}

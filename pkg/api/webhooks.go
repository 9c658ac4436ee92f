package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/webhook"
)

// WebhookRoutes registers POST /v1/settings/platform/webhooks.
func WebhookRoutes(rt *Router, in *webhook.Installer) {
	rt.Handle(http.MethodPost, "/v1/settings/platform/webhooks", func(ctx context.Context, r *Request) (Result, error) {
		out, err := in.Install(ctx, r.Caller.OrgID)
		if err != nil {
			return Result{}, err
		}
		return Result{Status: http.StatusCreated, Body: out}, nil
	})
}

// Receiver handles one platform delivery; *webhook.Receiver implements it.
type Receiver interface {
	Receive(ctx context.Context, kind, endpointID string, req platform.WebhookRequest) webhook.Response
}

// WebhookHandler serves POST /webhooks/{platform}/{endpointId}. It carries
// no JWT: the receiver verifies each delivery the platform's own way.
func WebhookHandler(rcv Receiver) Handler {
	return func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		parts := strings.Split(strings.Trim(requestPath(req), "/"), "/")
		if len(parts) != 3 || parts[0] != "webhooks" || !validPathID(parts[1]) || !validPathID(parts[2]) {
			return errorResponse(&Error{Status: http.StatusNotFound, Code: "not_found", Message: "no such webhook endpoint"}), nil
		}
		if req.RequestContext.HTTP.Method != http.MethodPost {
			resp := errorResponse(&Error{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed", Message: "deliveries are POSTed"})
			resp.Headers["Allow"] = http.MethodPost
			return resp, nil
		}
		body, err := requestBody(req)
		if err != nil {
			return errorResponse(toError(err)), nil
		}
		delivery := platform.WebhookRequest{Header: requestHeader(req), Query: requestQuery(req), Body: body}
		out := rcv.Receive(ctx, parts[1], parts[2], delivery)
		return events.APIGatewayV2HTTPResponse{StatusCode: out.Status, Headers: map[string]string{"Content-Type": out.ContentType}, Body: out.Body}, nil
	}
}

package app

import (
	"context"
	"encoding/base64"

	"net/url"
	"strings"
	"sync"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tandemsync/tandem/pkg/api"
	"github.com/tandemsync/tandem/pkg/autotask"
	"github.com/tandemsync/tandem/pkg/connectwise"
	"github.com/tandemsync/tandem/pkg/graph"
	"github.com/tandemsync/tandem/pkg/halo"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/webhook"
)

// Installer builds the webhook installer behind POST /v1/settings/platform/webhooks.
func (d *Deps) Installer() *webhook.Installer {
	return &webhook.Installer{
		Store: d.Store, Secrets: d.Secrets, Accounts: d.platforms, BaseURL: d.WebhookBaseURL,
		Instructions: map[platform.Kind]func(string, string) string{platform.Halo: halo.WebhookInstructions},
		Clock:        d.Clock, Log: d.Log,
	}
}

// cwVerifiers keeps one ConnectWise verifier (and so one signing-key cache)
// per organisation.
type cwVerifiers struct {
	d  *Deps
	mu sync.Mutex
	m  map[string]*connectwise.Verifier
}

func (v *cwVerifiers) verify(ctx context.Context, ep webhook.Endpoint, req platform.WebhookRequest, _ string) error {
	v.mu.Lock()
	ver, ok := v.m[ep.OrgID]
	v.mu.Unlock()
	if !ok {
		raw, err := v.d.platforms.Credentials(ctx, ep.OrgID)
		if err != nil {
			return err
		}
		creds, err := connectwise.ParseCredentials(raw, v.d.Auth.DevBearer)
		if err != nil {
			return err
		}
		ver = connectwise.NewVerifier(creds, connectwise.Options{AllowPrivate: v.d.Auth.DevBearer})
		v.mu.Lock()
		v.m[ep.OrgID] = ver
		v.mu.Unlock()
	}
	return ver.Verify(ctx, req)
}

func withSecret(f func(platform.WebhookRequest, string) error) func(context.Context, webhook.Endpoint, platform.WebhookRequest, string) error {
	return func(_ context.Context, _ webhook.Endpoint, req platform.WebhookRequest, secret string) error {
		return f(req, secret)
	}
}

// Receiver builds the webhook receiver.
func (d *Deps) Receiver() *webhook.Receiver {
	cw := &cwVerifiers{d: d, m: map[string]*connectwise.Verifier{}}
	return &webhook.Receiver{
		Store: d.Store, Secrets: d.Secrets, Out: d.Queue, Log: d.Log,
		Platforms: map[platform.Kind]webhook.Platform{
			platform.Autotask:    {Verify: withSecret(autotask.VerifyWebhook), Parse: autotask.ParseWebhook},
			platform.ConnectWise: {Verify: cw.verify, Parse: connectwise.ParseWebhook},
			platform.Halo:        {Verify: withSecret(halo.VerifyWebhook), Parse: halo.ParseWebhook},
			platform.Graph:       {Verify: withSecret(graph.VerifyWebhook), Parse: graph.ParseWebhook, Handshake: graph.ValidationToken},
		},
	}
}

// WebhookHandler serves functions/webhook: POST /webhooks/{platform}/{endpointId}.
func (d *Deps) WebhookHandler() api.Handler {
	rcv := d.Receiver()
	return func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		path := req.RawPath
		if path == "" {
			path = req.RequestContext.HTTP.Path
		}
		parts := strings.Split(strings.Trim(path, "/"), "/")
		if len(parts) != 3 || parts[0] != "webhooks" {
			return gwResponse(webhook.Response{Status: 404, ContentType: "application/json", Body: `{"error":{"code":"not_found","message":"no such webhook endpoint"}}`}), nil
		}
		if m := req.RequestContext.HTTP.Method; m != "POST" {
			return gwResponse(webhook.Response{Status: 405, ContentType: "application/json", Body: `{"error":{"code":"method_not_allowed","message":"deliveries are POSTed"}}`}), nil
		}
		body := []byte(req.Body)
		if req.IsBase64Encoded {
			b, err := base64.StdEncoding.DecodeString(req.Body)
			if err != nil {
				return gwResponse(webhook.Response{Status: 400, ContentType: "application/json", Body: `{"error":{"code":"invalid_body","message":"body is not valid base64"}}`}), nil
			}
			body = b
		}
		query, err := url.ParseQuery(req.RawQueryString)
		if err != nil {
			query = url.Values{}
		}
		header := make(map[string][]string, len(req.Headers))
		for k, v := range req.Headers {
			header[canonical(k)] = []string{v}
		}
		resp := rcv.Receive(ctx, parts[1], parts[2], platform.WebhookRequest{Header: header, Query: query, Body: body})
		return gwResponse(resp), nil
	}
}

func canonical(k string) string {
	parts := strings.Split(strings.ToLower(k), "-")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "-")
}

func gwResponse(r webhook.Response) events.APIGatewayV2HTTPResponse {
	return events.APIGatewayV2HTTPResponse{StatusCode: r.Status, Headers: map[string]string{"Content-Type": r.ContentType}, Body: r.Body}
}

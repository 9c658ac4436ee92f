package api

import (
	"context"
	"encoding/json"
	"html"
	"net/http"

	"github.com/tandemsync/tandem/pkg/oauthflow"
)

// OAuthFlow is "Generate token"; *oauthflow.Flow implements it.
type OAuthFlow interface {
	Start(ctx context.Context, org, subdomain string) (oauthflow.Started, error)
	Complete(ctx context.Context, state, code, denied string) (string, error)
}

// ZendeskCallbackPath is the redirect URL registered with Zendesk's OAuth
// client (after the API's base URL).
const ZendeskCallbackPath = "/v1/oauth/zendesk/callback"

// OAuthRoutes registers the start of "Generate token" for the caller's
// organisation and the public callback Zendesk redirects the browser to.
func OAuthRoutes(rt *Router, flow OAuthFlow) {
	rt.Handle(http.MethodPost, "/v1/settings/platform/oauth/zendesk/start", func(ctx context.Context, r *Request) (Result, error) {
		var body struct {
			Subdomain string `json:"subdomain"`
		}
		if err := r.Decode(&body); err != nil {
			return Result{}, err
		}
		out, err := flow.Start(ctx, r.Caller.OrgID, body.Subdomain)
		if err != nil {
			return Result{}, err
		}
		return Result{Status: http.StatusOK, Body: out}, nil
	})
	// Public: the browser arrives from Zendesk without Tandem's sign-in;
	// the single-use state is what binds the call to an organisation.
	rt.HandlePublic(http.MethodGet, ZendeskCallbackPath, func(ctx context.Context, r *Request) (Result, error) {
		q := requestQuery(r.Raw)
		org, err := flow.Complete(ctx, q.Get("state"), q.Get("code"), q.Get("error"))
		if err != nil {
			status, text := callbackPage(err)
			r.Log.InfoContext(ctx, "zendesk authorization refused", "status", status, "error", err)
			return page(status, "Token not processed", text), nil
		}
		r.Log.InfoContext(ctx, "zendesk authorization completed", "org_id", org)
		return page(http.StatusOK, "Token processed", "Token processed — you can close this window."), nil
	})
}

// page is a small HTML answer for a browser tab.
func page(status int, title, text string) Result {
	doc := "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + html.EscapeString(title) +
		"</title></head><body><main><h1>" + html.EscapeString(title) + "</h1><p>" + html.EscapeString(text) +
		"</p><button onclick=\"window.close()\">Close window</button></main></body></html>"
	return Result{Status: status, Body: json.RawMessage(doc), Header: map[string]string{
		"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'",
	}}
}

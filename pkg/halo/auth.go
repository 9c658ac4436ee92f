package halo

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/tandemsync/tandem/pkg/clientcredentials"
	"github.com/tandemsync/tandem/pkg/platform"
)

// tokenMargin is how long before expiry a token is replaced (at most a tenth
// of its lifetime).
const tokenMargin = time.Minute

func (c *Client) newTokenSource() *clientcredentials.Source {
	return clientcredentials.New(clientcredentials.Config{
		TokenURL:     c.creds.TokenURL(),
		ClientID:     c.creds.ClientID,
		ClientSecret: c.creds.ClientSecret,
		Scope:        "all",
		HTTP:         c.http,
		Margin:       tokenMargin,
		Now:          func() time.Time { return c.now() },
	})
}

// accessToken returns a cached token or fetches a new one.
func (c *Client) accessToken(ctx context.Context) (string, error) {
	tok, err := c.tokens.Token(ctx)
	var e *clientcredentials.Error
	if err == nil || !errors.As(err, &e) {
		return tok, err
	}
	switch e.Failure {
	case clientcredentials.InvalidURL:
		return "", &platform.Error{Platform: platform.Halo, Reason: platform.ReasonInvalid,
			Message: "The Halo address cannot be used to sign in. Check the Halo address and tenant.", Err: e.Err}
	case clientcredentials.Unanswered:
		return "", c.transportError(e.Err, "sign in")
	}
	return "", c.tokenError(e)
}

// tokenError turns a refused token request into an actionable error.
func (c *Client) tokenError(ans *clientcredentials.Error) error {
	e := &platform.Error{Platform: platform.Halo, Status: ans.Status}
	switch {
	case ans.Status == http.StatusTooManyRequests || ans.Status >= 500:
		return c.statusErrorFrom(ans.Status, ans.Header, nil, "sign in")
	case ans.Code == "invalid_client" || ans.Code == "unauthorized_client" || ans.Code == "invalid_grant" ||
		ans.Status == http.StatusUnauthorized:
		e.Reason = platform.ReasonAuthFailed
		e.Message = "Authentication failed. Check the Client ID (copy it when the API application is not in edit mode) and the Client Secret, " +
			"and that the application uses Client ID and Secret (Services) authentication" + c.tenantHint() + "."
	case ans.Code == "invalid_scope":
		e.Reason = platform.ReasonNotPermitted
		e.Message = "Halo refused the \"all\" permission. Tick \"all\" under Permissions on the API application (Configuration > Integrations > Halo API)."
	case ans.Status == http.StatusNotFound || ans.Status == http.StatusMethodNotAllowed || ans.NotJSON:
		e.Reason = platform.ReasonNotFound
		e.Message = "No Halo sign-in page answered at " + c.creds.BaseURL + ". Check the Halo address (the part before /api)" + c.tenantHint() + "."
	default:
		e.Reason = platform.ReasonForStatus(ans.Status)
		e.Message = "Halo refused to sign Tandem in" + c.detail(ans.Code+" "+ans.Description) +
			". Check the Client ID, Client Secret" + c.tenantHint() + "."
	}
	return e
}

func (c *Client) tenantHint() string {
	if c.creds.Tenant != "" {
		return " and the tenant (tenant_id at /api/instanceinfo)"
	}
	return ""
}

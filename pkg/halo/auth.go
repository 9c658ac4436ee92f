package halo

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
)

// tokenAnswer is the OAuth2 token response (and its error form).
type tokenAnswer struct {
	AccessToken      string `json:"access_token"`
	TokenType        string `json:"token_type"`
	ExpiresIn        int64  `json:"expires_in"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// accessToken returns a cached token or fetches a new one. The lock is held
// during the fetch so concurrent callers share one token request.
func (c *Client) accessToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && c.now().Before(c.expires) {
		return c.token, nil
	}
	token, lifetime, err := c.fetchToken(ctx)
	if err != nil {
		return "", err
	}
	// Refresh a little early so a request never leaves with a token that
	// expires on the way.
	margin := min(time.Minute, lifetime/10)
	c.token, c.expires = token, c.now().Add(lifetime-margin)
	return token, nil
}

// dropToken forgets token unless another caller already replaced it.
func (c *Client) dropToken(token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == token {
		c.token = ""
	}
}

func (c *Client) fetchToken(ctx context.Context) (string, time.Duration, error) {
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {c.creds.ClientID},
		"client_secret": {c.creds.ClientSecret},
		"scope":         {"all"},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.creds.TokenURL(), strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, &platform.Error{Platform: platform.Halo, Reason: platform.ReasonInvalid,
			Message: "The Halo address cannot be used to sign in. Check the Halo address and tenant.", Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return "", 0, c.transportError(err, "sign in")
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var ans tokenAnswer
	jsonErr := json.Unmarshal(data, &ans)
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 && jsonErr == nil && ans.AccessToken != "" {
		lifetime := time.Duration(ans.ExpiresIn) * time.Second
		if lifetime <= 0 {
			lifetime = time.Hour
		}
		return ans.AccessToken, lifetime, nil
	}
	return "", 0, c.tokenError(resp, ans, jsonErr != nil)
}

// tokenError turns a failed token request into an actionable error.
func (c *Client) tokenError(resp *http.Response, ans tokenAnswer, notJSON bool) error {
	e := &platform.Error{Platform: platform.Halo, Status: resp.StatusCode}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return c.statusErrorFrom(resp, nil, "sign in")
	case ans.Error == "invalid_client" || ans.Error == "unauthorized_client" || ans.Error == "invalid_grant" ||
		resp.StatusCode == http.StatusUnauthorized:
		e.Reason = platform.ReasonAuthFailed
		e.Message = "Authentication failed. Check the Client ID (copy it when the API application is not in edit mode) and the Client Secret, " +
			"and that the application uses Client ID and Secret (Services) authentication" + c.tenantHint() + "."
	case ans.Error == "invalid_scope":
		e.Reason = platform.ReasonNotPermitted
		e.Message = "Halo refused the \"all\" permission. Tick \"all\" under Permissions on the API application (Configuration > Integrations > Halo API)."
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed || notJSON:
		e.Reason = platform.ReasonNotFound
		e.Message = "No Halo sign-in page answered at " + c.creds.BaseURL + ". Check the Halo address (the part before /api)" + c.tenantHint() + "."
	default:
		e.Reason = platform.ReasonForStatus(resp.StatusCode)
		e.Message = "Halo refused to sign Tandem in" + c.detail(ans.Error+" "+ans.ErrorDescription) +
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

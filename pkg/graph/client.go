package graph

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tandemsync/tandem/pkg/clientcredentials"
	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

const (
	defaultLoginURL = "https://login.microsoftonline.com"
	defaultGraphURL = "https://graph.microsoft.com/v1.0"
	graphScope      = "https://graph.microsoft.com/.default"
	// Outlook allows 4 concurrent requests per app and mailbox (Graph
	// throttling limits, "Outlook service limits"): clients of one
	// mailbox share one guarded HTTP client (see mailboxHTTP).
	maxConcurrent = 4
	// Attachments travel base64 in JSON, so the largest allowed file needs
	// about 200 MB of response.
	maxResponse = 256 << 20
	// A token is renewed this long before it expires (at most a tenth of
	// its lifetime) so an in-flight call never carries a token that lapses
	// on the way.
	tokenSlack = 5 * time.Minute
)

// Options configure a Client.
type Options struct {
	// AllowPrivate is local/test mode: http and loopback URLs are accepted
	// and the URL overrides below are honoured.
	AllowPrivate bool
	// HTTP is the guarded client; nil builds one capped at 4 concurrent
	// requests, Outlook's per-app limit.
	HTTP *egress.Client
	// LoginURL replaces https://login.microsoftonline.com (simulator).
	LoginURL string
	// GraphURL replaces https://graph.microsoft.com/v1.0 (simulator).
	GraphURL string
}

// Client talks to one mailbox with app-only credentials. It is safe for
// concurrent use.
type Client struct {
	creds    Credentials
	http     *egress.Client
	loginURL string
	graphURL string
	private  bool
	tokens   *clientcredentials.Source
	slots    chan struct{} // shared by the mailbox's clients
}

var _ platform.Client = (*Client)(nil)

// New builds a Client. Credentials come from ParseCredentials.
func New(creds Credentials, opts Options) *Client {
	h := opts.HTTP
	if h == nil {
		h = egress.New(egress.Options{AllowPrivate: opts.AllowPrivate, MaxConcurrent: maxConcurrent})
	}
	c := &Client{creds: creds, http: h, loginURL: defaultLoginURL, graphURL: defaultGraphURL, private: opts.AllowPrivate, slots: mailboxSlots(creds)}
	if opts.AllowPrivate {
		c.loginURL = firstNonEmpty(opts.LoginURL, creds.LoginURL, defaultLoginURL)
		c.graphURL = firstNonEmpty(opts.GraphURL, creds.GraphURL, defaultGraphURL)
	}
	c.loginURL = strings.TrimRight(c.loginURL, "/")
	c.graphURL = strings.TrimRight(c.graphURL, "/")
	c.tokens = clientcredentials.New(clientcredentials.Config{
		TokenURL:     c.loginURL + "/" + url.PathEscape(creds.TenantID) + "/oauth2/v2.0/token",
		ClientID:     creds.ClientID,
		ClientSecret: creds.ClientSecret,
		Scope:        graphScope,
		HTTP:         h,
		Margin:       tokenSlack,
	})
	return c
}

// mailboxes holds one semaphore per tenant and mailbox in this process,
// so every client of a mailbox (a new one is built when credentials
// change, and tests build several) shares the 4 requests in flight
// Outlook allows.
var mailboxes sync.Map // tenant|mailbox → chan struct{}

func mailboxSlots(creds Credentials) chan struct{} {
	key := creds.TenantID + "|" + creds.Mailbox
	if s, ok := mailboxes.Load(key); ok {
		return s.(chan struct{})
	}
	s, _ := mailboxes.LoadOrStore(key, make(chan struct{}, maxConcurrent))
	return s.(chan struct{})
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// String identifies the client without its credentials: fmt would print
// the unexported credential fields, secret included, of a *Client.
func (c *Client) String() string { return "graph.Client(" + c.creds.Mailbox + ")" }

// GoString does the same for %#v.
func (c *Client) GoString() string { return c.String() }

// Requests counts HTTP requests sent, token requests and retries included.
func (c *Client) Requests() int64 { return c.http.Requests() }

// requiredRoles are the application permissions Tandem needs: reading
// and changing the mailbox's mail (categories, drafts) and sending as it.
var requiredRoles = []string{"Mail.ReadWrite", "Mail.Send"}

// Test proves what the sync needs: the app signs in, its token carries the
// Mail.ReadWrite and Mail.Send application permissions (an app-only
// token lists them in its roles claim), and it can read the mailbox's
// inbox (the mailbox exists, and no application access policy keeps the
// app out of it). A missing permission is named.
func (c *Client) Test(ctx context.Context) error {
	tok, err := c.accessToken(ctx)
	if err != nil {
		return fmt.Errorf("test connection: %w", err)
	}
	if roles, ok := tokenRoles(tok); ok {
		var missing []string
		for _, r := range requiredRoles {
			if !slices.Contains(roles, r) {
				missing = append(missing, r)
			}
		}
		if len(missing) > 0 {
			return newError(platform.ReasonNotPermitted, 0, fmt.Sprintf("Not permitted. The app registration lacks the %s application permission%s: add %s under API permissions (Microsoft Graph, Application permissions), then select Grant admin consent",
				strings.Join(missing, " and "), map[bool]string{true: "s", false: ""}[len(missing) > 1], strings.Join(missing, " and ")), nil)
		}
	}
	err = c.getJSON(ctx, "test connection", c.userPath("/mailFolders/inbox")+"?$select=id", &struct{}{})
	var pe *platform.Error
	if !errors.As(err, &pe) {
		return err
	}
	switch {
	case pe.Reason == platform.ReasonNotFound && pe.Status == http.StatusNotFound:
		pe.Message = "Mailbox not found. Check that the mailbox is the e-mail address of a user or shared mailbox in this tenant with an Exchange Online licence"
	case pe.Reason == platform.ReasonNotPermitted:
		pe.Message = "Not permitted. Grant the app registration the Mail.ReadWrite and Mail.Send application permissions (Microsoft Graph, Application permissions), then select Grant admin consent; if an application access policy restricts the app, include this mailbox"
	}
	return pe
}

// tokenRoles reads the roles claim of an app-only access token. Tokens
// for Microsoft Graph are JWTs; one that is not readable proves nothing
// either way, and the inbox read decides.
func tokenRoles(tok string) ([]string, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, false
	}
	var claims struct {
		Roles *[]string `json:"roles"`
	}
	if json.Unmarshal(raw, &claims) != nil || claims.Roles == nil {
		return nil, false
	}
	return *claims.Roles, true
}

// userPath is the Graph path of the configured mailbox plus rest.
func (c *Client) userPath(rest string) string {
	return "/users/" + url.PathEscape(c.creds.Mailbox) + rest
}

func (c *Client) messagePath(id string, rest string) string {
	return c.userPath("/messages/" + url.PathEscape(id) + rest)
}

// accessToken returns a cached token or fetches one.
func (c *Client) accessToken(ctx context.Context) (string, error) {
	tok, err := c.tokens.Token(ctx)
	var e *clientcredentials.Error
	if err == nil || !errors.As(err, &e) {
		return tok, err
	}
	switch {
	case e.Failure == clientcredentials.InvalidURL:
		return "", newError(platform.ReasonInvalid, 0, "sign in: invalid sign-in URL", e.Err)
	case e.Failure == clientcredentials.Unanswered:
		return "", transportError("sign in", e.Err)
	case e.Status/100 == 2:
		return "", newError(platform.ReasonServer, e.Status, "sign in: Microsoft returned an unreadable token response", e.Err)
	}
	return "", tokenError(e.Status, e.Body)
}

// request is one Graph call. path is relative to the Graph root, or an
// absolute URL already checked to be under it (a nextLink).
type request struct {
	op          string
	method      string
	path        string
	body        []byte
	contentType string
}

// send performs r with a bearer token, retrying once with a fresh token if
// Graph answers 401 (tokens can be revoked before they expire). Non-2xx
// answers become *platform.Error.
func (c *Client) send(ctx context.Context, r request) (*http.Response, []byte, error) {
	for attempt := 0; ; attempt++ {
		tok, err := c.accessToken(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", r.op, err)
		}
		resp, body, err := c.sendWithToken(ctx, r, tok)
		if err != nil {
			return nil, nil, err
		}
		if resp.StatusCode == http.StatusUnauthorized && attempt == 0 {
			c.tokens.Drop(tok)
			continue
		}
		if resp.StatusCode/100 != 2 {
			return resp, body, apiError(r.op, resp, body)
		}
		return resp, body, nil
	}
}

func (c *Client) sendWithToken(ctx context.Context, r request, tok string) (*http.Response, []byte, error) {
	u := r.path
	if !strings.HasPrefix(u, c.graphURL+"/") {
		u = c.graphURL + r.path
	}
	var rd io.Reader
	if r.body != nil {
		rd = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, rd)
	if err != nil {
		return nil, nil, newError(platform.ReasonInvalid, 0, r.op+": invalid request URL", err)
	}
	select {
	case c.slots <- struct{}{}:
		defer func() { <-c.slots }()
	case <-ctx.Done():
		return nil, nil, transportError(r.op, ctx.Err())
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	// Immutable ids keep Ticket.ID valid when a message moves folders.
	// Bodies come as HTML, as sent, and are converted here (HTMLToText):
	// Graph's own text rendering keeps no link targets.
	req.Header.Add("Prefer", `IdType="ImmutableId"`)
	req.Header.Add("Prefer", `outlook.body-content-type="html"`)
	if r.body != nil {
		req.Header.Set("Content-Type", firstNonEmpty(r.contentType, "application/json"))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, transportError(r.op, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, nil, transportError(r.op, err)
	}
	return resp, body, nil
}

// getJSON reads path into out.
func (c *Client) getJSON(ctx context.Context, op, path string, out any) error {
	return c.callJSON(ctx, op, http.MethodGet, path, nil, out)
}

// callJSON sends in as JSON (if not nil) and decodes the answer into out (if
// not nil and the answer has a body).
func (c *Client) callJSON(ctx context.Context, op, method, path string, in, out any) error {
	r := request{op: op, method: method, path: path}
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("%s: encode request: %w", op, err)
		}
		r.body = b
	}
	_, body, err := c.send(ctx, r)
	if err != nil {
		return err
	}
	if out == nil || len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return newError(platform.ReasonServer, 0, op+": Microsoft Graph returned an unreadable answer", err)
	}
	return nil
}

// page is Graph's collection envelope.
type page[T any] struct {
	Value    []T    `json:"value"`
	NextLink string `json:"@odata.nextLink"`
}

// listAll follows @odata.nextLink. A next link outside the Graph root is
// refused: following it would hand the bearer token to another host.
func listAll[T any](ctx context.Context, c *Client, op, path string) ([]T, error) {
	var all []T
	for path != "" {
		var p page[T]
		if err := c.getJSON(ctx, op, path, &p); err != nil {
			return nil, err
		}
		all = append(all, p.Value...)
		if p.NextLink != "" && !strings.HasPrefix(p.NextLink, c.graphURL+"/") {
			return nil, newError(platform.ReasonServer, 0, op+": Microsoft Graph returned a next page link outside its own address", nil)
		}
		path = p.NextLink
	}
	return all, nil
}

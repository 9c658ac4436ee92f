package connectwise

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// MaxConcurrent caps requests in flight per client. ConnectWise publishes no
// numeric rate or concurrency limit (its OpenAPI and developer guide say to
// expect 429s under load), so this stays at the conservative level that the
// other platforms' published limits suggest (Graph 4, Autotask 3 per endpoint):
// one sync function per platform runs several clients side by side.
const MaxConcurrent = 4

// DefaultMaxAttachmentBytes is refused before upload (and before download,
// when ConnectWise is the source), as platform.ErrFileRefused. ConnectWise
// publishes no API upload limit for /system/documents (none in the developer
// guide or the PSA documentation cited in platforms.md §2; searched again for
// issue 10, so this is Tandem's cap, not the vendor's); cloud sites refuse very
// large uploads at the gateway, so Tandem stays at a size every site accepts
// rather than find out mid-upload.
const DefaultMaxAttachmentBytes = 10 << 20

// DefaultPageSize is ConnectWise's maximum page size.
const DefaultPageSize = 1000

// Options tune a Client.
type Options struct {
	// AllowPrivate lets the client talk to http and loopback sites (the
	// simulator and the local runner). Production leaves it false.
	AllowPrivate bool
	// HTTP is the guarded client to send through; nil builds one with
	// MaxConcurrent.
	HTTP *egress.Client
	// PageSize for list calls; 0 means DefaultPageSize (the maximum).
	PageSize int
	// MaxAttachmentBytes refuses larger uploads before sending; 0 means
	// DefaultMaxAttachmentBytes.
	MaxAttachmentBytes int64
	// Company is the ConnectWise company id new tickets are filed under when
	// the ticket names none: ConnectWise requires a company on every ticket.
	Company string
}

// Client talks to one ConnectWise Manage site as one API member.
type Client struct {
	creds Credentials
	opts  Options
	http  *egress.Client
	auth  string

	mu      sync.Mutex
	apiBase string // https://host/{codebase}apis/3.0, found on first use
}

var _ platform.Client = (*Client)(nil)

// New builds a client; no request is sent until the first call.
func New(creds Credentials, opts Options) *Client {
	if opts.HTTP == nil {
		opts.HTTP = egress.New(egress.Options{AllowPrivate: opts.AllowPrivate, MaxConcurrent: MaxConcurrent})
	}
	if opts.PageSize <= 0 || opts.PageSize > DefaultPageSize {
		opts.PageSize = DefaultPageSize
	}
	if opts.MaxAttachmentBytes <= 0 {
		opts.MaxAttachmentBytes = DefaultMaxAttachmentBytes
	}
	token := base64.StdEncoding.EncodeToString([]byte(creds.CompanyID + "+" + creds.PublicKey + ":" + creds.PrivateKey))
	return &Client{creds: creds, opts: opts, http: opts.HTTP, auth: "Basic " + token}
}

// Requests counts HTTP requests sent, retries included.
func (c *Client) Requests() int64 { return c.http.Requests() }

// base returns the API root, discovering the site's codebase once. A failed
// discovery is not cached so a corrected network or site can recover.
func (c *Client) base(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.apiBase != "" {
		return c.apiBase, nil
	}
	codebase, err := c.discoverCodebase(ctx)
	if err != nil {
		return "", err
	}
	c.apiBase = c.creds.Site + "/" + codebase + "apis/3.0"
	return c.apiBase, nil
}

// companyInfo is the part of /login/companyinfo/{company} Tandem needs.
type companyInfo struct {
	Codebase string
}

func (c *Client) discoverCodebase(ctx context.Context) (string, error) {
	u := c.creds.Site + "/login/companyinfo/" + url.PathEscape(c.creds.CompanyID)
	resp, err := c.send(ctx, http.MethodGet, u, "", nil, false)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode == http.StatusNotFound {
		return "", c.fail(platform.ReasonNotFound, resp.StatusCode, msgNoSite, nil)
	}
	if resp.StatusCode/100 != 2 {
		return "", c.statusError(resp.StatusCode, resp.Header, body)
	}
	var ci *companyInfo
	if err := json.Unmarshal(body, &ci); err != nil {
		// Anything but JSON means the address is not a ConnectWise site.
		return "", c.fail(platform.ReasonNotFound, resp.StatusCode, msgNoSite, err)
	}
	if ci == nil || ci.Codebase == "" {
		return "", c.fail(platform.ReasonAuthFailed, 0, msgUnknownCompany, nil)
	}
	cb := strings.Trim(ci.Codebase, "/")
	if cb == "" || strings.ContainsAny(cb, "?#/\\ ") || strings.Contains(cb, "..") {
		return "", c.fail(platform.ReasonServer, 0, "ConnectWise answered the company lookup with an unusable codebase. Check the site address.", nil)
	}
	return cb + "/", nil
}

// send performs one request through the egress policy. Only API calls carry
// the Authorization header; the clientId header goes everywhere because
// ConnectWise ties every call, even the company lookup, to an integration.
func (c *Client) send(ctx context.Context, method, rawURL, contentType string, body []byte, authenticate bool) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	if err != nil {
		return nil, c.fail(platform.ReasonInvalid, 0, "The request could not be built.", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("clientId", c.creds.ClientID)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if authenticate {
		req.Header.Set("Authorization", c.auth)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.transportError(err)
	}
	return resp, nil
}

// call sends a JSON request to path under the API root and decodes a JSON
// answer into out (when out is not nil).
func (c *Client) call(ctx context.Context, method, path string, q url.Values, in, out any) (http.Header, error) {
	base, err := c.base(ctx)
	if err != nil {
		return nil, err
	}
	u := base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var body []byte
	ct := ""
	if in != nil {
		if body, err = json.Marshal(in); err != nil {
			return nil, c.fail(platform.ReasonInvalid, 0, "The request body could not be encoded.", err)
		}
		ct = "application/json"
	}
	return c.exchange(ctx, method, u, ct, body, out)
}

// exchange sends an authenticated request to an absolute API URL and decodes
// the JSON answer.
func (c *Client) exchange(ctx context.Context, method, u, contentType string, body []byte, out any) (http.Header, error) {
	resp, err := c.send(ctx, method, u, contentType, body, true)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return nil, c.transportError(err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, c.statusError(resp.StatusCode, resp.Header, data)
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return nil, c.fail(platform.ReasonServer, resp.StatusCode, "ConnectWise sent an answer Tandem could not read.", err)
		}
	}
	return resp.Header, nil
}

// maxResponseBytes bounds a JSON answer held in memory (a 1000-row page of
// tickets is a few MB); downloads use their own limit.
const maxResponseBytes = 32 << 20

func (c *Client) fail(reason platform.Reason, status int, msg string, err error) *platform.Error {
	return &platform.Error{Platform: platform.ConnectWise, Reason: reason, Status: status, Message: msg, Err: err}
}

func (c *Client) transportError(err error) error {
	switch {
	case errors.Is(err, egress.ErrForbiddenDestination):
		return c.fail(platform.ReasonInvalid, 0, "The ConnectWise site address is not allowed: it must be a public https address.", err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return c.fail(platform.ReasonUnreachable, 0, "ConnectWise did not answer in time. Check that the site address is right and try again.", err)
	}
	return c.fail(platform.ReasonUnreachable, 0, "ConnectWise could not be reached. Check the site: na, eu, au or your on-premises server's https address, and that the server is online.", scrubErr{err})
}

// scrubErr keeps the cause's type for errors.Is/As but never lets a URL with
// query values into a message.
type scrubErr struct{ err error }

func (e scrubErr) Error() string {
	var ue *url.Error
	if errors.As(e.err, &ue) {
		return ue.Op + ": " + ue.Err.Error()
	}
	return e.err.Error()
}

func (e scrubErr) Unwrap() error { return e.err }

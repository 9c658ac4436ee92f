package autotask

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// maxConcurrent is Autotask's thread limit for integrations created after
// 2023.1: 3 concurrent requests per tracking identifier and endpoint.
const maxConcurrent = 3

// maxResponse bounds what we read from one response; an attachment of the
// maximum size is about 9.4 MB once base64-encoded.
const maxResponse = 16 << 20

// Options configure a Client.
type Options struct {
	// AllowPrivate is the local/test mode that lets the client reach a
	// simulator on a loopback address over http.
	AllowPrivate bool
	// HTTP is the guarded client to send through; nil builds one with
	// Autotask's concurrency cap and AllowPrivate. A given client keeps its
	// own policy.
	HTTP *egress.Client
	// CompanyID is the Autotask company that tickets created by Tandem belong
	// to; Autotask requires one and 0 is the instance's own company.
	CompanyID int64
}

// Client talks to one Autotask zone as one API user. It is safe for
// concurrent use.
type Client struct {
	creds     Credentials
	root      *url.URL // {apiUrl}ATServicesRest/V1.0/
	http      *egress.Client
	companyID int64

	actorMu sync.Mutex // held across the lookup, so it is made once
	actorID string     // the API user's resource id, once looked up
}

var _ platform.Client = (*Client)(nil)

// New builds a client for already-validated credentials.
func New(creds Credentials, opts Options) *Client {
	h := opts.HTTP
	if h == nil {
		// A validation 500 is not retried: it would fail the same way.
		h = egress.New(egress.Options{AllowPrivate: opts.AllowPrivate, MaxConcurrent: maxConcurrent, Refusal: isRefusal})
	}
	root, err := url.Parse(strings.TrimRight(creds.APIURL, "/") + "/ATServicesRest/V1.0/")
	if err != nil {
		// Credentials that did not come from ParseCredentials may not parse;
		// an empty root makes every call fail the URL policy instead of
		// panicking.
		root = &url.URL{}
	}
	return &Client{creds: creds, root: root, http: h, companyID: opts.CompanyID}
}

// Requests counts HTTP requests sent, retries included.
func (c *Client) Requests() int64 { return c.http.Requests() }

// Test reads the Tickets entity information: cheap, and it needs a valid
// API user, secret and tracking identifier.
func (c *Client) Test(ctx context.Context) error {
	var info struct {
		Info struct {
			Name string `json:"name"`
		} `json:"info"`
	}
	err := c.call(ctx, http.MethodGet, "Tickets/entityInformation", nil, &info)
	var pe *platform.Error
	if !errors.As(err, &pe) {
		return err
	}
	switch {
	case pe.Reason == platform.ReasonNotFound:
		pe.Message = "Invalid API URL: Autotask did not answer at " + c.creds.APIURL + ". Confirm the URL uses webservices rather than ww and that the region number matches your portal."
	case pe.Status == http.StatusInternalServerError:
		// Autotask answers an unknown API username or tracking identifier
		// with a 500, not a 401; after egress's retries it is far more likely
		// a credential than an outage.
		pe.Reason = platform.ReasonAuthFailed
		pe.Message = "Authentication failed. Autotask did not recognise the API username or the API tracking identifier: check both were copied in full, " +
			"and that you're using the API username (integration key) rather than the user's e-mail address. If they are right, Autotask may be having problems; try again later."
	}
	if pe.Reason == platform.ReasonAuthFailed {
		if zone := c.zoneHint(ctx); zone != "" {
			pe.Message = "Authentication failed: this API user belongs to another Autotask zone. Use " + zone + " as the API URL."
		}
	}
	return err
}

// call sends one request to a path under the version root (or to an absolute
// URL on the same host, for nextPageUrl) and decodes a 2xx body into out.
func (c *Client) call(ctx context.Context, method, path string, in, out any) error {
	target, err := c.resolve(path)
	if err != nil {
		return err
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, target.String(), body)
	if err != nil {
		return c.newError(platform.ReasonInvalid, 0, "could not build the request", err)
	}
	req.Header.Set("ApiIntegrationCode", c.creds.IntegrationCode)
	req.Header.Set("UserName", c.creds.Username)
	req.Header.Set("Secret", c.creds.Secret)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return c.transportError(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return c.transportError(err)
	}
	if resp.StatusCode >= 300 {
		return c.statusError(resp, data)
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return c.newError(platform.ReasonServer, resp.StatusCode, "Autotask sent a response that is not the expected JSON", err)
	}
	return nil
}

// resolve refuses absolute URLs on another host: credentials go only to the
// zone the administrator configured, never to a host named in a response.
func (c *Client) resolve(path string) (*url.URL, error) {
	ref, err := url.Parse(path)
	if err != nil {
		return nil, c.newError(platform.ReasonInvalid, 0, "invalid request path", err)
	}
	u := c.root.ResolveReference(ref)
	if !strings.EqualFold(u.Host, c.root.Host) || u.Scheme != c.root.Scheme {
		return nil, c.newError(platform.ReasonInvalid, 0, "Autotask pointed to a page on another host; refusing to send credentials there", nil)
	}
	return u, nil
}

// NotesHaveOwnEvents: Tandem subscribes to TicketNote webhooks, so a ticket
// webhook never stands for a new note.
func (c *Client) NotesHaveOwnEvents() bool { return true }

// FieldsChangeOnlyInTicketEvents: adding a note changes no ticket field
// Tandem syncs, so a note webhook needs no ticket read.
func (c *Client) FieldsChangeOnlyInTicketEvents() bool { return true }

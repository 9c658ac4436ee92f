package halo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/tandemsync/tandem/pkg/clientcredentials"
	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// Halo publishes no rate limit (third-party figures disagree), so stay at the
// egress default of a few requests in flight per instance.
const maxConcurrent = 4

// maxResponse bounds what is read from one JSON answer; ticket lists with
// full objects are large but never near this.
const maxResponse = 32 << 20

// Options configure a Client.
type Options struct {
	// AllowPrivate lets the client reach http and loopback addresses (tests
	// and the local runner with the simulator).
	AllowPrivate bool
	// HTTP is the guarded client to send through; nil builds one with the
	// Halo concurrency cap. When set, its own policy decides what is private.
	HTTP *egress.Client
	// Logger receives debug lines about token refreshes; nil discards.
	Logger *slog.Logger
}

// Client talks to one Halo instance. It is safe for concurrent use.
type Client struct {
	creds Credentials
	http  *egress.Client
	log   *slog.Logger
	now   func() time.Time

	tokens *clientcredentials.Source

	mu      sync.Mutex
	agentID string // who the integration acts as; fixed for the credentials
}

var _ platform.Client = (*Client)(nil)

// New builds a client; nothing is sent until the first call.
func New(creds Credentials, opts Options) *Client {
	h := opts.HTTP
	if h == nil {
		h = egress.New(egress.Options{AllowPrivate: opts.AllowPrivate, MaxConcurrent: maxConcurrent})
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Client{creds: creds, http: h, log: log, now: time.Now}
	c.tokens = c.newTokenSource()
	return c
}

// Requests counts HTTP requests sent, token requests and retries included.
func (c *Client) Requests() int64 { return c.http.Requests() }

// Test fetches a token and makes one cheap authenticated read, so a wrong
// address, wrong secret and missing permission each show up with their own
// message.
func (c *Client) Test(ctx context.Context) error {
	q := url.Values{"showall": {"false"}}
	if err := c.call(ctx, http.MethodGet, "/Status", q, nil, nil, "read statuses"); err != nil {
		return fmt.Errorf("test connection: %w", err)
	}
	return nil
}

// call sends one API request and decodes a JSON answer into out (when out is
// not nil).
func (c *Client) call(ctx context.Context, method, path string, q url.Values, body, out any, op string) error {
	resp, err := c.send(ctx, method, path, q, body, "application/json", op)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponse))
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return c.transportError(err, op)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return unreadable(op, err)
	}
	return nil
}

// send authenticates and sends one API request, refreshing the token once if
// Halo answers 401 (tokens can be revoked before they expire). The caller
// closes the body of the 2xx response.
func (c *Client) send(ctx context.Context, method, path string, q url.Values, body any, accept, op string) (*http.Response, error) {
	u := c.creds.APIURL() + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return nil, fmt.Errorf("encode request to %s: %w", op, err)
		}
	}
	for attempt := 0; ; attempt++ {
		token, err := c.accessToken(ctx)
		if err != nil {
			return nil, err
		}
		var rd io.Reader
		if payload != nil {
			rd = bytes.NewReader(payload)
		}
		req, err := http.NewRequestWithContext(ctx, method, u, rd)
		if err != nil {
			return nil, fmt.Errorf("build request to %s: %w", op, err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept", accept)
		if payload != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := c.http.Do(req)
		if err != nil {
			return nil, c.transportError(err, op)
		}
		if resp.StatusCode == http.StatusUnauthorized && attempt == 0 {
			drain(resp)
			c.tokens.Drop(token)
			c.log.DebugContext(ctx, "halo: access token refused, fetching a new one", "op", op)
			continue
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			defer resp.Body.Close()
			return nil, c.statusError(resp, op)
		}
		return resp, nil
	}
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}

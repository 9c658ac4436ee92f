package zendesk

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// Kind names Zendesk in the API, in URLs and in queue names.
const Kind platform.Kind = "zendesk"

// Zendesk's account-wide limits start at 200 requests a minute (Team plan,
// developer.zendesk.com/api-reference/introduction/rate-limits); a few in
// flight per instance stays well inside them.
const maxConcurrent = 4

// maxResponse bounds what is read from one JSON answer.
const maxResponse = 32 << 20

// Options configure a Client.
type Options struct {
	// AllowPrivate lets the client reach http and loopback addresses (tests
	// and the local runner with the simulator).
	AllowPrivate bool
	// HTTP is the guarded client to send through; nil builds one.
	HTTP *egress.Client
	// Logger receives debug lines about token refreshes; nil discards.
	Logger *slog.Logger
	// Keeper stores rotated OAuth tokens; without one an OAuth client uses
	// its access token until it expires and never refreshes (a refresh it
	// could not store would strand the organisation's only refresh token).
	Keeper TokenKeeper
	// Now replaces the clock (tests).
	Now func() time.Time
}

// Client talks to one Zendesk account. It is safe for concurrent use.
type Client struct {
	creds Credentials
	http  *egress.Client
	log   *slog.Logger
	now   func() time.Time

	mu     sync.Mutex
	keeper TokenKeeper
	tokens Tokens
	userID string // the integration user, fixed for the credentials

	refreshMu sync.Mutex // one refresh per client at a time
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
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return &Client{creds: creds, http: h, log: log, now: now, keeper: opts.Keeper, tokens: creds.Tokens}
}

// KeepTokens gives an OAuth client the organisation's token keeper, so it
// can refresh and store the rotated tokens. The application calls it for
// every client it builds for an organisation.
func (c *Client) KeepTokens(k TokenKeeper) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.keeper = k
}

// Requests counts HTTP requests sent, token requests and retries included.
func (c *Client) Requests() int64 { return c.http.Requests() }

// Test reads the signed-in user (GET /api/v2/users/me), which proves the
// subdomain and credentials and names the integration user whose changes
// are Tandem's own.
func (c *Client) Test(ctx context.Context) error {
	if _, err := c.Me(ctx); err != nil {
		return fmt.Errorf("test connection: %w", err)
	}
	return nil
}

// call sends one API request with a JSON body (when body is not nil) and
// decodes a JSON answer into out (when out is not nil).
func (c *Client) call(ctx context.Context, method, path string, q url.Values, body, out any, op string) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return fmt.Errorf("encode request to %s: %w", op, err)
		}
	}
	resp, err := c.send(ctx, method, c.creds.BaseURL+path, q, payload, "application/json", op)
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

// send authenticates and sends one request to the account, refreshing an
// OAuth token once if Zendesk answers 401 (a token can be revoked, or
// rotated by another function, before it expires). The caller closes the
// body of the 2xx answer.
func (c *Client) send(ctx context.Context, method, u string, q url.Values, payload []byte, contentType, op string) (*http.Response, error) {
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	for attempt := 0; ; attempt++ {
		auth, used, err := c.authorization(ctx)
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
		req.Header.Set("Authorization", auth)
		req.Header.Set("Accept", "application/json")
		if payload != nil {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := c.http.Do(req)
		if err != nil {
			return nil, c.transportError(err, op)
		}
		if resp.StatusCode == http.StatusUnauthorized && attempt == 0 && c.creds.OAuth() {
			drain(resp)
			c.log.DebugContext(ctx, "zendesk: access token refused, refreshing", "op", op)
			if err := c.refresh(ctx, used); err != nil {
				return nil, err
			}
			continue
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			defer resp.Body.Close()
			return nil, c.statusError(resp, op)
		}
		return resp, nil
	}
}

// authorization is the Authorization header: Bearer for OAuth (refreshed
// first when it is about to expire), Basic {email}/token:{api token}
// otherwise (developer.zendesk.com/api-reference/introduction/security-and-auth).
func (c *Client) authorization(ctx context.Context) (header, access string, err error) {
	if !c.creds.OAuth() {
		raw := c.creds.Email + "/token:" + c.creds.APIToken
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(raw)), "", nil
	}
	c.mu.Lock()
	t := c.tokens
	c.mu.Unlock()
	if !t.fresh(c.now(), refreshMargin) {
		if err := c.refresh(ctx, t.Access); err != nil {
			return "", "", err
		}
		c.mu.Lock()
		t = c.tokens
		c.mu.Unlock()
	}
	return "Bearer " + t.Access, t.Access, nil
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}

// Package egress is the only way Tandem sends requests to partner platforms.
// It enforces the SSRF policy (https to public addresses only, checked again at
// dial time so DNS rebinding cannot slip past), caps concurrent requests per
// client, retries 429/5xx/timeouts with backoff and jitter inside the caller's
// deadline, and counts requests so callers can measure API calls per change.
//
// A write that is not idempotent (a create, a note) is marked with
// NotIdempotent: once it may have reached the platform (a 5xx, a timeout, a
// dropped connection) it is not sent again, because the platform may have
// applied it; the failure goes back to the caller, which checks whether the
// write landed before writing again. It is still retried when it cannot
// have been applied: a 429, or a connection that was never made.
package egress

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// ErrForbiddenDestination is returned for a URL or address the policy refuses.
var ErrForbiddenDestination = errors.New("destination not allowed")

// Options configure a Client. The zero value is the production policy.
type Options struct {
	// AllowPrivate permits http and loopback/private addresses. Only tests and
	// the local runner set it: in production it would let a typed URL reach
	// the VPC or the instance metadata endpoint.
	AllowPrivate bool
	// MaxConcurrent caps requests in flight (Autotask: 3 per endpoint for new
	// integrations; Graph: 4 per app). 0 means 4.
	MaxConcurrent int
	// MaxAttempts per request including the first. 0 means 4.
	MaxAttempts int
	// BaseDelay is the first backoff step for 5xx and timeouts. 0 means 200ms.
	BaseDelay time.Duration
	// MaxDelay caps one backoff wait. 0 means 10s.
	MaxDelay time.Duration
	// AttemptTimeout bounds one attempt. 0 means 30s.
	AttemptTimeout time.Duration
	// MaxRetryAfter is the longest Retry-After the client waits out itself;
	// a longer one (an hourly threshold, say) is handed back to the caller,
	// whose queue can wait without holding a function. 0 means 30s.
	MaxRetryAfter time.Duration
	// Transport overrides the dialing transport (tests); the SSRF dial check
	// applies only to the default transport.
	Transport http.RoundTripper
	// Refusal, when set, is asked about every 5xx answer with the first
	// 64 KiB of its body (the body the caller reads is unchanged); true
	// means the platform refused the request for good and it is not
	// retried. Autotask answers validation errors with HTTP 500.
	Refusal func(status int, body []byte) bool
}

type idempotencyKey struct{}

// NotIdempotent marks the requests made with ctx as writes that must not be
// repeated once they may have reached the platform. Reads (GET, HEAD,
// OPTIONS) are unaffected.
func NotIdempotent(ctx context.Context) context.Context {
	return context.WithValue(ctx, idempotencyKey{}, false)
}

// Idempotent undoes NotIdempotent for requests that may safely repeat, such
// as a token request made on the way to a create.
func Idempotent(ctx context.Context) context.Context {
	return context.WithValue(ctx, idempotencyKey{}, true)
}

// repeatable reports whether req may be sent again after it may have
// reached the platform.
func repeatable(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	v, ok := req.Context().Value(idempotencyKey{}).(bool)
	return !ok || v
}

// Client is safe for concurrent use.
type Client struct {
	opts     Options
	http     *http.Client
	sem      chan struct{}
	requests atomic.Int64
	sleep    func(context.Context, time.Duration) error
}

// New builds a Client with the given policy.
func New(opts Options) *Client {
	if opts.MaxConcurrent <= 0 {
		opts.MaxConcurrent = 4
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 4
	}
	if opts.BaseDelay <= 0 {
		opts.BaseDelay = 200 * time.Millisecond
	}
	if opts.MaxDelay <= 0 {
		opts.MaxDelay = 10 * time.Second
	}
	if opts.AttemptTimeout <= 0 {
		opts.AttemptTimeout = 30 * time.Second
	}
	if opts.MaxRetryAfter <= 0 {
		opts.MaxRetryAfter = 30 * time.Second
	}
	rt := opts.Transport
	if rt == nil {
		dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
		if !opts.AllowPrivate {
			dialer.Control = refusePrivate
		}
		rt = &http.Transport{
			Proxy:                 nil, // a proxy would hide the real destination from the dial check
			DialContext:           dialer.DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConnsPerHost:   opts.MaxConcurrent,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: opts.AttemptTimeout,
		}
	}
	c := &Client{opts: opts, sem: make(chan struct{}, opts.MaxConcurrent), sleep: sleepCtx}
	c.http = &http.Client{
		Transport: rt,
		// Redirects could carry credentials to another host; platforms answer
		// API calls directly, so a redirect is an error the caller sees.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c
}

// Requests is the number of HTTP requests sent so far, retries included.
func (c *Client) Requests() int64 { return c.requests.Load() }

// AllowsPrivate reports whether the client runs in local/test mode.
func (c *Client) AllowsPrivate() bool { return c.opts.AllowPrivate }

// CheckURL applies the URL part of the policy: https only, and no literal
// private, loopback or link-local address, unless AllowPrivate.
func (c *Client) CheckURL(u *url.URL) error { return CheckURL(u, c.opts.AllowPrivate) }

// CheckURL is the policy without a client, for validating typed URLs on save.
// Outside local mode it also refuses any port but 443: no platform Tandem
// talks to documents another for its API, and a typed port is how a URL
// reaches a service that was never meant to be a partner API.
func CheckURL(u *url.URL, allowPrivate bool) error {
	if u == nil || u.Host == "" {
		return fmt.Errorf("%w: URL has no host", ErrForbiddenDestination)
	}
	if u.User != nil {
		return fmt.Errorf("%w: URL must not contain user info", ErrForbiddenDestination)
	}
	if allowPrivate {
		if u.Scheme != "https" && u.Scheme != "http" {
			return fmt.Errorf("%w: scheme %q", ErrForbiddenDestination, u.Scheme)
		}
		return nil
	}
	if u.Scheme != "https" {
		return fmt.Errorf("%w: only https URLs are allowed", ErrForbiddenDestination)
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || strings.HasSuffix(host, ".internal") {
		return fmt.Errorf("%w: %s is not a public host", ErrForbiddenDestination, host)
	}
	ip, err := netip.ParseAddr(host)
	if err == nil && !isPublic(ip) {
		return fmt.Errorf("%w: %s is not a public address", ErrForbiddenDestination, host)
	}
	// Some resolvers read 2130706433, 0177.1 or 0x7f.0.0.1 as an IPv4
	// address; Go's does not. Either way the URL does not say what it means.
	if ip, ok := legacyIPv4(host); err != nil && ok {
		if !isPublic(ip) {
			return fmt.Errorf("%w: %s is %s, not a public address", ErrForbiddenDestination, host, ip)
		}
		return fmt.Errorf("%w: %s is an unusual spelling of %s; write the address as four decimal numbers, or use the host name", ErrForbiddenDestination, host, ip)
	}
	if p := u.Port(); p != "" && p != "443" {
		return fmt.Errorf("%w: port %s; partner APIs are reached on 443, so leave the port out", ErrForbiddenDestination, p)
	}
	return nil
}

// Reason is what CheckURL found wrong, without the sentinel's words, for a
// message that begins with its own.
func Reason(err error) string {
	return strings.TrimPrefix(err.Error(), ErrForbiddenDestination.Error()+": ")
}

// legacyIPv4 parses the inet_aton forms of an IPv4 address: one to four
// parts, each decimal, octal (leading 0) or hex (0x), the last part filling
// the remaining bytes.
func legacyIPv4(host string) (netip.Addr, bool) {
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		base, digits := 10, p
		switch {
		case len(p) > 2 && (p[:2] == "0x"):
			base, digits = 16, p[2:]
		case p == "0x":
			base, digits = 16, "0"
		case len(p) > 1 && p[0] == '0':
			base, digits = 8, p[1:]
		}
		v, err := strconv.ParseUint(digits, base, 32)
		if err != nil || digits == "" {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	var n uint64
	for i, v := range vals[:len(vals)-1] {
		if v > 0xff {
			return netip.Addr{}, false
		}
		n |= v << (8 * (3 - i))
	}
	last := vals[len(vals)-1]
	if last >= 1<<(8*(4-len(vals)+1)) {
		return netip.Addr{}, false
	}
	n |= last
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

func isPublic(ip netip.Addr) bool {
	ip = ip.Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsMulticast() || ip.IsUnspecified() || ip.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// Ranges that net/netip does not classify but that never hold a partner API:
// carrier-grade NAT, benchmarking, documentation, and the IPv6 forms that
// embed an IPv4 address (NAT64, both the well-known and the local-use prefix,
// and 6to4), through which any IPv4 address, private ones included, can be
// reached. ULA is covered by IsPrivate.
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2002::/16"),
	netip.MustParsePrefix("2001:db8::/32"),
}

func refusePrivate(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenDestination, address)
	}
	if !isPublic(ip) {
		return fmt.Errorf("%w: %s is not a public address", ErrForbiddenDestination, ip)
	}
	return nil
}

// Do sends req under the policy, retrying what is worth retrying. The request
// body must be replayable (http.NewRequest sets GetBody for bytes/strings
// readers). On 429 it waits for Retry-After when that fits in the context
// deadline, otherwise it returns the 429 response for the caller to report.
// The caller closes the returned body.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	if err := c.CheckURL(req.URL); err != nil {
		return nil, err
	}
	ctx := req.Context()
	for attempt := 1; ; attempt++ {
		resp, err := c.once(req, attempt)
		wait, retry := c.decide(resp, err, attempt, repeatable(req))
		if !retry {
			return resp, err
		}
		if dl, ok := ctx.Deadline(); wait > c.opts.MaxRetryAfter || ok && time.Until(dl) < wait {
			// The wait does not fit the caller's deadline: hand back the
			// throttling answer (with its Retry-After) or the error instead.
			return resp, err
		}
		if resp != nil {
			// Drain so the connection can be reused for the next attempt.
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		if serr := c.sleep(ctx, wait); serr != nil {
			if err != nil {
				return nil, err
			}
			return nil, serr
		}
	}
}

func (c *Client) once(req *http.Request, attempt int) (*http.Response, error) {
	ctx := req.Context()
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-c.sem }()
	r := req
	if attempt > 1 && req.Body != nil && req.Body != http.NoBody {
		if req.GetBody == nil {
			return nil, errors.New("egress: request body cannot be replayed for a retry")
		}
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		r = req.Clone(ctx)
		r.Body = body
	}
	c.requests.Add(1)
	return c.http.Do(r)
}

// decide returns how long to wait before the next attempt, and whether to.
// A request that is not repeatable is retried only when it cannot have
// been applied: a 429, or a connection that was never made.
func (c *Client) decide(resp *http.Response, err error, attempt int, repeatable bool) (time.Duration, bool) {
	if attempt >= c.opts.MaxAttempts {
		return 0, false
	}
	if err != nil {
		if errors.Is(err, ErrForbiddenDestination) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return 0, false
		}
		if notSent(err) {
			return c.backoff(attempt), true
		}
		var ne net.Error
		if repeatable && (errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)) {
			return c.backoff(attempt), true
		}
		return 0, false
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests, repeatable && resp.StatusCode == http.StatusServiceUnavailable:
		if d, ok := RetryAfter(resp.Header, time.Now()); ok {
			return d, true
		}
		return c.backoff(attempt), true
	case !repeatable:
		return 0, false
	case resp.StatusCode == http.StatusInternalServerError, resp.StatusCode == http.StatusBadGateway, resp.StatusCode == http.StatusGatewayTimeout:
		if c.refused(resp) {
			return 0, false
		}
		return c.backoff(attempt), true
	}
	return 0, false
}

// notSent reports an error that proves the request never left: the
// connection was refused or could not be dialled.
func notSent(err error) bool {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// refused asks Options.Refusal about a 5xx answer, leaving its body
// readable for the caller.
func (c *Client) refused(resp *http.Response) bool {
	if c.opts.Refusal == nil {
		return false
	}
	head, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
	if err != nil {
		return false
	}
	return c.opts.Refusal(resp.StatusCode, head)
}

// backoff is exponential with full jitter, so clients that failed together
// do not retry together.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.opts.BaseDelay << (attempt - 1)
	if d <= 0 || d > c.opts.MaxDelay {
		d = c.opts.MaxDelay
	}
	return d/2 + rand.N(d/2+1)
}

// RetryAfter parses a Retry-After header (delta-seconds or HTTP-date).
// Microsoft Graph documents fractional seconds ("Retry-After: 2.128",
// graph/throttling "Sample response"), so a decimal is accepted too.
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second, true
	}
	if whole, frac, ok := decimalSeconds(v); ok {
		return time.Duration(whole)*time.Second + frac, true
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d, true
		}
		return 0, true
	}
	return 0, false
}

// decimalSeconds reads "2.128" as 2 s and 128 ms; only digits with one
// point, at most a day, so a malformed value is not taken for a delay.
func decimalSeconds(v string) (int, time.Duration, bool) {
	w, f, found := strings.Cut(v, ".")
	if !found || w == "" || f == "" || len(f) > 9 {
		return 0, 0, false
	}
	whole, err := strconv.Atoi(w)
	if err != nil || whole < 0 || whole > 86400 || w[0] == '+' {
		return 0, 0, false
	}
	n, err := strconv.Atoi(f)
	if err != nil || n < 0 || f[0] == '+' || f[0] == '-' {
		return 0, 0, false
	}
	for range 9 - len(f) {
		n *= 10
	}
	return whole, time.Duration(n), true
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

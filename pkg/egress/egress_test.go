package egress

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestCheckURL(t *testing.T) {
	cases := []struct {
		url          string
		allowPrivate bool
		ok           bool
	}{
		{"https://webservices2.autotask.net/", false, true},
		{"https://8.8.8.8/x", false, true},
		{"http://webservices2.autotask.net/", false, false},
		{"https://127.0.0.1/", false, false},
		{"https://[::1]/", false, false},
		{"https://10.0.0.5/", false, false},
		{"https://169.254.169.254/latest/meta-data", false, false},
		{"https://100.64.1.1/", false, false},
		{"https://localhost/", false, false},
		{"https://metadata.google.internal/", false, false},
		{"https://user:pw@example.com/", false, false},
		{"ftp://example.com/", true, false},
		{"http://127.0.0.1:8080/", true, true},
		{"https:///nohost", false, false},
		// The host is normalised before it is judged.
		{"https://LOCALHOST/", false, false},
		{"https://localhost./", false, false},
		{"https://api.Internal./", false, false},
		{"https://webservices2.autotask.net./", false, true},
		// IPv4 spelt as resolvers outside Go read it: decimal, octal, hex,
		// short forms. Private ones are refused as such, public ones because
		// the spelling hides what they are.
		{"https://2130706433/", false, false},
		{"https://0177.0.0.1/", false, false},
		{"https://0x7f.0.0.1/", false, false},
		{"https://0x7f000001/", false, false},
		{"https://127.1/", false, false},
		{"https://10.1/", false, false},
		{"https://0xa9fea9fe/", false, false},
		{"https://134744072/", false, false},
		{"https://0xc0.0xa8.0xff.1/", false, false}, // 192.168.255.1: a 255 in a leading part
		// IPv6 forms that carry an IPv4 address: NAT64 and 6to4.
		{"https://[64:ff9b::a00:1]/", false, false},
		{"https://[64:ff9b:1::a00:1]/", false, false},
		{"https://[2002:a00:1::]/", false, false},
		{"https://[::ffff:127.0.0.1]/", false, false},
		// Only the https port.
		{"https://webservices2.autotask.net:443/", false, true},
		{"https://webservices2.autotask.net:8443/", false, false},
		{"https://webservices2.autotask.net:22/", false, false},
		{"http://127.0.0.1:39001/", true, true},
	}
	for _, tc := range cases {
		u, _ := url.Parse(tc.url)
		err := CheckURL(u, tc.allowPrivate)
		if (err == nil) != tc.ok {
			t.Errorf("CheckURL(%s, private=%v) = %v, want ok=%v", tc.url, tc.allowPrivate, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrForbiddenDestination) {
			t.Errorf("CheckURL(%s) error does not wrap ErrForbiddenDestination: %v", tc.url, err)
		}
	}
}

// A hostname that resolves to a private address passes the URL check, so
// the dialer checks the resolved address too: that is what stops DNS
// rebinding. The production transport must carry the check.
func TestLegacyIPv4(t *testing.T) {
	cases := []struct {
		host string
		want string // "" when host is not an IPv4 spelling
	}{
		{"2130706433", "127.0.0.1"},
		{"0177.0.0.1", "127.0.0.1"},
		{"0x7f.0.0.1", "127.0.0.1"},
		{"127.1", "127.0.0.1"},
		{"10.0.1", "10.0.0.1"},
		{"0xa9.0xfe.0xa9.0xfe", "169.254.169.254"},
		{"8.8.8.8", "8.8.8.8"},
		{"4294967295", "255.255.255.255"},
		{"4294967296", ""},
		{"256.0.0.1", ""},
		{"1.2.3.256", ""},
		{"1.2.65536", ""},
		{"08.0.0.1", ""}, // 8 is not an octal digit
		{"1.2.3.4.5", ""},
		{"example.com", ""},
		{"deadbeef", ""},
		{"1..2", ""},
	}
	for _, tc := range cases {
		ip, ok := legacyIPv4(tc.host)
		got := ""
		if ok {
			got = ip.String()
		}
		if got != tc.want {
			t.Errorf("legacyIPv4(%q) = %q, want %q", tc.host, got, tc.want)
		}
	}
}

func TestDialRefusesPrivateAddresses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("request reached the server") }))
	defer srv.Close()
	tr := New(Options{}).http.Transport.(*http.Transport)
	addr := strings.TrimPrefix(srv.URL, "http://")
	if conn, err := tr.DialContext(context.Background(), "tcp", addr); err == nil || !errors.Is(err, ErrForbiddenDestination) {
		if conn != nil {
			conn.Close()
		}
		t.Fatalf("production dialer reached %s: %v", addr, err)
	}
	for _, a := range []string{"10.1.2.3:443", "[fd00::1]:443", "169.254.169.254:80", "192.168.1.1:443"} {
		if err := refusePrivate("tcp", a, nil); !errors.Is(err, ErrForbiddenDestination) {
			t.Errorf("refusePrivate(%s) = %v", a, err)
		}
	}
	if err := refusePrivate("tcp", "93.184.216.34:443", nil); err != nil {
		t.Errorf("public address refused: %v", err)
	}
	local := New(Options{AllowPrivate: true}).http.Transport.(*http.Transport)
	conn, err := local.DialContext(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatalf("local mode cannot reach loopback: %v", err)
	}
	conn.Close()
}

func newTestClient(opts Options) *Client {
	opts.AllowPrivate = true
	c := New(opts)
	c.sleep = func(ctx context.Context, d time.Duration) error { return ctx.Err() }
	return c
}

func TestRetriesThrottlingAndServerErrors(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		case 2:
			w.WriteHeader(http.StatusInternalServerError)
		default:
			w.Write([]byte("ok"))
		}
	}))
	defer srv.Close()
	c := newTestClient(Options{})
	req, _ := http.NewRequest("POST", srv.URL, strings.NewReader(`{"a":1}`))
	resp, err := c.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("Do: %v %v", resp, err)
	}
	resp.Body.Close()
	if c.Requests() != 3 || n.Load() != 3 {
		t.Fatalf("requests = %d (server saw %d), want 3", c.Requests(), n.Load())
	}
}

func TestGivesUpAfterMaxAttempts(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }))
	defer srv.Close()
	c := newTestClient(Options{MaxAttempts: 3})
	req, _ := http.NewRequest("GET", srv.URL, nil)
	resp, err := c.Do(req)
	if err != nil || resp.StatusCode != 503 || c.Requests() != 3 {
		t.Fatalf("resp=%v err=%v requests=%d", resp, err, c.Requests())
	}
}

func TestLongRetryAfterIsHandedBack(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(429)
	}))
	defer srv.Close()
	c := newTestClient(Options{})
	req, _ := http.NewRequest("GET", srv.URL, nil)
	resp, err := c.Do(req)
	if err != nil || resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "3600" || c.Requests() != 1 {
		t.Fatalf("resp=%v err=%v requests=%d", resp, err, c.Requests())
	}
	// Also within a short deadline.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	srv2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "10")
		w.WriteHeader(429)
	}))
	defer srv2.Close()
	req2, _ := http.NewRequestWithContext(ctx, "GET", srv2.URL, nil)
	resp2, err := c.Do(req2)
	if err != nil || resp2.StatusCode != 429 {
		t.Fatalf("deadline case: %v %v", resp2, err)
	}
}

func TestDoesNotRetryClientErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(401) }))
	defer srv.Close()
	c := newTestClient(Options{})
	req, _ := http.NewRequest("GET", srv.URL, nil)
	resp, _ := c.Do(req)
	if resp.StatusCode != 401 || c.Requests() != 1 {
		t.Fatalf("status %d after %d requests", resp.StatusCode, c.Requests())
	}
}

func TestConcurrencyCap(t *testing.T) {
	var cur, peak atomic.Int32
	release := make(chan struct{})
	arrived := make(chan struct{}, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := cur.Add(1)
		for {
			p := peak.Load()
			if v <= p || peak.CompareAndSwap(p, v) {
				break
			}
		}
		arrived <- struct{}{}
		<-release
		cur.Add(-1)
	}))
	defer srv.Close()
	c := newTestClient(Options{MaxConcurrent: 3})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("GET", srv.URL, nil)
			if resp, err := c.Do(req); err == nil {
				resp.Body.Close()
			}
		}()
	}
	for i := 0; i < 3; i++ {
		<-arrived
	}
	// Three are in the server; a fourth must not arrive while they are held.
	select {
	case <-arrived:
		t.Fatal("a fourth request got through the cap of 3")
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	wg.Wait()
	if peak.Load() != 3 {
		t.Fatalf("peak concurrency %d, want 3", peak.Load())
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/", http.StatusFound)
	}))
	defer srv.Close()
	c := newTestClient(Options{})
	req, _ := http.NewRequest("GET", srv.URL, nil)
	resp, err := c.Do(req)
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("resp=%v err=%v", resp, err)
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"120", 2 * time.Minute, true},
		{"0", 0, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{"soon", 0, false},
		{"-5", 0, false},
		{"", 0, false},
	} {
		h := http.Header{}
		if tc.v != "" {
			h.Set("Retry-After", tc.v)
		}
		got, ok := RetryAfter(h, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("RetryAfter(%q) = %v %v, want %v %v", tc.v, got, ok, tc.want, tc.ok)
		}
	}
}

// FuzzCheckURL holds the production policy to what it promises for any URL:
// an accepted URL is https, on the default port, and names no non-public
// address however the address is spelt.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{"https://example.com/", "https://127.0.0.1/", "https://[::1]:443/", "https://0x7f.1/", "https://2130706433", "https://example.com:8443", "https://[2002:a00:1::]/", "https://1.0.0.0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil || CheckURL(u, false) != nil {
			return
		}
		if u.Scheme != "https" || (u.Port() != "" && u.Port() != "443") {
			t.Fatalf("accepted %q: scheme %q port %q", raw, u.Scheme, u.Port())
		}
		host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
		if ip, err := netip.ParseAddr(host); err == nil && !isPublic(ip) {
			t.Fatalf("accepted %q, a non-public address", raw)
		}
		// Four decimal numbers are the plain spelling; any other that a
		// resolver would read as IPv4 is refused.
		if _, err := netip.ParseAddr(host); err != nil {
			if ip, ok := legacyIPv4(host); ok {
				t.Fatalf("accepted %q, an IPv4 address (%s) in disguise", raw, ip)
			}
		}
	})
}

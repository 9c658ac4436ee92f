package filestore

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/tandemsync/tandem/pkg/awsenv"
	"github.com/tandemsync/tandem/pkg/relay"
)

const testSecret = "test-secret"

// recorded is one request as a server saw it.
type recorded struct {
	req  *http.Request
	body []byte
}

// recorder answers every request with the responses it is given in turn
// (the last one repeating) and keeps what it was sent.
type recorder struct {
	mu        sync.Mutex
	got       []recorded
	responses []response
	onRequest func()
}

type response struct {
	status int
	body   string
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.got = append(rc.got, recorded{req: r.Clone(context.Background()), body: body})
	n := len(rc.got)
	resp := response{status: http.StatusOK}
	if len(rc.responses) > 0 {
		resp = rc.responses[min(n, len(rc.responses))-1]
	}
	on := rc.onRequest
	rc.mu.Unlock()
	if on != nil {
		on()
	}
	if resp.status/100 != 2 {
		w.Header().Set("Content-Type", "application/xml")
	}
	w.WriteHeader(resp.status)
	_, _ = io.WriteString(w, resp.body)
}

func (rc *recorder) requests() []recorded {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

func testConfig(endpoint string, retryer func() aws.Retryer) aws.Config {
	return aws.Config{
		Region:       "eu-west-2",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", testSecret, "session-token"),
		BaseEndpoint: aws.String(endpoint),
		Retryer:      retryer,
	}
}

// noBackoff retries as the standard retryer does, without waiting.
func noBackoff(maxAttempts int) func() aws.Retryer {
	return func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = maxAttempts
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		})
	}
}

// The requests this client sends are the ones the SDK's own S3 client sends
// for the same operations, and both verify under one SigV4 check. The SDK
// adds bookkeeping this client does not send (its invocation id and attempt
// headers, its user agent, the x-id query parameter naming the operation).
func TestRequestsMatchTheSDKClient(t *testing.T) {
	key := "attachments/conn 1/a b+c"
	payload := []byte("scan.pdf content")
	ctx := context.Background()

	ours, theirs := &recorder{}, &recorder{}
	oursSrv, theirsSrv := httptest.NewServer(ours), httptest.NewServer(theirs)
	defer oursSrv.Close()
	defer theirsSrv.Close()

	c := NewFromConfig(testConfig(oursSrv.URL, nil), "tandem-files")
	if err := c.Put(ctx, key, payload); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, key); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}

	sdk := s3.NewFromConfig(testConfig(theirsSrv.URL, nil), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := sdk.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String("tandem-files"), Key: aws.String(key), Body: bytes.NewReader(payload),
		ContentLength: aws.Int64(int64(len(payload))), ContentType: aws.String("application/octet-stream"),
		ServerSideEncryption: types.ServerSideEncryptionAes256,
	}); err != nil {
		t.Fatal(err)
	}
	out, err := sdk.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("tandem-files"), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	out.Body.Close()
	if _, err := sdk.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("tandem-files"), Key: aws.String(key)}); err != nil {
		t.Fatal(err)
	}

	o, s := ours.requests(), theirs.requests()
	if len(o) != 3 || len(s) != 3 {
		t.Fatalf("requests: ours %d, the SDK's %d; want 3 each", len(o), len(s))
	}
	// The SDK's per-invocation bookkeeping (amz-sdk-invocation-id,
	// amz-sdk-request: its invocation id and attempt count) is all it
	// signs that this client does not.
	sdkOnly := func(h string) bool { return h == "amz-sdk-invocation-id" || h == "amz-sdk-request" }
	for i, op := range []string{"PutObject", "GetObject", "DeleteObject"} {
		a, b := o[i], s[i]
		t.Run(op, func(t *testing.T) {
			if a.req.Method != b.req.Method {
				t.Errorf("method %s, the SDK's %s", a.req.Method, b.req.Method)
			}
			if a.req.URL.EscapedPath() != b.req.URL.EscapedPath() {
				t.Errorf("path %s, the SDK's %s", a.req.URL.EscapedPath(), b.req.URL.EscapedPath())
			}
			if want := "/tandem-files/attachments/conn%201/a%20b%2Bc"; a.req.URL.EscapedPath() != want {
				t.Errorf("path %s, want %s", a.req.URL.EscapedPath(), want)
			}
			// The SDK names the operation in an x-id parameter, which S3
			// ignores for routing; any other parameter must agree.
			sq := b.req.URL.Query()
			sq.Del("x-id")
			if a.req.URL.RawQuery != sq.Encode() {
				t.Errorf("query %q, the SDK's %q (without x-id)", a.req.URL.RawQuery, b.req.URL.RawQuery)
			}
			for _, h := range []string{"Content-Type", "X-Amz-Server-Side-Encryption", "X-Amz-Security-Token", "Accept-Encoding"} {
				if a.req.Header.Get(h) != b.req.Header.Get(h) {
					t.Errorf("%s %q, the SDK's %q", h, a.req.Header.Get(h), b.req.Header.Get(h))
				}
			}
			if a.req.ContentLength != b.req.ContentLength || !bytes.Equal(a.body, b.body) {
				t.Errorf("body %d bytes (Content-Length %d), the SDK's %d (%d)", len(a.body), a.req.ContentLength, len(b.body), b.req.ContentLength)
			}
			// The SDK sends UNSIGNED-PAYLOAD only over TLS; over http, as
			// here, it signs the payload's hash, as this client always does.
			if a.req.Header.Get("X-Amz-Content-Sha256") != b.req.Header.Get("X-Amz-Content-Sha256") {
				t.Errorf("x-amz-content-sha256 %s, the SDK's %s", a.req.Header.Get("X-Amz-Content-Sha256"), b.req.Header.Get("X-Amz-Content-Sha256"))
			}
			scopeOf := func(r *http.Request) string {
				_, after, _ := strings.Cut(r.Header.Get("Authorization"), "Credential=AKIDTEST/")
				scope, _, _ := strings.Cut(after, ",")
				return scope[8:] // the date, checked by verifySigV4
			}
			if scopeOf(a.req) != "/eu-west-2/s3/aws4_request" || scopeOf(a.req) != scopeOf(b.req) {
				t.Errorf("credential scope %q, the SDK's %q", scopeOf(a.req), scopeOf(b.req))
			}
			signedOf := func(r *http.Request) []string {
				_, after, _ := strings.Cut(r.Header.Get("Authorization"), "SignedHeaders=")
				list, _, _ := strings.Cut(after, ",")
				return slices.DeleteFunc(strings.Split(list, ";"), sdkOnly)
			}
			if sa, sb := signedOf(a.req), signedOf(b.req); !slices.Equal(sa, sb) || !slices.Contains(sa, "host") || !slices.Contains(sa, "x-amz-date") {
				t.Errorf("signed headers %v, the SDK's %v (without its bookkeeping)", sa, sb)
			}
			for who, r := range map[string]recorded{"ours": a, "the SDK's": b} {
				if err := verifySigV4(r.req, r.body, testSecret); err != nil {
					t.Errorf("%s: %v", who, err)
				}
			}
		})
	}
}

func TestErrors(t *testing.T) {
	const noSuchKey = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><RequestId>R1</RequestId></Error>`
	const accessDenied = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>R2</RequestId></Error>`
	const slowDown = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>R3</RequestId></Error>`
	const internal = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>`

	tests := []struct {
		name      string
		responses []response
		op        func(*S3) error
		requests  int
		check     func(t *testing.T, err error)
	}{
		{
			name:      "NoSuchKey is relay.ErrNoFile",
			responses: []response{{http.StatusNotFound, noSuchKey}},
			op:        func(c *S3) error { _, err := c.Get(context.Background(), "k/1"); return err },
			requests:  1,
			check: func(t *testing.T, err error) {
				if !errors.Is(err, relay.ErrNoFile) || !strings.Contains(err.Error(), "get file k/1") {
					t.Errorf("err = %v, want get file k/1: relay.ErrNoFile", err)
				}
			},
		},
		{
			name:      "AccessDenied is named and not retried",
			responses: []response{{http.StatusForbidden, accessDenied}},
			op:        func(c *S3) error { _, err := c.Get(context.Background(), "k/2"); return err },
			requests:  1,
			check: func(t *testing.T, err error) {
				var e *Error
				if !errors.As(err, &e) || e.Code != "AccessDenied" || e.Status != 403 || errors.Is(err, relay.ErrNoFile) {
					t.Errorf("err = %v, want an AccessDenied 403 error", err)
				}
				for _, s := range []string{"get file k/2", "AccessDenied", "403"} {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("err %q does not name %q", err, s)
					}
				}
			},
		},
		{
			name:      "503 SlowDown twice, then success",
			responses: []response{{http.StatusServiceUnavailable, slowDown}, {http.StatusServiceUnavailable, slowDown}, {http.StatusOK, ""}},
			op:        func(c *S3) error { return c.Put(context.Background(), "k/3", []byte("x")) },
			requests:  3,
			check: func(t *testing.T, err error) {
				if err != nil {
					t.Errorf("err = %v, want success after retries", err)
				}
			},
		},
		{
			name:      "500 until the attempts run out",
			responses: []response{{http.StatusInternalServerError, internal}},
			op:        func(c *S3) error { return c.Delete(context.Background(), "k/4") },
			requests:  4,
			check: func(t *testing.T, err error) {
				var e *Error
				if !errors.As(err, &e) || e.Code != "InternalError" || !strings.Contains(err.Error(), "delete file k/4") {
					t.Errorf("err = %v, want the last InternalError", err)
				}
			},
		},
		{
			name:      "Delete of a missing key succeeds",
			responses: []response{{http.StatusNoContent, ""}},
			op:        func(c *S3) error { return c.Delete(context.Background(), "k/5") },
			requests:  1,
			check: func(t *testing.T, err error) {
				if err != nil {
					t.Errorf("err = %v", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{responses: tt.responses}
			srv := httptest.NewServer(rec)
			defer srv.Close()
			err := tt.op(NewFromConfig(testConfig(srv.URL, noBackoff(4)), "b"))
			tt.check(t, err)
			if n := len(rec.requests()); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
		})
	}
}

// A cancelled context ends the retries: the backoff would wait an hour.
func TestCancelStopsRetries(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := &recorder{responses: []response{{http.StatusServiceUnavailable, "<Error><Code>SlowDown</Code></Error>"}}, onRequest: cancel}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	hour := func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 10
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Hour, nil })
		})
	}
	err := NewFromConfig(testConfig(srv.URL, hour), "b").Put(ctx, "k", []byte("x"))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if n := len(rec.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// A connection dropped before any answer is retried, as the SDK retries it.
func TestTransportErrorRetried(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		first := calls == 1
		mu.Unlock()
		if first {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		_, _ = w.Write([]byte("content"))
	}))
	defer srv.Close()
	got, err := NewFromConfig(testConfig(srv.URL, noBackoff(3)), "b").Get(context.Background(), "k")
	if err != nil || string(got) != "content" {
		t.Fatalf("get = %q, %v; want the second attempt's content", got, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls != 2 {
		t.Errorf("%d requests, want 2", calls)
	}
}

// Addressing follows the environment as pkg/awsenv reads it, the way the
// SDK's clients do: AWS_ENDPOINT_URL_S3 before AWS_ENDPOINT_URL, both off
// with AWS_IGNORE_CONFIGURED_ENDPOINT_URLS; without one, AWS's
// virtual-hosted style.
func TestObjectURL(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
		err  string
	}{
		{name: "AWS", env: map[string]string{}, want: "https://tandem-files.s3.eu-west-2.amazonaws.com/a/b%20c"},
		{name: "GovCloud", env: map[string]string{"AWS_REGION": "us-gov-west-1"}, want: "https://tandem-files.s3.us-gov-west-1.amazonaws.com/a/b%20c"},
		{name: "AWS_ENDPOINT_URL", env: map[string]string{"AWS_ENDPOINT_URL": "http://localhost:5000"}, want: "http://localhost:5000/tandem-files/a/b%20c"},
		{name: "AWS_ENDPOINT_URL_S3 first", env: map[string]string{"AWS_ENDPOINT_URL": "http://localhost:5000", "AWS_ENDPOINT_URL_S3": "https://minio.test:9000/base/"}, want: "https://minio.test:9000/base/tandem-files/a/b%20c"},
		{name: "ignored", env: map[string]string{"AWS_ENDPOINT_URL": "http://localhost:5000", "AWS_ENDPOINT_URL_S3": "http://localhost:9000", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}, want: "https://tandem-files.s3.eu-west-2.amazonaws.com/a/b%20c"},
		{name: "China", env: map[string]string{"AWS_REGION": "cn-north-1"}, err: "outside the aws and aws-us-gov partitions"},
		{name: "not a region", env: map[string]string{"AWS_REGION": "evil.com/x"}, err: "not a region name"},
		{name: "upper case", env: map[string]string{"AWS_REGION": "EU-WEST-2"}, err: "not a region name"},
		{name: "leading hyphen", env: map[string]string{"AWS_REGION": "-eu-west-2"}, err: "not a region name"},
		{name: "trailing hyphen", env: map[string]string{"AWS_REGION": "eu-west-"}, err: "not a region name"},
		{name: "two hyphens", env: map[string]string{"AWS_REGION": "eu--west-2"}, err: "not a region name"},
		{name: "a dot", env: map[string]string{"AWS_REGION": "eu-west-2.evil"}, err: "not a region name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"AWS_REGION": "eu-west-2", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "s"}
			for k, v := range tt.env {
				env[k] = v
			}
			cfg, err := awsenv.Config(func(k string) string { return env[k] })
			if err != nil {
				t.Fatal(err)
			}
			u, err := NewFromConfig(cfg, "tandem-files").objectURL(context.Background(), "a/b c")
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || u.String() != tt.want {
				t.Fatalf("url = %v, %v; want %s", u, err, tt.want)
			}
		})
	}
}

func TestParseError(t *testing.T) {
	tests := []struct {
		name, body, header string
		code, msg, reqID   string
	}{
		{name: "S3's document", body: `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<Error><Code>NoSuchKey</Code><Message>The resource you requested does not exist</Message><Resource>/mybucket/myfoto.jpg</Resource><RequestId>4442587FB7D0A2F9</RequestId></Error>`,
			code: "NoSuchKey", msg: "The resource you requested does not exist", reqID: "4442587FB7D0A2F9"},
		{name: "entities", body: `<Error><Code>InvalidArgument</Code><Message>a &amp; b &lt;c&gt;</Message></Error>`, header: "RID", code: "InvalidArgument", msg: "a & b <c>", reqID: "RID"},
		{name: "not XML", body: `<html>bad gateway</html>`, header: "RID", reqID: "RID"},
		{name: "empty", body: ``},
		{name: "unclosed", body: `<Error><Code>SlowDown`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := &http.Response{StatusCode: 503, Header: http.Header{}}
			if tt.header != "" {
				resp.Header.Set("X-Amz-Request-Id", tt.header)
			}
			var e *Error
			if !errors.As(parseError(resp, []byte(tt.body)), &e) {
				t.Fatal("not an *Error")
			}
			if e.Code != tt.code || e.Message != tt.msg || e.RequestID != tt.reqID || e.Status != 503 {
				t.Errorf("got %+v, want code %q message %q request id %q", e, tt.code, tt.msg, tt.reqID)
			}
		})
	}
}

// S3's answer is outside input: whatever the body, parseError returns an
// *Error with the status, and a code with no tag in it.
func FuzzParseError(f *testing.F) {
	f.Add([]byte(`<Error><Code>NoSuchKey</Code><Message>m</Message><RequestId>r</RequestId></Error>`))
	f.Add([]byte(`<Error><Code><Code>x</Code></Code></Error>`))
	f.Add([]byte(`<Code>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var e *Error
		if !errors.As(parseError(&http.Response{StatusCode: 500, Header: http.Header{}}, body), &e) || e.Status != 500 {
			t.Fatalf("parseError(%q) = %v", body, e)
		}
		if strings.Contains(e.Code, "<") && !strings.Contains(string(body), "&lt;") {
			t.Fatalf("code %q carries a tag", e.Code)
		}
	})
}

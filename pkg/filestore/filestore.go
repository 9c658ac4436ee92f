// Package filestore keeps attachment content between the two sync functions
// in Amazon S3: the relay.Files of a deployed Tandem. The bucket (infra:
// files.go) expires objects after a day, encrypts them and refuses plain
// http; objects are also written with SSE-S3 explicitly. The in-memory
// store of the local runner and the unit tests is filestoretest.Memory;
// both pass the same contract (filestoretest.RunContract).
//
// It speaks S3's REST API itself for its three calls rather than linking
// the SDK's service/s3 client, which was about 1.3 MB of each sync function
// (BENCHMARKS.md, "Sync functions without the S3 SDK client (issue 14)"). It
// uses the parts of aws-sdk-go-v2 the functions link anyway: aws.Config for
// region, credentials, endpoint and HTTP client, the SigV4 signer and the
// standard retryer. The API it follows:
//   - PutObject, GetObject, DeleteObject:
//     https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html,
//     https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html,
//     https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html
//   - the XML error document and its codes (NoSuchKey, AccessDenied,
//     SlowDown): https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
//   - signing: "Authenticating Requests (AWS Signature Version 4)",
//     https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html,
//     and "Signature Calculations for the Authorization Header: Transferring
//     Payload in a Single Chunk",
//     https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html:
//     S3 signs the URI path as sent (not escaped twice) and the payload's
//     SHA-256 travels in x-amz-content-sha256; this client signs the payload
//     rather than sending UNSIGNED-PAYLOAD.
//
// Addressing: with an endpoint configured (AWS_ENDPOINT_URL_S3, else
// AWS_ENDPOINT_URL — moto_server, LocalStack, MinIO) requests are path-style,
// {endpoint}/{bucket}/{key}, since those answer on one host; otherwise
// virtual-hosted style, https://{bucket}.s3.{region}.amazonaws.com/{key},
// which is the DNS of the aws (commercial) and aws-us-gov partitions. The
// China, ISO and European Sovereign Cloud partitions use other domains and
// are refused unless an endpoint is configured. The stack (infra) sets no
// region restriction; Tandem deploys to commercial regions. The bucket's
// name is CloudFormation's (lower case, no dots), so it is a valid host
// label for TLS.
package filestore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/tandemsync/tandem/pkg/relay"
)

// S3 stores files as objects of one bucket.
type S3 struct {
	bucket  string
	region  string
	creds   aws.CredentialsProvider
	client  aws.HTTPClient
	retryer aws.Retryer
	signer  *v4.Signer
	// endpoint is the configured base endpoint, if any; sources are asked
	// for S3's own endpoint first, as the SDK's clients ask them.
	endpoint *string
	sources  []any
}

var _ relay.Files = (*S3)(nil)

// NewFromConfig configures the client from the SDK's standard configuration:
// region, credentials, HTTP client, retries (cfg.Retryer, else the standard
// retryer with cfg.RetryMaxAttempts), and the endpoint (cfg.BaseEndpoint
// and, before it, what cfg.ConfigSources answer for "S3" — pkg/awsenv and
// config.LoadDefaultConfig answer AWS_ENDPOINT_URL_S3 there, both honouring
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS).
func NewFromConfig(cfg aws.Config, bucket string) *S3 {
	creds := cfg.Credentials
	if _, cached := creds.(*aws.CredentialsCache); !cached && creds != nil {
		creds = aws.NewCredentialsCache(creds)
	}
	client := cfg.HTTPClient
	if client == nil {
		client = awshttp.NewBuildableClient()
	}
	var retryer aws.Retryer
	if cfg.Retryer != nil {
		retryer = cfg.Retryer()
	} else {
		retryer = retry.NewStandard(func(o *retry.StandardOptions) {
			if cfg.RetryMaxAttempts > 0 {
				o.MaxAttempts = cfg.RetryMaxAttempts
			}
		})
	}
	return &S3{
		bucket: bucket, region: cfg.Region, creds: creds, client: client, retryer: retryer,
		signer:   newSigner(),
		endpoint: cfg.BaseEndpoint, sources: cfg.ConfigSources,
	}
}

func newSigner() *v4.Signer {
	return v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
}

// Put writes data at key, replacing what was there, encrypted at rest with
// S3-managed keys.
func (s *S3) Put(ctx context.Context, key string, data []byte) error {
	if _, err := s.do(ctx, http.MethodPut, key, data); err != nil {
		return fmt.Errorf("put file %s: %w", key, err)
	}
	return nil
}

// Get reads the object at key; a missing one is relay.ErrNoFile.
func (s *S3) Get(ctx context.Context, key string) ([]byte, error) {
	data, err := s.do(ctx, http.MethodGet, key, nil)
	if e := (*Error)(nil); errors.As(err, &e) && e.Code == "NoSuchKey" {
		return nil, fmt.Errorf("get file %s: %w", key, relay.ErrNoFile)
	}
	if err != nil {
		return nil, fmt.Errorf("get file %s: %w", key, err)
	}
	return data, nil
}

// Delete removes the object at key; S3 answers a missing key with success
// (204), and a NoSuchKey from an S3-compatible store is success too.
func (s *S3) Delete(ctx context.Context, key string) error {
	_, err := s.do(ctx, http.MethodDelete, key, nil)
	if e := (*Error)(nil); errors.As(err, &e) && e.Code == "NoSuchKey" {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete file %s: %w", key, err)
	}
	return nil
}

// Error is S3's answer to a failed request: the code of its XML error
// document and the HTTP status. The retryer reads both (ErrorCode for
// throttling codes such as SlowDown, HTTPStatusCode for 5xx).
type Error struct {
	Code      string
	Message   string
	Status    int
	RequestID string
}

func (e *Error) Error() string {
	code := e.Code
	if code == "" {
		code = "no error code"
	}
	msg := fmt.Sprintf("s3 %s (HTTP %d)", code, e.Status)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.RequestID != "" {
		msg += " (request id " + e.RequestID + ")"
	}
	return msg
}

// ErrorCode is the S3 error code.
func (e *Error) ErrorCode() string { return e.Code }

// HTTPStatusCode is the response's status.
func (e *Error) HTTPStatusCode() int { return e.Status }

// do sends one operation, retrying as the retryer decides, and returns the
// body of a 2xx answer.
func (s *S3) do(ctx context.Context, method, key string, payload []byte) ([]byte, error) {
	release := func(error) error { return nil }
	for attempt := 1; ; attempt++ {
		data, err := s.attempt(ctx, method, key, payload)
		_ = release(err)
		if err == nil {
			return data, nil
		}
		if ctx.Err() != nil {
			return nil, errors.Join(err, ctx.Err())
		}
		if attempt >= s.retryer.MaxAttempts() || !s.retryer.IsErrorRetryable(err) {
			return nil, err
		}
		// The retry token bucket keeps a failing S3 from being asked
		// again and again by every invocation.
		r, terr := s.retryer.GetRetryToken(ctx, err)
		if terr != nil {
			return nil, err
		}
		release = r
		delay, derr := s.retryer.RetryDelay(attempt, err)
		if derr != nil {
			return nil, err
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, errors.Join(err, ctx.Err())
		case <-t.C:
		}
	}
}

func (s *S3) attempt(ctx context.Context, method, key string, payload []byte) ([]byte, error) {
	u, err := s.objectURL(ctx, key)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	// NewRequest re-parses the URL; keep the escaping the signature covers.
	req.URL = u
	if method == http.MethodPut {
		req.Header.Set("Content-Type", "application/octet-stream")
		req.Header.Set("X-Amz-Server-Side-Encryption", "AES256")
		req.ContentLength = int64(len(payload))
	} else {
		req.Body, req.GetBody, req.ContentLength = http.NoBody, nil, 0
	}
	// As the SDK's client: without it Go's transport asks for gzip and
	// decompresses transparently, so the bytes read would not be the
	// object's as stored.
	req.Header.Set("Accept-Encoding", "identity")
	if s.creds == nil {
		return nil, errors.New("s3: the AWS configuration has no credentials")
	}
	creds, err := s.creds.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	if err := sign(ctx, s.signer, req, payload, creds, s.region, time.Now()); err != nil {
		return nil, err
	}
	// Transport failures are the SDK's RequestSendError, which its
	// retryer retries (as the SDK's clients wrap them).
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, &smithyhttp.RequestSendError{Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, &smithyhttp.RequestSendError{Err: fmt.Errorf("read s3 response: %w", err)}
	}
	if resp.StatusCode/100 == 2 {
		return body, nil
	}
	return nil, parseError(resp, body)
}

// sign sets x-amz-content-sha256 to the payload's SHA-256 and signs the
// request for S3.
func sign(ctx context.Context, signer *v4.Signer, req *http.Request, payload []byte, creds aws.Credentials, region string, now time.Time) error {
	sum := sha256.Sum256(payload)
	hash := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", hash)
	if err := signer.SignHTTP(ctx, creds, req, hash, "s3", region, now); err != nil {
		return fmt.Errorf("sign s3 request: %w", err)
	}
	return nil
}

// parseError reads S3's XML error document (ErrorResponses.html): an
// <Error> element whose Code, Message and RequestId children hold text
// only. It scans for them rather than linking encoding/xml, which nothing
// else in a sync function uses. A body that is not such a document (a
// proxy's page, an empty answer) leaves the code empty: the status still
// says what happened, and the retryer still reads it.
func parseError(resp *http.Response, body []byte) error {
	doc := string(body)
	e := &Error{Code: element(doc, "Code"), Message: element(doc, "Message"), Status: resp.StatusCode, RequestID: element(doc, "RequestId")}
	if e.RequestID == "" {
		e.RequestID = resp.Header.Get("X-Amz-Request-Id")
	}
	return e
}

var xmlText = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", `"`, "&apos;", "'", "&amp;", "&")

// element is the text of the first <name> element of doc, or "".
func element(doc, name string) string {
	_, after, ok := strings.Cut(doc, "<"+name+">")
	if !ok {
		return ""
	}
	v, _, ok := strings.Cut(after, "</"+name+">")
	if !ok || strings.Contains(v, "<") {
		return ""
	}
	return xmlText.Replace(strings.TrimSpace(v))
}

// regionName reports whether region can stand in the host name: lower-case
// letters and digits in runs joined by single hyphens, as region names are.
// A loop rather than a regular expression compiled at package init, which
// every sync function's cold start would pay.
func regionName(region string) bool {
	if region == "" || region[0] == '-' || region[len(region)-1] == '-' || strings.Contains(region, "--") {
		return false
	}
	for _, c := range region {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// objectURL addresses key in the bucket (the package comment has the
// rules).
func (s *S3) objectURL(ctx context.Context, key string) (*url.URL, error) {
	base, err := s.baseEndpoint(ctx)
	if err != nil {
		return nil, err
	}
	if base != "" {
		u, err := url.Parse(base)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("s3 endpoint %q is not an http(s) URL", base)
		}
		prefix := strings.TrimSuffix(u.Path, "/")
		rawPrefix := strings.TrimSuffix(u.EscapedPath(), "/")
		u.Path = prefix + "/" + s.bucket + "/" + key
		u.RawPath = rawPrefix + "/" + escapeKey(s.bucket) + "/" + escapeKey(key)
		u.RawQuery, u.Fragment = "", ""
		return u, nil
	}
	if !regionName(s.region) {
		return nil, fmt.Errorf("s3: region %q is not a region name", s.region)
	}
	for _, p := range []string{"cn-", "us-iso", "eu-iso", "eusc-"} {
		if strings.HasPrefix(s.region, p) {
			return nil, fmt.Errorf("s3: region %s is outside the aws and aws-us-gov partitions; set AWS_ENDPOINT_URL_S3", s.region)
		}
	}
	return &url.URL{
		Scheme:  "https",
		Host:    s.bucket + ".s3." + s.region + ".amazonaws.com",
		Path:    "/" + key,
		RawPath: "/" + escapeKey(key),
	}, nil
}

// baseEndpoint is S3's own configured endpoint, else the configuration's
// base endpoint, else "" for AWS's.
func (s *S3) baseEndpoint(ctx context.Context) (string, error) {
	type serviceEndpoints interface {
		GetServiceBaseEndpoint(ctx context.Context, sdkID string) (string, bool, error)
	}
	for _, src := range s.sources {
		if se, ok := src.(serviceEndpoints); ok {
			v, found, err := se.GetServiceBaseEndpoint(ctx, "S3")
			if err != nil {
				return "", fmt.Errorf("s3 endpoint: %w", err)
			}
			if found && v != "" {
				return v, nil
			}
		}
	}
	if s.endpoint != nil {
		return *s.endpoint, nil
	}
	return "", nil
}

// escapeKey percent-encodes every byte of key except the unreserved ones
// (A-Z a-z 0-9 - . _ ~) and '/', as SigV4's UriEncode for an S3 object key
// (sig-v4-header-based-auth.html, "CanonicalURI").
func escapeKey(key string) string {
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '~', c == '/':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

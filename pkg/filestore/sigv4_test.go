package filestore

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// AWS's published S3 SigV4 examples: "Signature Calculations for the
// Authorization Header: Transferring Payload in a Single Chunk", section
// "Examples: Signature Calculations",
// https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
// (bucket examplebucket, us-east-1, 20130524T000000Z, the documentation's
// example key pair). The signatures below are the page's.
var exampleCreds = aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}

var exampleTime = time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)

func TestSignMatchesAWSPublishedExamples(t *testing.T) {
	tests := []struct {
		name          string
		method, key   string
		header        map[string]string
		payload       []byte
		signedHeaders string
		signature     string
	}{
		{
			// "Example: GET Object": the first ten bytes of test.txt.
			name: "GET Object", method: http.MethodGet, key: "test.txt",
			header:        map[string]string{"Range": "bytes=0-9"},
			signedHeaders: "host;range;x-amz-content-sha256;x-amz-date",
			signature:     "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
		},
		{
			// "Example: PUT Object": the key's '$' is sent and signed as
			// %24 (the page's canonical URI is /test%24file.text).
			name: "PUT Object", method: http.MethodPut, key: "test$file.text",
			header:        map[string]string{"Date": "Fri, 24 May 2013 00:00:00 GMT", "X-Amz-Storage-Class": "REDUCED_REDUNDANCY"},
			payload:       []byte("Welcome to Amazon S3."),
			signedHeaders: "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
			signature:     "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := &url.URL{Scheme: "https", Host: "examplebucket.s3.amazonaws.com", Path: "/" + tt.key, RawPath: "/" + escapeKey(tt.key)}
			req, err := http.NewRequest(tt.method, u.String(), nil)
			if err != nil {
				t.Fatal(err)
			}
			req.URL = u
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			// The page's examples sign no Content-Length.
			if err := sign(context.Background(), newSigner(), req, tt.payload, exampleCreds, "us-east-1", exampleTime); err != nil {
				t.Fatal(err)
			}
			want := "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=" +
				tt.signedHeaders + ", Signature=" + tt.signature
			if got := req.Header.Get("Authorization"); got != want {
				t.Errorf("Authorization\n got %s\nwant %s", got, want)
			}
			// The test's own SigV4 check agrees with the published example,
			// so it can judge requests that have no published signature.
			if err := verifySigV4(req, tt.payload, exampleCreds.SecretAccessKey); err != nil {
				t.Errorf("verifySigV4 on the published example: %v", err)
			}
		})
	}
}

func TestEscapeKey(t *testing.T) {
	for key, want := range map[string]string{
		"attachments/conn-1/cmd": "attachments/conn-1/cmd",
		"attachments/a b/c+d":    "attachments/a%20b/c%2Bd",
		"x/é~_.-$&=?#%":          "x/%C3%A9~_.-%24%26%3D%3F%23%25",
		"a//b":                   "a//b",
		"UPPER/lower/0123456789": "UPPER/lower/0123456789",
	} {
		if got := escapeKey(key); got != want {
			t.Errorf("escapeKey(%q) = %q, want %q", key, got, want)
		}
	}
}

// verifySigV4 checks req's Authorization header by computing the signature
// independently of the SDK's signer, from the steps of
// sig-v4-header-based-auth.html: canonical request (method, the URI path as
// sent, sorted query, the signed headers lower-cased and trimmed, the
// payload hash), string to sign, signing key from the date, region and
// service of the credential scope.
func verifySigV4(req *http.Request, body []byte, secret string) error {
	auth := req.Header.Get("Authorization")
	fields := map[string]string{}
	rest, ok := strings.CutPrefix(auth, "AWS4-HMAC-SHA256 ")
	if !ok {
		return fmt.Errorf("authorization %q is not AWS4-HMAC-SHA256", auth)
	}
	for _, f := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(f), "=")
		fields[k] = v
	}
	scope := strings.Split(fields["Credential"], "/")
	if len(scope) != 5 || scope[4] != "aws4_request" {
		return fmt.Errorf("credential %q", fields["Credential"])
	}
	amzDate := req.Header.Get("X-Amz-Date")
	if !strings.HasPrefix(amzDate, scope[1]) {
		return fmt.Errorf("x-amz-date %s outside the scope's day %s", amzDate, scope[1])
	}
	payloadHash := req.Header.Get("X-Amz-Content-Sha256")
	if payloadHash != "UNSIGNED-PAYLOAD" {
		sum := sha256.Sum256(body)
		if payloadHash != hex.EncodeToString(sum[:]) {
			return fmt.Errorf("x-amz-content-sha256 %s is not the body's SHA-256", payloadHash)
		}
	}
	signed := strings.Split(fields["SignedHeaders"], ";")
	if !sort.StringsAreSorted(signed) || !slices.Contains(signed, "host") || !slices.Contains(signed, "x-amz-date") {
		return fmt.Errorf("signed headers %v: want sorted, with host and x-amz-date", signed)
	}
	var canon strings.Builder
	canon.WriteString(req.Method + "\n")
	canon.WriteString(req.URL.EscapedPath() + "\n")
	q := req.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var pairs []string
	for _, k := range keys {
		vs := slices.Clone(q[k])
		sort.Strings(vs)
		for _, v := range vs {
			pairs = append(pairs, uriEncode(k)+"="+uriEncode(v))
		}
	}
	canon.WriteString(strings.Join(pairs, "&") + "\n")
	for _, h := range signed {
		var v string
		switch h {
		case "host":
			v = req.Host
			if v == "" {
				v = req.URL.Host
			}
		case "content-length":
			v = req.Header.Get("Content-Length")
			if v == "" {
				v = strconv.FormatInt(req.ContentLength, 10)
			}
		default:
			v = strings.Join(req.Header.Values(h), ",")
		}
		canon.WriteString(h + ":" + strings.Join(strings.Fields(v), " ") + "\n")
	}
	canon.WriteString("\n" + fields["SignedHeaders"] + "\n" + payloadHash)
	creqHash := sha256.Sum256([]byte(canon.String()))
	toSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + strings.Join(scope[1:], "/") + "\n" + hex.EncodeToString(creqHash[:])
	key := []byte("AWS4" + secret)
	for _, part := range scope[1:] {
		key = hmacSHA256(key, part)
	}
	if got := hex.EncodeToString(hmacSHA256(key, toSign)); got != fields["Signature"] {
		return fmt.Errorf("signature %s, computed %s from\n%s", fields["Signature"], got, canon.String())
	}
	return nil
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

func uriEncode(s string) string {
	return strings.ReplaceAll(escapeKey(s), "/", "%2F")
}

package autotask

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/tandemsync/tandem/pkg/platform"
)

// ErrBadSignature is wrapped by every VerifyWebhook failure.
var ErrBadSignature = errors.New("autotask webhook signature not valid")

// SignatureHeader carries "sha1=" + base64(HMAC-SHA1(SecretKey, body)).
const SignatureHeader = "X-Hook-Signature"

// VerifyWebhook checks X-Hook-Signature against the webhook's secret key. It
// accepts the HMAC of the body as received and of the body re-escaped the way
// Autotask serialises before signing (public integrations report live
// deliveries signed that way whenever a string holds &, <, >, ', +, a quote
// or non-ASCII text). Both comparisons are constant-time.
func VerifyWebhook(req platform.WebhookRequest, secret string) error {
	if secret == "" {
		return fmt.Errorf("%w: no secret configured for this endpoint", ErrBadSignature)
	}
	header := strings.TrimSpace(req.Header.Get(SignatureHeader))
	if header == "" {
		return fmt.Errorf("%w: missing %s header", ErrBadSignature, SignatureHeader)
	}
	if len(header) >= 5 && strings.EqualFold(header[:5], "sha1=") {
		header = header[5:]
	}
	want, err := base64.StdEncoding.DecodeString(header)
	if err != nil || len(want) != sha1.Size {
		return fmt.Errorf("%w: %s is not a base64 SHA-1 HMAC", ErrBadSignature, SignatureHeader)
	}
	if hmac.Equal(sign(secret, req.Body), want) {
		return nil
	}
	if escaped, changed := autotaskEscape(req.Body); changed && hmac.Equal(sign(secret, escaped), want) {
		return nil
	}
	return fmt.Errorf("%w: the body does not match the signature", ErrBadSignature)
}

func sign(secret string, body []byte) []byte {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write(body)
	return m.Sum(nil)
}

// autotaskEscape rewrites the characters inside JSON strings that Autotask
// escapes before signing: & < > ' ` + and an escaped quote as \u00XX (upper
// case hex), non-ASCII as UTF-16 \uXXXX units. Other escapes stay as they
// are. It reports whether anything changed, so the common plain-ASCII body
// costs one scan and no second HMAC.
func autotaskEscape(body []byte) ([]byte, bool) {
	if !needsEscape(body) {
		return body, false
	}
	out := make([]byte, 0, len(body)+len(body)/4)
	inString, escaped := false, false
	for i := 0; i < len(body); {
		b := body[i]
		switch {
		case escaped:
			// The byte after a backslash: \" becomes \u0022, the rest stays.
			if b == '"' {
				out = append(out[:len(out)-1], `\u0022`...)
			} else {
				out = append(out, b)
			}
			escaped = false
			i++
		case b == '\\' && inString:
			out = append(out, b)
			escaped = true
			i++
		case b == '"':
			inString = !inString
			out = append(out, b)
			i++
		case !inString:
			out = append(out, b)
			i++
		case b < utf8.RuneSelf:
			switch b {
			case '&', '<', '>', '\'', '`', '+':
				out = appendU(out, rune(b))
			default:
				out = append(out, b)
			}
			i++
		default:
			r, size := utf8.DecodeRune(body[i:])
			if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
				out = appendU(appendU(out, r1), r2)
			} else {
				out = appendU(out, r)
			}
			i += size
		}
	}
	return out, true
}

func needsEscape(body []byte) bool {
	for _, b := range body {
		switch {
		case b >= utf8.RuneSelf, b == '&', b == '<', b == '>', b == '\'', b == '`', b == '+':
			return true
		}
	}
	return bytes.Contains(body, []byte(`\"`))
}

const hexDigits = "0123456789ABCDEF"

func appendU(out []byte, r rune) []byte {
	return append(out, '\\', 'u', hexDigits[r>>12&0xF], hexDigits[r>>8&0xF], hexDigits[r>>4&0xF], hexDigits[r&0xF])
}

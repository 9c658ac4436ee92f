package connection

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// codeAlphabet has no characters a person could misread when reading a code
// aloud or copying it from a screen: no 0/O, 1/I/L, or U/V.
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTWXYZ"

// codeLength characters of a 29-letter alphabet give 16·log2(29) ≈ 77.7 bits,
// well over the 64-bit floor, so guessing is hopeless even before rate limits.
const codeLength = 16

// newCode returns a fresh code formatted in groups of four, e.g.
// "K7QM-3XRT-9HWD-P2NC".
func newCode() (string, error) {
	var b strings.Builder
	buf := make([]byte, 1)
	for i := 0; i < codeLength; {
		if _, err := rand.Read(buf); err != nil {
			return "", err
		}
		// Rejection sampling keeps every letter equally likely.
		if int(buf[0]) >= 256-256%len(codeAlphabet) {
			continue
		}
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(codeAlphabet[int(buf[0])%len(codeAlphabet)])
		i++
	}
	return b.String(), nil
}

// normaliseCode accepts what a person pastes or types: any case, with or
// without dashes and spaces. It returns "" for anything that cannot be a code.
func normaliseCode(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == '-' || r == ' ' || r == '\t':
			continue
		case r < 128 && strings.IndexByte(codeAlphabet, byte(r)) >= 0:
			b.WriteRune(r)
		default:
			return ""
		}
	}
	if b.Len() != codeLength {
		return ""
	}
	return b.String()
}

// hashCode is what the store keeps: the code itself is never stored. With
// ~78 bits of entropy a plain SHA-256 cannot be reversed by search.
func hashCode(normalised string) string {
	sum := sha256.Sum256([]byte("tandem-connection-code:" + normalised))
	return hex.EncodeToString(sum[:])
}

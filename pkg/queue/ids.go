package queue

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strings"
)

// MaxIDLen is SQS's limit for MessageGroupId and MessageDeduplicationId.
const MaxIDLen = 128

// DedupID derives a deduplication id from the parts that identify a change
// (e.g. connection, ticket, version). Hashing keeps any key within SQS's
// length and charset limits; length-prefixing the parts keeps ("ab","c") and
// ("a","bc") distinct.
func DedupID(parts ...string) string {
	h := sha256.New()
	var n [8]byte
	for _, p := range parts {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// GroupID joins parts (e.g. organisation and ticket) with ':' into a valid
// message group id, kept readable for logs and the SQS console. Disallowed
// characters become '_' and an over-long id is cut and suffixed with a hash
// of the whole. Both can only merge two groups, never split one, so ordering
// stays intact: the worst case is less parallelism.
func GroupID(parts ...string) string {
	joined := strings.Join(parts, ":")
	clean := strings.Map(func(r rune) rune {
		if validIDChar(r) {
			return r
		}
		return '_'
	}, joined)
	if clean == "" {
		clean = "_"
	}
	if len(clean) <= MaxIDLen {
		return clean
	}
	sum := sha256.Sum256([]byte(joined))
	suffix := "~" + hex.EncodeToString(sum[:16])
	return clean[:MaxIDLen-len(suffix)] + suffix
}

// validIDChar reports whether SQS accepts r in a group or deduplication id:
// alphanumerics and punctuation, i.e. printable ASCII without the space.
func validIDChar(r rune) bool { return r > ' ' && r <= '~' }

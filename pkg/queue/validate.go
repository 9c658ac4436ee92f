package queue

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// MaxBodyBytes is the message size limit Tandem designs for: SQS's classic
// 256 KiB, which is also the SendMessageBatch total. Staying under it keeps
// every queue and the Lambda event payload within bounds.
const MaxBodyBytes = 256 << 10

// ErrTooLarge is wrapped by the error for a body over MaxBodyBytes.
var ErrTooLarge = errors.New("message body too large")

// Validate checks m against the SQS FIFO rules both adapters enforce, so the
// local runner refuses exactly what AWS would and a bad message fails before
// any of its batch is sent.
func (m Message) Validate() error {
	if err := validID("group id", m.Group); err != nil {
		return err
	}
	if err := validID("deduplication id", m.DedupID); err != nil {
		return err
	}
	if len(m.Body) == 0 {
		return errors.New("message body is empty (SQS requires at least one character)")
	}
	if len(m.Body) > MaxBodyBytes {
		return fmt.Errorf("%w: %d bytes, limit %d (group %s, dedup id %s)", ErrTooLarge, len(m.Body), MaxBodyBytes, m.Group, m.DedupID)
	}
	if i := invalidBodyChar(m.Body); i >= 0 {
		return fmt.Errorf("message body has a character SQS rejects at byte %d (group %s, dedup id %s)", i, m.Group, m.DedupID)
	}
	return nil
}

func validID(what, id string) error {
	if id == "" || len(id) > MaxIDLen {
		return fmt.Errorf("%s %q: must be 1..%d characters", what, id, MaxIDLen)
	}
	for i, r := range id {
		if !validIDChar(r) {
			return fmt.Errorf("%s %q: character %q at %d is not allowed (use queue.GroupID / queue.DedupID)", what, id, r, i)
		}
	}
	return nil
}

// invalidBodyChar returns the offset of the first byte SQS would reject, or
// -1. SQS takes XML 1.0 characters: #x9 #xA #xD, #x20-#xD7FF, #xE000-#xFFFD,
// #x10000-#x10FFFF, as valid UTF-8.
func invalidBodyChar(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		ok := r == 0x9 || r == 0xA || r == 0xD ||
			(r >= 0x20 && r <= 0xD7FF) ||
			(r >= 0xE000 && r <= 0xFFFD) ||
			(r >= 0x10000 && r <= 0x10FFFF)
		if !ok || (r == utf8.RuneError && n == 1) {
			return i
		}
		i += n
	}
	return -1
}

package sqsqueue

import (
	"fmt"
	"strings"
)

// BatchError reports a SendMessageBatch that SQS accepted only in part.
// Messages after the failed batch were not attempted.
type BatchError struct {
	Queue  string
	Sent   int // messages known to be enqueued by this Send
	Total  int
	Failed []FailedEntry
}

// FailedEntry is one message SQS refused.
type FailedEntry struct {
	Index          int // position in the Send call, -1 if SQS named an unknown entry
	Group, DedupID string
	Code, Reason   string
	SenderFault    bool // true: retrying the same message will fail again
}

func (e *BatchError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "send to queue %s: %d of %d messages failed (%d sent, rest not attempted):", e.Queue, len(e.Failed), e.Total, e.Sent)
	for _, f := range e.Failed {
		fmt.Fprintf(&b, " [message %d group %s dedup id %s: %s: %s]", f.Index, f.Group, f.DedupID, f.Code, f.Reason)
	}
	return b.String()
}

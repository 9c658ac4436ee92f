package zendesk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// zid reads an id that the REST API sends as a number and the event
// payloads as a string ("5158"), or null.
type zid string

func (z *zid) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*z = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*z = zid(strings.TrimSpace(s))
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("id %s: %w", b, err)
		}
		i, err := n.Int64()
		if err != nil {
			return fmt.Errorf("id %s: %w", b, err)
		}
		*z = zid(strconv.FormatInt(i, 10))
	}
	return nil
}

// positive reports whether the id names a record.
func (z zid) positive() bool {
	n, err := strconv.ParseInt(string(z), 10, 64)
	return err == nil && n > 0
}

// recordID checks that id is a Zendesk record id, so a mistyped id is
// reported as such instead of becoming a different URL.
func recordID(what, id string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
	if err != nil || n <= 0 {
		return 0, invalid(fmt.Sprintf("%q is not a Zendesk %s id", id, what))
	}
	return n, nil
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// cursorMeta is the cursor-pagination part of a list answer
// (developer.zendesk.com/api-reference/introduction/pagination):
// meta.has_more and meta.after_cursor, with page[after] on the next call.
type cursorMeta struct {
	Meta struct {
		HasMore     bool   `json:"has_more"`
		AfterCursor string `json:"after_cursor"`
	} `json:"meta"`
}

// pageSize is the largest cursor page Zendesk serves (100).
const pageSize = "100"

// jsonRaw defers decoding one key of an answer whose other keys vary.
type jsonRaw = json.RawMessage

func decodeRaw(raw jsonRaw, out any) error {
	if len(raw) == 0 {
		return nil
	}
	return json.Unmarshal(raw, out)
}

package halo

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// haloID reads an id Halo sends as a number, a numeric string or null; the
// same field comes both ways across versions and payload types.
type haloID string

func (h *haloID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*h = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*h = haloID(strings.TrimSpace(s))
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("id %s: %w", b, err)
		}
		// 12.0 and 12 are the same id.
		if f, err := n.Float64(); err == nil && f == float64(int64(f)) {
			*h = haloID(strconv.FormatInt(int64(f), 10))
			return nil
		}
		*h = haloID(n.String())
	}
	return nil
}

// positive reports whether the id names a record; Halo uses 0 and -1 for
// "none".
func (h haloID) positive() bool {
	n, err := strconv.ParseInt(string(h), 10, 64)
	return err == nil && n > 0
}

// flexBool reads booleans Halo sends as true/false or as integer flags
// (TOutcome.sendemail is an int32), in either JSON or string form.
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	s := strings.Trim(strings.ToLower(string(bytes.TrimSpace(b))), `"`)
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		*f = n != 0
		return nil
	}
	*f = s == "true"
	return nil
}

// The layouts Halo answers dates in: UTC without an offset is the common
// one, RFC 3339 appears in webhook timestamps.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05", "2006-01-02"}

// parseTime reads a Halo date; Halo's "no date" is 1900-01-01 or empty.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			if t.Year() <= 1901 {
				return time.Time{}, false
			}
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// decodeOne reads a POST answer that is either the created object (one item
// posted) or an array of them.
func decodeOne(raw json.RawMessage, out any) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '[' {
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return err
		}
		if len(items) == 0 {
			return fmt.Errorf("empty answer")
		}
		raw = items[0]
	}
	return json.Unmarshal(raw, out)
}

// decodeList reads a list answer that is either a bare array or an object
// wrapping the array under key (Halo does both, depending on the endpoint).
func decodeList[T any](raw json.RawMessage, key string) ([]T, error) {
	raw = bytes.TrimSpace(raw)
	var out []T
	if len(raw) > 0 && raw[0] == '[' {
		err := json.Unmarshal(raw, &out)
		return out, err
	}
	var wrapped map[string]json.RawMessage
	if err := json.Unmarshal(raw, &wrapped); err != nil {
		return nil, err
	}
	for k, v := range wrapped {
		if strings.EqualFold(k, key) {
			err := json.Unmarshal(v, &out)
			return out, err
		}
	}
	return nil, nil
}

// compareIDs orders numeric ids without parsing: shorter is smaller.
func compareIDs(a, b string) int {
	if c := cmp.Compare(len(a), len(b)); c != 0 {
		return c
	}
	return cmp.Compare(a, b)
}

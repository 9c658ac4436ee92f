package egress

import (
	"net/http"
	"testing"
	"time"
)

// Microsoft Graph's throttling guidance shows "Retry-After: 2.128"
// (pkg/graph/testdata/error-429-throttled.src); a decimal must be honoured,
// not dropped in favour of the client's own backoff.
func TestRetryAfterDecimalSeconds(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		header string
		want   time.Duration
		ok     bool
	}{
		{"2.128", 2128 * time.Millisecond, true},
		{"0.5", 500 * time.Millisecond, true},
		{"10", 10 * time.Second, true},
		{"1.000000001", time.Second + time.Nanosecond, true},
		{"1e3", 0, false},
		{"-1.5", 0, false},
		{"+1.5", 0, false},
		{"1.", 0, false},
		{".5", 0, false},
		{"1.2.3", 0, false},
		{"NaN", 0, false},
		{"99999999.5", 0, false},
	}
	for _, tt := range tests {
		got, ok := RetryAfter(http.Header{"Retry-After": {tt.header}}, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("RetryAfter(%q) = %v, %v; want %v, %v", tt.header, got, ok, tt.want, tt.ok)
		}
	}
}

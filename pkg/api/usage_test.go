package api_test

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/api"
	"github.com/tandemsync/tandem/pkg/api/apitest"
	"github.com/tandemsync/tandem/pkg/budget/budgettest"
	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/settings"
)

type usageSource struct {
	*budgettest.Memory
	kinds map[string]platform.Kind
}

func (u usageSource) Kind(_ context.Context, org string) (platform.Kind, error) {
	if k, ok := u.kinds[org]; ok {
		return k, nil
	}
	return "", settings.ErrNotConfigured
}

// The usage page shows the caller's 24 hours, each present, with the
// platform's limit and threshold; another organisation's calls never
// appear in it, nor calls older than the window.
func TestPlatformUsageShowsTheCallersLast24Hours(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 12, 30, 0, 0, time.UTC)
	hour := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	mem := budgettest.NewMemory()
	for _, add := range []struct {
		org string
		at  time.Time
		n   int64
	}{
		{"acme", hour, 40}, {"acme", hour.Add(-time.Hour), 7}, {"acme", hour.Add(-23 * time.Hour), 3},
		{"acme", hour.Add(-24 * time.Hour), 999}, // one hour too old
		{"globex", hour, 5000},
	} {
		if err := mem.AddCalls(ctx, add.org, add.at, add.n); err != nil {
			t.Fatal(err)
		}
	}
	rt := api.NewRouter(api.Auth{DevBearer: true}, slog.New(slog.DiscardHandler))
	api.UsageRoutes(rt, usageSource{mem, map[string]platform.Kind{"acme": platform.Autotask, "globex": platform.Halo}}, clock.NewManual(now))
	hs := &harness{t: t, h: apitest.Lambda(t, rt.Handler())}

	tests := []struct {
		org                     string
		status                  int
		limit, threshold        float64
		last, beforeLast, first float64
		total                   float64
	}{
		{org: "acme", status: http.StatusOK, limit: 10_000, threshold: 4_500, last: 40, beforeLast: 7, first: 3, total: 50},
		{org: "globex", status: http.StatusOK, limit: 3_600, threshold: 1_620, last: 5000, total: 5000},
		{org: "initech", status: http.StatusNotFound},
		{org: "", status: http.StatusUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.org, func(t *testing.T) {
			r := hs.do(tc.org, http.MethodGet, "/v1/settings/platform/usage", "")
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Raw)
			}
			if tc.status != http.StatusOK {
				return
			}
			if r.Body["limit"] != tc.limit || r.Body["threshold"] != tc.threshold {
				t.Fatalf("limit %v threshold %v, want %v and %v", r.Body["limit"], r.Body["threshold"], tc.limit, tc.threshold)
			}
			hours, _ := r.Body["hours"].([]any)
			if len(hours) != api.UsageHours {
				t.Fatalf("%d hours, want %d", len(hours), api.UsageHours)
			}
			var total float64
			for i, h := range hours {
				m := h.(map[string]any)
				want := hour.Add(time.Duration(i-23) * time.Hour).Format(time.RFC3339)
				if m["hour"] != want || m["limit"] != tc.limit || m["threshold"] != tc.threshold {
					t.Fatalf("hour %d is %v, want %s with the limit and threshold", i, m, want)
				}
				total += m["calls"].(float64)
			}
			calls := func(i int) any { return hours[i].(map[string]any)["calls"] }
			if calls(23) != tc.last || calls(22) != tc.beforeLast || calls(0) != tc.first || total != tc.total {
				t.Fatalf("calls: last %v, before %v, first %v, total %v; want %v, %v, %v, %v (no other organisation's, none older than 24 h)",
					calls(23), calls(22), calls(0), total, tc.last, tc.beforeLast, tc.first, tc.total)
			}
		})
	}
}

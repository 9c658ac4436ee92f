package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/tandemsync/tandem/pkg/budget"
	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/platform"
)

// UsageHours is how far back GET /v1/settings/platform/usage looks: the
// current hour and the 23 before it.
const UsageHours = 24

// UsageSource reads an organisation's platform and its hourly call counts.
type UsageSource interface {
	Kind(ctx context.Context, org string) (platform.Kind, error)
	Calls(ctx context.Context, org string, from, to time.Time) ([]budget.Hour, error)
}

type usageHour struct {
	Hour      time.Time `json:"hour"`
	Calls     int64     `json:"calls"`
	Limit     int64     `json:"limit"`
	Threshold int64     `json:"threshold"`
}

type usageView struct {
	Platform  platform.Kind `json:"platform"`
	Limit     int64         `json:"limit"`
	Threshold int64         `json:"threshold"`
	Hours     []usageHour   `json:"hours"`
}

// UsageRoutes registers GET /v1/settings/platform/usage: the calling
// organisation's platform calls per hour over the last 24 hours, oldest
// first, every hour present (0 where none were made), next to the limit
// and the count at which sync holds. Only the caller's own counts are read.
func UsageRoutes(rt *Router, src UsageSource, clk clock.Clock) {
	rt.Handle(http.MethodGet, "/v1/settings/platform/usage", func(ctx context.Context, r *Request) (Result, error) {
		org := r.Caller.OrgID
		kind, err := src.Kind(ctx, org)
		if err != nil {
			return Result{}, err
		}
		to := budget.HourOf(clk.Now()).Add(time.Hour)
		from := to.Add(-UsageHours * time.Hour)
		hours, err := src.Calls(ctx, org, from, to)
		if err != nil {
			return Result{}, fmt.Errorf("platform usage of %s: %w", org, err)
		}
		counts := make(map[time.Time]int64, len(hours))
		for _, h := range hours {
			counts[h.Start.UTC()] += h.Calls
		}
		limit := budget.Limit(kind)
		v := usageView{Platform: kind, Limit: limit, Threshold: budget.Threshold(limit), Hours: make([]usageHour, 0, UsageHours)}
		for h := from; h.Before(to); h = h.Add(time.Hour) {
			v.Hours = append(v.Hours, usageHour{Hour: h, Calls: counts[h], Limit: v.Limit, Threshold: v.Threshold})
		}
		return Result{Status: http.StatusOK, Body: v}, nil
	})
}

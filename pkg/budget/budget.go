// Package budget keeps each organisation's partner API calls inside the
// vendor's published limit. Every platform client Tandem builds for an
// organisation is tracked by a Meter, which adds the requests the client
// sent (its egress count, retries included) to a counter per organisation
// and clock hour shared by every function, and holds sync work once the
// hour's count reaches HoldShare of the platform's limit. Held work stays
// on its queue and runs when the hour rolls over: nothing is dropped.
package budget

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
)

// HoldShare is the part of a platform's hourly limit at which sync holds.
// Below one half so that any 60-minute window, which spans at most two clock
// hours, stays under the limit even where the vendor counts a rolling hour
// (Autotask). The five points under one half absorb what the meter cannot
// see when it decides: requests other warm instances sent and have not yet
// written (at most FlushInterval's worth each) and those of the message in
// progress. Autotask also adds latency from one half of its threshold on,
// and other integrations of the same database share it.
const HoldShare = 0.45

// HourLimits are the vendors' published limits expressed per clock hour,
// or a conservative default where no vendor figure exists. The README's
// "Partner API budget" section gives the source of each.
var HourLimits = map[platform.Kind]int64{
	// 10,000 external requests per hour per database, all integrations
	// together (Autotask developer help, "REST API supportability, query
	// thresholds, and latency").
	platform.Autotask: 10_000,
	// ConnectWise publishes no figure; 60 a minute is the lowest one in
	// circulation (a third-party connector's guide), so 3,600 an hour.
	platform.ConnectWise: 3_600,
	// Halo publishes no figure; third-party figures are 450 per 5 minutes
	// and 60 a minute, so the lower: 3,600 an hour.
	platform.Halo: 3_600,
	// Outlook service limits: 10,000 requests per 10 minutes per app per
	// mailbox (Microsoft Graph throttling limits). An hourly count cannot
	// see how the hour's calls fall into its 10-minute windows, so only an
	// hour under 10,000 guarantees every window is.
	platform.Graph: 10_000,
	// Zendesk: 200 requests a minute on the lowest current plans (Suite
	// Team, Support Team), 12,000 an hour; higher plans allow more.
	// Per-minute bursts are the platform's 429 and Retry-After, which the
	// egress client already waits out.
	"zendesk": 12_000, // zendesk.Kind; the package is not imported for one name
}

// DefaultHourLimit is the limit of a platform missing from HourLimits.
const DefaultHourLimit = 3_600

// Limit is kind's hourly limit.
func Limit(kind platform.Kind) int64 {
	if l, ok := HourLimits[kind]; ok {
		return l
	}
	return DefaultHourLimit
}

// Threshold is the hourly count at which sync holds for a platform whose
// hourly limit is limit.
func Threshold(limit int64) int64 { return int64(float64(limit) * HoldShare) }

// Hour is one clock hour of an organisation's platform calls.
type Hour struct {
	Start time.Time `json:"hour"`
	Calls int64     `json:"calls"`
}

// Counter keeps organisations' hourly call counts where every function
// sees them (DynamoDB in production).
type Counter interface {
	// AddCalls adds n to org's count of the hour starting at hour,
	// atomically: concurrent adds all count.
	AddCalls(ctx context.Context, org string, hour time.Time, n int64) error
	// Calls returns org's hours that start in [from, to) and have calls,
	// oldest first.
	Calls(ctx context.Context, org string, from, to time.Time) ([]Hour, error)
}

// HourOf is the start of the clock hour (UTC) holding t.
func HourOf(t time.Time) time.Time { return t.UTC().Truncate(time.Hour) }

// ErrOverBudget is matched by the error of a hold: the organisation's
// platform calls this hour reached the threshold.
var ErrOverBudget = errors.New("hourly partner API budget reached")

// HoldError says work for Org waits until Until, when a new hour starts.
type HoldError struct {
	Org       string
	Calls     int64
	Threshold int64
	Until     time.Time
}

func (e *HoldError) Error() string {
	return fmt.Sprintf("%s made %d platform calls this hour, the budget holds sync at %d until %s",
		e.Org, e.Calls, e.Threshold, e.Until.Format(time.RFC3339))
}

// Is matches ErrOverBudget.
func (e *HoldError) Is(target error) bool { return target == ErrOverBudget }

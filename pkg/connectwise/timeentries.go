package connectwise

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// chargeServiceTicket charges a time entry to a service ticket (the Time
// API's chargeToType).
const chargeServiceTicket = "ServiceTicket"

type timeEntry struct {
	ID             int64    `json:"id,omitempty"`
	ChargeToID     int64    `json:"chargeToId"`
	ChargeToType   string   `json:"chargeToType"`
	Member         *ref     `json:"member,omitempty"`
	WorkType       *ref     `json:"workType,omitempty"`
	TimeStart      string   `json:"timeStart"`
	TimeEnd        string   `json:"timeEnd,omitempty"`
	ActualHours    *float64 `json:"actualHours,omitempty"`
	Notes          string   `json:"notes,omitempty"`
	BillableOption string   `json:"billableOption,omitempty"`
}

func (e timeEntry) toPlatform() platform.TimeEntry {
	out := platform.TimeEntry{ID: strconv.FormatInt(e.ID, 10), TicketID: strconv.FormatInt(e.ChargeToID, 10), Note: e.Notes}
	if t, ok := parseTime(e.TimeStart); ok {
		out.Start = &t
	}
	if t, ok := parseTime(e.TimeEnd); ok {
		out.End = &t
	}
	switch {
	case e.ActualHours != nil:
		out.Minutes = int(math.Round(*e.ActualHours * 60))
	case out.Start != nil && out.End != nil:
		out.Minutes = int(math.Round(out.End.Sub(*out.Start).Minutes()))
	}
	if e.Member != nil {
		out.WorkerID, out.WorkerName = strconv.FormatInt(e.Member.ID, 10), cmp.Or(e.Member.Name, e.Member.Identifier)
	}
	if e.WorkType != nil {
		out.WorkType = strconv.FormatInt(e.WorkType.ID, 10)
	}
	return out
}

// ListTimeEntries reads the time charged to a service ticket. ConnectWise
// has no callback for time entries Tandem registers; a ticket's time
// changes the ticket (its actualHours), whose callback or sweep brings the
// read.
func (c *Client) ListTimeEntries(ctx context.Context, ticketID string) ([]platform.TimeEntry, error) {
	tid, err := parseID("ticket", ticketID)
	if err != nil {
		return nil, fmt.Errorf("list time entries of ticket %s: %w", ticketID, err)
	}
	q := url.Values{"conditions": {fmt.Sprintf(`chargeToType="%s" AND chargeToId=%d`, chargeServiceTicket, tid)}, "orderBy": {"id asc"}}
	rows, err := getAll[timeEntry](ctx, c, "/time/entries", q)
	if err != nil {
		return nil, fmt.Errorf("list time entries of ticket %s: %w", ticketID, err)
	}
	out := make([]platform.TimeEntry, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.toPlatform())
	}
	return out, nil
}

// AddTimeEntry charges time to a service ticket for member t.WorkerID at
// work type t.WorkType, billable. The start is required by ConnectWise; a
// duration without one starts now.
func (c *Client) AddTimeEntry(ctx context.Context, ticketID string, t platform.TimeEntry) (platform.TimeEntry, error) {
	tid, err := parseID("ticket", ticketID)
	if err != nil {
		return platform.TimeEntry{}, err
	}
	mid, err := parseID("member", t.WorkerID)
	if err != nil {
		return platform.TimeEntry{}, err
	}
	if t.Minutes <= 0 {
		return platform.TimeEntry{}, c.fail(platform.ReasonInvalid, 0, "A ConnectWise time entry needs a duration.", nil)
	}
	start := time.Now().UTC().Truncate(time.Second)
	if t.Start != nil {
		start = t.Start.UTC()
	}
	hours := math.Round(float64(t.Minutes)/60*10000) / 10000
	in := timeEntry{ChargeToID: tid, ChargeToType: chargeServiceTicket, Member: &ref{ID: mid}, TimeStart: formatTime(start),
		ActualHours: &hours, Notes: t.Note, BillableOption: "Billable"}
	if t.End != nil && t.End.After(start) {
		in.TimeEnd = formatTime(*t.End)
	}
	if t.WorkType != "" {
		wt, err := parseID("work type", t.WorkType)
		if err != nil {
			return platform.TimeEntry{}, err
		}
		in.WorkType = &ref{ID: wt}
	}
	var out timeEntry
	if _, err := c.call(egress.NotIdempotent(ctx), http.MethodPost, "/time/entries", nil, in, &out); err != nil {
		return platform.TimeEntry{}, fmt.Errorf("add time entry to ticket %s: %w", ticketID, err)
	}
	return out.toPlatform(), nil
}

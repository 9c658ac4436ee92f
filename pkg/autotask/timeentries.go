package autotask

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// workTypeUse is useType 1, a work type: the only billing codes time is
// billed at (REST/Entities/BillingCodesEntity.htm: "Types other than 1
// (work types)").
const workTypeUse = 1

type timeEntryWire struct {
	ID            int64       `json:"id"`
	TicketID      json.Number `json:"ticketID"`
	ResourceID    json.Number `json:"resourceID"`
	BillingCodeID json.Number `json:"billingCodeID"`
	RoleID        json.Number `json:"roleID"`
	DateWorked    string      `json:"dateWorked"`
	StartDateTime string      `json:"startDateTime"`
	EndDateTime   string      `json:"endDateTime"`
	HoursWorked   float64     `json:"hoursWorked"`
	SummaryNotes  string      `json:"summaryNotes"`
}

func (w timeEntryWire) toPlatform() platform.TimeEntry {
	return platform.TimeEntry{
		ID: strconv.FormatInt(w.ID, 10), TicketID: w.TicketID.String(),
		Start: parseTimePtr(w.StartDateTime), End: parseTimePtr(w.EndDateTime),
		Minutes: int(math.Round(w.HoursWorked * 60)), Note: w.SummaryNotes,
		WorkerID: w.ResourceID.String(), WorkType: w.BillingCodeID.String(), Role: w.RoleID.String(),
	}
}

// AddTimeEntry logs time on a ticket as a TimeEntries record worked by
// t.WorkerID (a resource id) at billing code t.WorkType. Start and end are
// kept when known, else the duration alone (hoursWorked, which Autotask
// bounds to more than 0 and at most 24 hours).
func (c *Client) AddTimeEntry(ctx context.Context, ticketID string, t platform.TimeEntry) (platform.TimeEntry, error) {
	tid, err := c.parseID("ticket", ticketID)
	if err != nil {
		return platform.TimeEntry{}, err
	}
	rid, err := c.parseID("resource", t.WorkerID)
	if err != nil {
		return platform.TimeEntry{}, err
	}
	if t.Minutes <= 0 || t.Minutes > 24*60 {
		return platform.TimeEntry{}, c.newError(platform.ReasonInvalid, 0, fmt.Sprintf("Autotask takes time entries of more than 0 and at most 24 hours, not %d minutes", t.Minutes), nil)
	}
	worked := time.Now().UTC()
	if t.Start != nil {
		worked = t.Start.UTC()
	}
	body := map[string]any{
		"ticketID":     tid,
		"resourceID":   rid,
		"dateWorked":   formatTime(worked.Truncate(24 * time.Hour)),
		"hoursWorked":  math.Round(float64(t.Minutes)/60*10000) / 10000,
		"summaryNotes": t.Note,
	}
	if t.Start != nil && t.End != nil && t.End.After(*t.Start) {
		body["startDateTime"], body["endDateTime"] = formatTime(*t.Start), formatTime(*t.End)
	}
	for key, v := range map[string]string{"billingCodeID": t.WorkType, "roleID": t.Role} {
		if v == "" {
			continue
		}
		n, err := c.parseID(key, v)
		if err != nil {
			return platform.TimeEntry{}, err
		}
		body[key] = n
	}
	var res struct {
		ItemID int64 `json:"itemId"`
	}
	if err := c.call(egress.NotIdempotent(ctx), http.MethodPost, "TimeEntries", body, &res); err != nil {
		return platform.TimeEntry{}, fmt.Errorf("add time entry to ticket %s: %w", ticketID, err)
	}
	t.ID, t.TicketID = strconv.FormatInt(res.ItemID, 10), strconv.FormatInt(tid, 10)
	return t, nil
}

// ListTimeEntries queries the ticket's time entries, oldest first.
// Autotask fires no webhook for time (its webhook entities are tickets,
// notes, companies, contacts and configuration items), so they are read
// when the ticket's own event or sweep comes in.
func (c *Client) ListTimeEntries(ctx context.Context, ticketID string) ([]platform.TimeEntry, error) {
	tid, err := c.parseID("ticket", ticketID)
	if err != nil {
		return nil, err
	}
	var out []platform.TimeEntry
	q := map[string]any{"filter": []map[string]any{{"op": "eq", "field": "ticketID", "value": tid}}, "MaxRecords": 500}
	err = c.walk(ctx, http.MethodPost, "TimeEntries/query", q, func(raw json.RawMessage) error {
		var w timeEntryWire
		if err := json.Unmarshal(raw, &w); err != nil {
			return err
		}
		out = append(out, w.toPlatform())
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list time entries of ticket %s: %w", ticketID, err)
	}
	return out, nil
}

// workTypes lists the work-type billing codes.
func (c *Client) workTypes(ctx context.Context) ([]platform.Option, error) {
	var out []platform.Option
	q := map[string]any{"filter": []map[string]any{{"op": "eq", "field": "useType", "value": workTypeUse}}, "MaxRecords": 500}
	err := c.walk(ctx, http.MethodPost, "BillingCodes/query", q, func(raw json.RawMessage) error {
		var b struct {
			ID       int64  `json:"id"`
			Name     string `json:"name"`
			IsActive bool   `json:"isActive"`
		}
		if err := json.Unmarshal(raw, &b); err != nil {
			return err
		}
		out = append(out, platform.Option{ID: strconv.FormatInt(b.ID, 10), Name: b.Name, Active: b.IsActive})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read work types: %w", err)
	}
	return out, nil
}

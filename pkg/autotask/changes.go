package autotask

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
)

// queryTime is how a date goes into a query filter: UTC, milliseconds
// ("The REST API stores and returns all time data in UTC", Autotask
// developer help, REST API calls).
const queryTime = "2006-01-02T15:04:05.000Z"

// ChangedSince lists the tickets whose last activity is after since, in one
// query followed page by page: POST Tickets/query with a filter on
// lastActivityDate, 500 records a page (Autotask developer help, "Advanced
// query features": MaxRecords 1–500).
func (c *Client) ChangedSince(ctx context.Context, since time.Time) ([]platform.Ticket, error) {
	q := map[string]any{
		"MaxRecords": 500,
		"filter":     []map[string]any{{"op": "gt", "field": "lastActivityDate", "value": since.UTC().Format(queryTime)}},
	}
	var out []platform.Ticket
	err := c.walk(ctx, http.MethodPost, "Tickets/query", q, func(raw json.RawMessage) error {
		var w ticketWire
		if err := json.Unmarshal(raw, &w); err != nil {
			return err
		}
		out = append(out, w.toPlatform())
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("tickets changed since %s: %w", since.Format(time.RFC3339), err)
	}
	return out, nil
}

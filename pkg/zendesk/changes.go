package zendesk

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
)

// exportPage is one page of the cursor-based incremental ticket export
// (developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/,
// "Incremental Ticket Export, Cursor Based"; fields in the "Cursor-based
// Pagination JSON Format" table).
type exportPage struct {
	Tickets     []ticket `json:"tickets"`
	AfterCursor string   `json:"after_cursor"`
	EndOfStream bool     `json:"end_of_stream"`
}

// maxExportPages bounds one listing: 1,000 tickets a page (the export's
// default and largest page), so a million changed tickets.
const maxExportPages = 1000

// ChangedSince lists the tickets changed since since, for the
// reconciliation sweep: one cursor-based incremental export, GET
// /api/v2/incremental/tickets/cursor.json?start_time=<Unix seconds>, then
// ?cursor=<after_cursor> until end_of_stream. The export leaves out
// changes of the last minute (developer.zendesk.com, "Using the
// Incremental Export API"); the sweep's overlap finds them next time.
// Deleted tickets are left out (exclude_deleted). The endpoint allows 10
// requests a minute, which a sweep per connection side every few minutes
// stays well under.
func (c *Client) ChangedSince(ctx context.Context, since time.Time) ([]platform.Ticket, error) {
	op := "list changed tickets"
	// Zendesk refuses a start_time less than a minute old; starting
	// earlier only lists more, which the sweep's watermark sorts out.
	if latest := time.Now().Add(-2 * time.Minute); since.After(latest) {
		since = latest
	}
	q := url.Values{"start_time": {strconv.FormatInt(since.Unix(), 10)}, "exclude_deleted": {"true"}}
	var out []platform.Ticket
	for range maxExportPages {
		var page exportPage
		if err := c.call(ctx, http.MethodGet, "/api/v2/incremental/tickets/cursor.json", q, nil, &page, op); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		for _, t := range page.Tickets {
			if t.ID.positive() {
				out = append(out, t.neutral())
			}
		}
		if page.EndOfStream || page.AfterCursor == "" {
			return out, nil
		}
		q = url.Values{"cursor": {page.AfterCursor}, "exclude_deleted": {"true"}}
	}
	return nil, unreadable(op, fmt.Errorf("no end of stream after %d pages", maxExportPages))
}

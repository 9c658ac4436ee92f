package halo

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
)

// changesPageSize is Halo's largest page (page_size up to 100; the n8n
// HaloPSA node and the swagger's pageinate/page_size/page_no).
const changesPageSize = 100

// maxChangePages bounds one sweep's paging: 100,000 changed tickets.
const maxChangePages = 1000

// ChangedSince lists the tickets updated after since, in one query followed
// page by page: GET /Tickets?lastupdatefromdate=… — the filter a
// production Halo integration syncs incrementally by
// (topleft-team/django-psa-connector djpsa/halo/records/ticket/sync.py,
// last_updated_field = 'lastupdatefromdate'); Halo's swagger lists the
// parameter but types it bool, so the result is filtered again here on the
// ticket's last action date, and a server that ignored the filter only
// costs pages.
func (c *Client) ChangedSince(ctx context.Context, since time.Time) ([]platform.Ticket, error) {
	var out []platform.Ticket
	for page := 1; page <= maxChangePages; page++ {
		q := url.Values{
			"lastupdatefromdate": {since.UTC().Format("2006-01-02T15:04:05.000")},
			"pageinate":          {"true"},
			"page_size":          {strconv.Itoa(changesPageSize)},
			"page_no":            {strconv.Itoa(page)},
			"order":              {"id"},
			"orderdesc":          {"false"},
		}
		var res struct {
			RecordCount int      `json:"record_count"`
			Tickets     []faults `json:"tickets"`
		}
		if err := c.call(ctx, "GET", "/Tickets", q, nil, &res, "list changed tickets"); err != nil {
			return nil, fmt.Errorf("tickets changed since %s: %w", since.Format(time.RFC3339), err)
		}
		for _, f := range res.Tickets {
			if t := f.ticket(); t.UpdatedAt.After(since) {
				out = append(out, t)
			}
		}
		if len(res.Tickets) < changesPageSize || page*changesPageSize >= res.RecordCount {
			return out, nil
		}
	}
	return nil, fmt.Errorf("tickets changed since %s: more than %d pages", since.Format(time.RFC3339), maxChangePages)
}

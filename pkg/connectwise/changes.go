package connectwise

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
)

// ChangedSince lists the service tickets updated after since, in one query
// followed page by page: GET service/tickets?conditions=lastUpdated>[…]
// with the date in square brackets, UTC (the condition a production
// ConnectWise sync uses for its partial syncs, KerkhoffTechnologies/
// django-connectwise djconnectwise/sync.py; dates in brackets per
// ConnectWise's conditions syntax), ordered by id so pages stay stable
// while tickets change.
func (c *Client) ChangedSince(ctx context.Context, since time.Time) ([]platform.Ticket, error) {
	q := url.Values{
		"conditions": {"lastUpdated>[" + since.UTC().Format(time.RFC3339) + "]"},
		"orderBy":    {"id asc"},
	}
	rows, err := getAll[ticket](ctx, c, "/service/tickets", q)
	if err != nil {
		return nil, fmt.Errorf("tickets changed since %s: %w", since.Format(time.RFC3339), err)
	}
	out := make([]platform.Ticket, 0, len(rows))
	for _, t := range rows {
		out = append(out, fromTicket(t))
	}
	return out, nil
}

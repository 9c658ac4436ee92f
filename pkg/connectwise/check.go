package connectwise

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// Test discovers the site's codebase and reads one service board: the
// cheapest call that proves the keys, the client id and the board permission
// Tandem needs all work.
func (c *Client) Test(ctx context.Context) error {
	q := url.Values{"pageSize": {"1"}, "fields": {"id"}}
	if _, err := c.call(ctx, http.MethodGet, "/service/boards", q, nil, nil); err != nil {
		return fmt.Errorf("test connection: %w", err)
	}
	return nil
}

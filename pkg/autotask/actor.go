package autotask

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/tandemsync/tandem/pkg/platform"
)

// ActorID returns the Autotask resource id of the API user the client
// authenticates as: the PersonID that webhook deliveries carry for changes
// Tandem made, and the resource to list in a webhook's ExcludedResources.
//
// It queries the Resources entity by userName, which for an API user is the
// API username (integration key) sent in the UserName header
// (REST/Entities/ResourcesEntity.htm). The answer is looked up once per
// client and cached; a failed lookup is not cached, so a later call retries.
func (c *Client) ActorID(ctx context.Context) (string, error) {
	c.actorMu.Lock()
	defer c.actorMu.Unlock()
	if c.actorID != "" {
		return c.actorID, nil
	}
	var res struct {
		Items []struct {
			ID       int64  `json:"id"`
			UserName string `json:"userName"`
		} `json:"items"`
	}
	q := map[string]any{"filter": []map[string]any{{"op": "eq", "field": "userName", "value": c.creds.Username}}}
	if err := c.call(ctx, http.MethodPost, "Resources/query", q, &res); err != nil {
		return "", fmt.Errorf("look up the API user's resource: %w", err)
	}
	var found int64
	for _, it := range res.Items {
		// Autotask compares strings case-insensitively; check the answer
		// rather than trusting the filter alone.
		if it.ID > 0 && strings.EqualFold(it.UserName, c.creds.Username) {
			found = it.ID
			break
		}
	}
	if found == 0 {
		return "", c.newError(platform.ReasonNotFound, http.StatusOK,
			"Autotask did not list a resource for this API user: check that the API user is active and that its security level can read Resources.", nil)
	}
	c.actorID = strconv.FormatInt(found, 10)
	return c.actorID, nil
}

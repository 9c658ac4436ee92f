package graph

import (
	"context"
	"net/url"
	"strings"

	"github.com/tandemsync/tandem/pkg/platform"
)

// Changes are the inbox messages created or changed since a delta link,
// and the link to ask from next time.
type Changes struct {
	MessageIDs []string
	DeltaLink  string
}

type deltaPage struct {
	Value []struct {
		ID      string          `json:"id"`
		Removed *map[string]any `json:"@removed"`
	} `json:"value"`
	NextLink  string `json:"@odata.nextLink"`
	DeltaLink string `json:"@odata.deltaLink"`
}

// ChangesSince runs a delta query on the inbox (message-delta.md,
// delta-query-messages.md): from deltaLink, the messages created or
// changed since it was issued; from "", every message in the inbox. It
// follows @odata.nextLink to the end and returns the new @odata.deltaLink.
// Messages removed from the inbox are left out. This is how a missed
// notification is caught up, and what a reconciliation sweep can call.
func (c *Client) ChangesSince(ctx context.Context, deltaLink string) (Changes, error) {
	op := "read inbox changes"
	path := deltaLink
	if path == "" {
		path = c.userPath("/mailFolders/inbox/messages/delta?" + url.Values{"$select": {"id,receivedDateTime"}}.Encode())
	} else if !strings.HasPrefix(path, c.graphURL+"/") {
		return Changes{}, newError(platform.ReasonInvalid, 0, op+": the stored delta link is not a Microsoft Graph address", nil)
	}
	var out Changes
	for {
		var p deltaPage
		if err := c.getJSON(ctx, op, path, &p); err != nil {
			return Changes{}, err
		}
		for _, m := range p.Value {
			if m.Removed == nil && m.ID != "" {
				out.MessageIDs = append(out.MessageIDs, m.ID)
			}
		}
		switch {
		case p.DeltaLink != "":
			if !strings.HasPrefix(p.DeltaLink, c.graphURL+"/") {
				return Changes{}, newError(platform.ReasonServer, 0, op+": Microsoft Graph returned a delta link outside its own address", nil)
			}
			out.DeltaLink = p.DeltaLink
			return out, nil
		case p.NextLink == "" || !strings.HasPrefix(p.NextLink, c.graphURL+"/"):
			return Changes{}, newError(platform.ReasonServer, 0, op+": Microsoft Graph ended a delta round without a delta link", nil)
		}
		path = p.NextLink
	}
}

// InboxChanges is ChangesSince for the sync engine's catch-up.
func (c *Client) InboxChanges(ctx context.Context, deltaLink string) ([]string, string, error) {
	ch, err := c.ChangesSince(ctx, deltaLink)
	return ch.MessageIDs, ch.DeltaLink, err
}

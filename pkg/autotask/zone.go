package autotask

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// zoneHint asks ZoneInformation which zone the API user lives in and returns
// that zone's root when it is not the configured one; "" when it is, or when
// the lookup fails (the caller already has a better error). The endpoint
// needs no credentials, so none are sent; only the API username goes out.
func (c *Client) zoneHint(ctx context.Context) string {
	ref := &url.URL{Path: "ZoneInformation", RawQuery: url.Values{"user": {c.creds.Username}}.Encode()}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.root.ResolveReference(ref).String(), nil)
	if err != nil {
		return ""
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var info struct {
		URL string `json:"url"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&info) != nil {
		return ""
	}
	zone, err := url.Parse(info.URL)
	if err != nil || zone.Host == "" || strings.EqualFold(zone.Host, c.root.Host) {
		return ""
	}
	host := strings.ToLower(zone.Host)
	if !apiHost().MatchString(host) && !c.http.AllowsPrivate() {
		return ""
	}
	return zone.Scheme + "://" + host + "/"
}

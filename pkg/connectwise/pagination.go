package connectwise

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tandemsync/tandem/pkg/platform"
)

// maxPages stops a server that keeps answering rel="next" from looping
// forever: 1000 pages of 1000 rows is far beyond any picklist or ticket.
const maxPages = 1000

// getAll reads every page of a list endpoint, following the Link header's
// rel="next" the way ConnectWise's "navigable" pagination describes. Next
// links are followed only on the site's own origin, since the request carries
// the API keys.
func getAll[T any](ctx context.Context, c *Client, path string, q url.Values) ([]T, error) {
	base, err := c.base(ctx)
	if err != nil {
		return nil, err
	}
	if q == nil {
		q = url.Values{}
	}
	q.Set("page", "1")
	q.Set("pageSize", strconv.Itoa(c.opts.PageSize))
	next := base + path + "?" + q.Encode()
	var all []T
	for page := 0; next != ""; page++ {
		if page == maxPages {
			return nil, c.fail(platform.ReasonServer, 0, "ConnectWise kept returning more pages than Tandem reads.", nil)
		}
		var rows []T
		h, err := c.exchange(ctx, http.MethodGet, next, "", nil, &rows)
		if err != nil {
			return nil, err
		}
		all = append(all, rows...)
		if next, err = c.nextLink(h); err != nil {
			return nil, err
		}
		if len(rows) == 0 {
			break
		}
	}
	return all, nil
}

func (c *Client) nextLink(h http.Header) (string, error) {
	next := linkRel(h.Values("Link"), "next")
	if next == "" {
		return "", nil
	}
	u, err := url.Parse(next)
	if err != nil {
		return "", c.fail(platform.ReasonServer, 0, "ConnectWise sent an unreadable next-page link.", err)
	}
	site, _ := url.Parse(c.creds.Site)
	if !u.IsAbs() {
		u = site.ResolveReference(u)
	}
	if !strings.EqualFold(u.Scheme, site.Scheme) || !strings.EqualFold(u.Host, site.Host) {
		return "", c.fail(platform.ReasonServer, 0, fmt.Sprintf("ConnectWise sent a next-page link to another host (%s); Tandem does not send credentials there.", u.Hostname()), nil)
	}
	return u.String(), nil
}

// linkRel finds the target of rel in RFC 8288 Link header values such as
// `<https://h/x?page=2>; rel="next", <https://h/x?page=9>; rel="last"`.
func linkRel(values []string, rel string) string {
	for _, v := range values {
		for _, link := range splitLinks(v) {
			link = strings.TrimSpace(link)
			end := strings.Index(link, ">")
			if !strings.HasPrefix(link, "<") || end < 0 {
				continue
			}
			target := link[1:end]
			for _, param := range strings.Split(link[end+1:], ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(param), "=")
				if !ok || !strings.EqualFold(strings.TrimSpace(k), "rel") {
					continue
				}
				for _, r := range strings.Fields(strings.Trim(strings.TrimSpace(val), `"`)) {
					if strings.EqualFold(r, rel) {
						return target
					}
				}
			}
		}
	}
	return ""
}

// splitLinks splits on commas outside <...>, because URLs may contain commas.
func splitLinks(v string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '<':
			depth++
		case '>':
			if depth > 0 {
				depth--
			}
		case ',':
			if depth == 0 {
				out = append(out, v[start:i])
				start = i + 1
			}
		}
	}
	return append(out, v[start:])
}

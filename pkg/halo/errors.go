package halo

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// transportError classifies a request that got no HTTP answer.
func (c *Client) transportError(err error, op string) error {
	e := &platform.Error{Platform: platform.Halo, Err: err}
	switch {
	case errors.Is(err, egress.ErrForbiddenDestination):
		e.Reason = platform.ReasonInvalid
		e.Message = "Tandem only connects to Halo over https at a public address; " + c.creds.BaseURL + " is not one."
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		e.Reason = platform.ReasonUnreachable
		e.Message = "Halo did not answer in time while trying to " + op + "."
	default:
		e.Reason = platform.ReasonUnreachable
		e.Message = "Halo could not be reached at " + c.creds.BaseURL + " while trying to " + op + ". Check the Halo address."
	}
	return e
}

// statusError reads the body of a non-2xx API answer and classifies it.
func (c *Client) statusError(resp *http.Response, op string) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return c.statusErrorFrom(resp.StatusCode, resp.Header, body, op)
}

func (c *Client) statusErrorFrom(status int, header http.Header, body []byte, op string) error {
	e := &platform.Error{Platform: platform.Halo, Status: status, Reason: platform.ReasonForStatus(status)}
	detail := c.detail(haloMessage(body))
	switch e.Reason {
	case platform.ReasonAuthFailed:
		e.Message = "Authentication failed. Halo refused Tandem's access token; check that the API application and its agent are still active."
	case platform.ReasonNotPermitted:
		e.Message = "Halo refused permission to " + op + detail +
			". Give the API application's agent access to tickets and actions, and the application the \"all\" permission."
	case platform.ReasonNotFound:
		e.Message = "Halo found nothing to " + op + detail + ". If every call fails this way, check the Halo address."
	case platform.ReasonRateLimited:
		e.Message = "Halo is limiting Tandem's request rate; Tandem will try again later."
	case platform.ReasonServer:
		e.Message = "Halo had a server error while trying to " + op + detail + "; Tandem will try again later."
	default:
		e.Message = "Halo rejected the request to " + op + detail + "."
	}
	if e.Reason == platform.ReasonRateLimited || e.Reason == platform.ReasonServer {
		if d, ok := egress.RetryAfter(header, time.Now()); ok {
			e.RetryAfter = d
		}
	}
	return e
}

// detail formats a vendor message for inclusion in ours, with the secret
// scrubbed in case a server ever echoes what it was sent.
func (c *Client) detail(msg string) string {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return ""
	}
	if c.creds.ClientSecret != "" {
		msg = strings.ReplaceAll(msg, c.creds.ClientSecret, "***")
	}
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return ": " + msg
}

// haloMessage extracts the human part of a Halo error body. Halo answers 400
// with a field-keyed object ({"[0].id": "…"}), a bare JSON string, or plain
// text ("You do not have access to this action at the moment").
func haloMessage(body []byte) string {
	body = []byte(strings.TrimSpace(string(body)))
	if len(body) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(body, &s) == nil {
		return s
	}
	var obj map[string]any
	if json.Unmarshal(body, &obj) == nil {
		for _, k := range []string{"message", "Message", "error_description", "title"} {
			if v, ok := obj[k].(string); ok && v != "" {
				return v
			}
		}
		keys := make([]string, 0, len(obj))
		for k, v := range obj {
			if _, ok := v.(string); ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, k+": "+obj[k].(string))
		}
		return strings.Join(parts, "; ")
	}
	if body[0] == '<' { // an HTML error page says nothing useful
		return ""
	}
	return string(body)
}

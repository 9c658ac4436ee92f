package autotask

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// Messages in the style of the setup guide's troubleshooting section.
const (
	msgAuthFailed = "Authentication failed. Check that both the API username and secret were copied in full with no extra characters, " +
		"that the API user is active, that you're using the API username (integration key) rather than the user's e-mail address, " +
		"and that the API tracking identifier is the one issued for this integration."
	msgNotPermitted = "Autotask refused the request: the API user's security level does not allow it. Use the API User (system) security level or grant the missing permission."
	msgRateLimited  = "Autotask is limiting requests (10,000 per hour per database, 3 at a time per endpoint). Tandem will retry later."
)

// newError builds a platform error whose message never carries a credential.
func (c *Client) newError(reason platform.Reason, status int, msg string, cause error) *platform.Error {
	return &platform.Error{Platform: platform.Autotask, Reason: reason, Status: status, Message: c.redact(msg), Err: cause}
}

// redact removes credential values from text that came from elsewhere (a
// vendor error body could echo a header back).
func (c *Client) redact(s string) string {
	for _, v := range []string{c.creds.Secret, c.creds.IntegrationCode, c.creds.Username} {
		if len(v) >= 4 {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
	}
	return s
}

func (c *Client) transportError(err error) error {
	switch {
	case errors.Is(err, egress.ErrForbiddenDestination):
		return c.newError(platform.ReasonInvalid, 0, "The API URL is not allowed: Tandem only calls public https addresses.", err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return c.newError(platform.ReasonUnreachable, 0, "Autotask did not answer in time.", err)
	default:
		return c.newError(platform.ReasonUnreachable, 0, "Could not reach Autotask at "+c.creds.APIURL+". Check the API URL and try again.", err)
	}
}

// statusError maps a non-2xx answer. Autotask's error body is
// {"errors":["message", ...]}, occasionally with objects in place of strings.
func (c *Client) statusError(resp *http.Response, body []byte) error {
	status := resp.StatusCode
	reason := platform.ReasonForStatus(status)
	detail := vendorErrors(body)
	if isRefusal(status, body) {
		reason = platform.ReasonInvalid
	}
	var msg string
	switch reason {
	case platform.ReasonAuthFailed:
		msg = msgAuthFailed
	case platform.ReasonNotPermitted:
		msg = msgNotPermitted
	case platform.ReasonRateLimited:
		msg = msgRateLimited
	case platform.ReasonNotFound:
		msg = "Autotask could not find the requested item."
	case platform.ReasonServer:
		msg = "Autotask reported a server error."
	default:
		msg = "Autotask refused the request."
	}
	if detail != "" {
		msg += " Autotask said: " + detail
	}
	e := c.newError(reason, status, msg, nil)
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		if d, ok := egress.RetryAfter(resp.Header, time.Now()); ok {
			e.RetryAfter = d
		}
	}
	return e
}

// isRefusal reports whether a 500 is Autotask refusing the request for
// good. Autotask answers validation and business-rule failures (a required
// field missing, an inactive picklist value, a resource without its role)
// with HTTP 500 and {"errors":[…]} naming what is wrong; the same request
// fails the same way every time, so it is a refusal, not an outage. It also
// answers an unknown API user or tracking identifier with a 500
// (apigrate/autotask-restapi issue #19), whose body is a generic sentence
// ("Something went wrong"): a 500 without a specific message stays a
// server error, so an authentication problem is never taken for a refusal
// (and Test still reports it as one).
func isRefusal(status int, body []byte) bool {
	if status != http.StatusInternalServerError {
		return false
	}
	msgs := vendorMessages(body)
	if len(msgs) == 0 {
		return false
	}
	for _, m := range msgs {
		if genericMessage(m) {
			return false
		}
	}
	return true
}

// genericMessage reports a message that says nothing about the request:
// Autotask's (or its front end's) words for a failure on its side.
func genericMessage(m string) bool {
	m = strings.ToLower(strings.TrimSpace(m))
	if m == "" {
		return true
	}
	for _, g := range []string{"unexpected error", "something went wrong", "internal server error", "an error has occurred",
		"an error occurred", "object reference not set", "timeout", "timed out", "try again", "service unavailable"} {
		if strings.Contains(m, g) {
			return true
		}
	}
	return false
}

func vendorErrors(body []byte) string {
	msg := strings.Join(vendorMessages(body), "; ")
	if len(msg) > 500 {
		msg = msg[:500] + "…"
	}
	return msg
}

// vendorMessages reads Autotask's error body, {"errors":["message", ...]},
// occasionally with objects in place of strings.
func vendorMessages(body []byte) []string {
	var env struct {
		Errors []json.RawMessage `json:"errors"`
	}
	if json.Unmarshal(body, &env) != nil {
		return nil
	}
	var parts []string
	for _, raw := range env.Errors {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			parts = append(parts, strings.TrimSpace(s))
			continue
		}
		var obj struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(raw, &obj) == nil && obj.Message != "" {
			parts = append(parts, strings.TrimSpace(obj.Message))
		}
	}
	return parts
}

// parseID accepts only a positive decimal id, so a caller-supplied id can
// never change the request path.
func (c *Client) parseID(what, id string) (int64, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return 0, c.newError(platform.ReasonInvalid, 0, fmt.Sprintf("invalid %s id %q: Autotask ids are positive numbers", what, truncate(id, 40)), nil)
	}
	return n, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

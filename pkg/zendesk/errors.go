package zendesk

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// ErrTicketClosed is the cause of Zendesk's refusal to change a closed
// ticket: closed is final in Zendesk, and what happens next belongs on a
// follow-up ticket (POST /api/v2/tickets with via_followup_source_id).
var ErrTicketClosed = errors.New("zendesk ticket is closed")

// transportError classifies a request that got no HTTP answer.
func (c *Client) transportError(err error, op string) error {
	e := &platform.Error{Platform: Kind, Err: err}
	switch {
	case errors.Is(err, egress.ErrForbiddenDestination):
		e.Reason = platform.ReasonInvalid
		e.Message = "Tandem only connects to Zendesk over https at a public address; " + c.creds.BaseURL + " is not one."
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		e.Reason = platform.ReasonUnreachable
		e.Message = "Zendesk did not answer in time while trying to " + op + "."
	default:
		e.Reason = platform.ReasonUnreachable
		e.Message = "Zendesk could not be reached at " + c.creds.BaseURL + " while trying to " + op + ". Check the subdomain."
	}
	return e
}

// zendeskError is the body of a Zendesk error answer:
// {"error":"RecordInvalid","description":"…","details":{"status":[{"description":"…"}]}}
// or, for some endpoints, {"error":{"title":"…","message":"…"}}.
type zendeskError struct {
	Error       json.RawMessage                           `json:"error"`
	Description string                                    `json:"description"`
	Details     map[string][]struct{ Description string } `json:"details"`
}

func (z zendeskError) text() (code, msg string) {
	var s string
	if json.Unmarshal(z.Error, &s) == nil {
		code = s
	} else {
		var obj struct{ Title, Message string }
		if json.Unmarshal(z.Error, &obj) == nil {
			code, msg = obj.Title, obj.Message
		}
	}
	if z.Description != "" {
		msg = z.Description
	}
	var parts []string
	for _, ds := range z.Details {
		for _, d := range ds {
			if d.Description != "" {
				parts = append(parts, d.Description)
			}
		}
	}
	if len(parts) > 0 {
		msg = strings.Join(parts, "; ")
	}
	return code, msg
}

// statusError reads the body of a non-2xx answer and classifies it.
func (c *Client) statusError(resp *http.Response, op string) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var z zendeskError
	_ = json.Unmarshal(body, &z)
	code, msg := z.text()
	if msg == "" && len(body) > 0 && body[0] != '{' && body[0] != '<' {
		msg = string(body) // the 429 text variant
	}
	detail := c.detail(msg)
	e := &platform.Error{Platform: Kind, Status: resp.StatusCode, Reason: platform.ReasonForStatus(resp.StatusCode)}
	switch {
	case resp.StatusCode == http.StatusUnprocessableEntity && strings.Contains(strings.ToLower(msg), "closed prevents ticket update"):
		e.Reason = platform.ReasonInvalid
		e.Err = ErrTicketClosed
		e.Message = "Zendesk refuses to " + op + ": the ticket is closed, and closed Zendesk tickets cannot change. " +
			"Continue on a follow-up ticket (created with via_followup_source_id naming the closed one)."
	case e.Reason == platform.ReasonAuthFailed:
		e.Message = "Authentication failed: Zendesk refused Tandem's credentials. Press Generate token again, or check the email and API token."
	case e.Reason == platform.ReasonNotPermitted:
		e.Message = "Zendesk refused permission to " + op + detail + ". The integration user must be an agent (an admin to manage webhooks)."
	case e.Reason == platform.ReasonNotFound:
		e.Message = "Zendesk found nothing to " + op + detail + ". If every call fails this way, check the subdomain."
	case e.Reason == platform.ReasonRateLimited:
		// Both the account limit and the per-ticket update limit (30
		// updates per 10 minutes per user per ticket) answer 429 with
		// Retry-After.
		e.Message = "Zendesk is limiting Tandem's requests" + detail + "; Tandem will try again later."
	case e.Reason == platform.ReasonServer:
		e.Message = "Zendesk had a server error while trying to " + op + detail + "; Tandem will try again later."
	default:
		e.Message = "Zendesk rejected the request to " + op + detail + "."
	}
	if code == "APIRateLimitExceeded" {
		e.Reason = platform.ReasonRateLimited
	}
	if e.Reason == platform.ReasonRateLimited || e.Reason == platform.ReasonServer {
		if d, ok := egress.RetryAfter(resp.Header, time.Now()); ok {
			e.RetryAfter = d
		}
	}
	return e
}

// detail formats a vendor message for inclusion in ours, with the secrets
// scrubbed in case a server ever echoes what it was sent.
func (c *Client) detail(msg string) string {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return ""
	}
	c.mu.Lock()
	secrets := []string{c.creds.APIToken, c.tokens.Access, c.tokens.Refresh}
	c.mu.Unlock()
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "***")
		}
	}
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return ": " + msg
}

func invalid(msg string) *platform.Error {
	return &platform.Error{Platform: Kind, Reason: platform.ReasonInvalid, Message: msg}
}

func unreadable(op string, err error) *platform.Error {
	return &platform.Error{Platform: Kind, Reason: platform.ReasonServer,
		Message: "Zendesk sent an answer Tandem could not read while trying to " + op + ".", Err: err}
}

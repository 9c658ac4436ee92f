package connectwise

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// Messages shown to administrators, in the seeds' "what failed. what to
// check." style.
const (
	msgAuth           = "Authentication failed. Check that the company ID, public key and private key belong to an active API member (System > Members > API Members) and that the key has not been deleted."
	msgNoSite         = "No ConnectWise site answered at that address. Check the site: na, eu or au for ConnectWise cloud, or your on-premises server's https address."
	msgUnknownCompany = "Authentication failed. ConnectWise does not know that company ID. Check the Company value you type on the ConnectWise login screen."
	msgClientID       = "ConnectWise refused the client ID. Register the integration at https://developer.connectwise.com/ClientID and paste the GUID it gives you as the client ID."
	msgForbidden      = "Permission denied. Give the API member's security role (System > Security Roles) access to Service Desk tickets, notes and boards, and System documents and callbacks."
	msgThrottled      = "ConnectWise is throttling requests. Tandem will try again later."
	msgServer         = "ConnectWise had a server error. Try again later; if it persists, check the ConnectWise status page."
	msgNotFound       = "ConnectWise could not find that record, or the API member cannot see it."
)

// apiError is ConnectWise's error body: {"code","message","errors":[...]}.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Errors  []struct {
		Code     string `json:"code"`
		Message  string `json:"message"`
		Resource string `json:"resource"`
		Field    string `json:"field"`
	} `json:"errors"`
}

// statusError turns a non-2xx answer into a *platform.Error. The vendor's own
// text is appended for 4xx answers because it names the offending field; it is
// scrubbed of credential values in case a server echoes them.
func (c *Client) statusError(status int, h http.Header, body []byte) error {
	var ae apiError
	_ = json.Unmarshal(body, &ae)
	reason := platform.ReasonForStatus(status)
	e := c.fail(reason, status, "", nil)
	switch reason {
	case platform.ReasonAuthFailed:
		e.Message = msgAuth
		if strings.Contains(strings.ToLower(ae.Message), "clientid") {
			e.Message, e.Err = msgClientID, errClientID
		}
	case platform.ReasonNotPermitted:
		e.Message = c.withDetail(msgForbidden, ae)
	case platform.ReasonNotFound:
		e.Message = c.withDetail(msgNotFound, ae)
	case platform.ReasonRateLimited:
		e.Message = msgThrottled
	case platform.ReasonServer:
		e.Message = msgServer
	default:
		e.Message = c.withDetail("ConnectWise rejected the request.", ae)
	}
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		if d, ok := egress.RetryAfter(h, time.Now()); ok {
			e.RetryAfter = d
		}
	}
	return e
}

func (c *Client) withDetail(msg string, ae apiError) string {
	var parts []string
	if ae.Message != "" {
		parts = append(parts, ae.Message)
	}
	for _, fe := range ae.Errors {
		switch {
		case fe.Field != "" && fe.Message != "":
			parts = append(parts, fe.Field+": "+fe.Message)
		case fe.Message != "":
			parts = append(parts, fe.Message)
		}
	}
	if len(parts) == 0 {
		return msg
	}
	detail := c.redact(strings.Join(parts, "; "))
	if r := []rune(detail); len(r) > 500 {
		detail = string(r[:500]) + "…"
	}
	return msg + " ConnectWise said: " + detail
}

// redact removes key values from text that came from the server.
func (c *Client) redact(s string) string {
	for _, secret := range []string{c.creds.PrivateKey, c.creds.PublicKey} {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	return s
}

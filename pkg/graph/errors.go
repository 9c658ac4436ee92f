package graph

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// graphErrorBody is Graph's error envelope: {"error":{"code","message"}}.
type graphErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// tokenErrorBody is the Microsoft identity platform's OAuth error response.
type tokenErrorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
	Codes       []int  `json:"error_codes"`
}

// AADSTS codes with a specific fix, from the Entra error code reference.
const (
	aadInvalidSecret  = 7000215
	aadExpiredSecret  = 7000222
	aadAppNotFound    = 700016
	aadTenantNotFound = 90002
	aadTenantNoGUID   = 900023
)

func newError(reason platform.Reason, status int, msg string, cause error) *platform.Error {
	return &platform.Error{Platform: platform.Graph, Reason: reason, Status: status, Message: msg, Err: cause}
}

// tokenError turns a failed token request into an actionable error. The
// vendor's description is not copied: it echoes the client id and trace ids,
// which the settings page does not need.
func tokenError(status int, body []byte) *platform.Error {
	var b tokenErrorBody
	_ = json.Unmarshal(body, &b)
	cause := fmt.Errorf("token endpoint: %s %v", b.Error, b.Codes)
	switch {
	case slices.Contains(b.Codes, aadInvalidSecret):
		return newError(platform.ReasonAuthFailed, status, "Authentication failed. Check that the client secret is the secret's Value (not its Secret ID), copied in full with no extra characters, and that it belongs to this app registration (AADSTS7000215)", cause)
	case slices.Contains(b.Codes, aadExpiredSecret):
		return newError(platform.ReasonAuthFailed, status, "Authentication failed. The client secret has expired: create a new one under Certificates & secrets and enter its Value (AADSTS7000222)", cause)
	case slices.Contains(b.Codes, aadAppNotFound):
		return newError(platform.ReasonAuthFailed, status, "Authentication failed. No application with this client ID exists in the tenant. Check that the client ID is the app registration's Application (client) ID and that the tenant ID is the tenant it is registered in (AADSTS700016)", cause)
	case slices.Contains(b.Codes, aadTenantNotFound), slices.Contains(b.Codes, aadTenantNoGUID):
		return newError(platform.ReasonNotFound, status, "Tenant not found. Check the tenant ID: use the Directory (tenant) ID GUID from the app registration's Overview page, or a verified domain of your tenant (AADSTS90002)", cause)
	case status == http.StatusTooManyRequests || status >= 500:
		return newError(platform.ReasonForStatus(status), status, "Microsoft sign-in is unavailable or throttling requests; try again later", cause)
	}
	return newError(platform.ReasonAuthFailed, status, "Authentication failed. Check the tenant ID, client ID and client secret of the app registration", cause)
}

// apiError maps a failed Graph call. op says what Tandem was doing, so the
// message makes sense on its own in the sync log.
func apiError(op string, resp *http.Response, body []byte) *platform.Error {
	var b graphErrorBody
	_ = json.Unmarshal(body, &b)
	status := resp.StatusCode
	reason := platform.ReasonForStatus(status)
	e := newError(reason, status, "", fmt.Errorf("%s: graph %s: %s", op, b.Error.Code, b.Error.Message))
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		if d, ok := egress.RetryAfter(resp.Header, time.Now()); ok {
			e.RetryAfter = d
		}
	}
	detail := b.Error.Code
	if b.Error.Message != "" {
		detail += ": " + b.Error.Message
	}
	switch reason {
	case platform.ReasonAuthFailed:
		e.Message = fmt.Sprintf("%s: Authentication failed. Microsoft Graph refused the access token (%s)", op, detail)
	case platform.ReasonNotPermitted:
		e.Message = fmt.Sprintf("%s: not permitted. Grant the app registration the Mail.ReadWrite and Mail.Send application permissions with admin consent, and check any application access policy limiting it to other mailboxes (%s)", op, detail)
	case platform.ReasonRateLimited:
		e.Message = fmt.Sprintf("%s: Microsoft Graph is throttling this app; retry after the indicated delay (%s)", op, detail)
	default:
		e.Message = fmt.Sprintf("%s: %s", op, detail)
	}
	return e
}

// transportError classifies a request that got no HTTP answer.
func transportError(op string, err error) *platform.Error {
	if errors.Is(err, egress.ErrForbiddenDestination) {
		return newError(platform.ReasonInvalid, 0, op+": destination refused: only https URLs of public hosts are allowed", err)
	}
	return newError(platform.ReasonUnreachable, 0, op+": could not reach Microsoft 365; check network access and try again", err)
}

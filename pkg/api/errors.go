package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/tandemsync/tandem/pkg/configuration"
	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/oauthflow"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/preview"
	"github.com/tandemsync/tandem/pkg/settings"
	"github.com/tandemsync/tandem/pkg/webhook"
)

// Error is an error answer.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// toError is the one place where domain errors become HTTP answers.
// Anything unrecognised is a 500 whose details stay in the log.
func toError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var ve *platform.ValidationError
	if errors.As(err, &ve) {
		return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid_credentials", Message: ve.Error()}
	}
	switch {
	case errors.Is(err, connection.ErrInvalidInput):
		return &Error{Status: http.StatusBadRequest, Code: "invalid_request", Message: err.Error()}
	case errors.Is(err, connection.ErrNotFound):
		return &Error{Status: http.StatusNotFound, Code: "not_found", Message: "no such connection for your organisation"}
	case errors.Is(err, connection.ErrInvalidCode):
		return &Error{Status: http.StatusBadRequest, Code: "invalid_code",
			Message: "this verification code is not valid: codes work once and expire after seven days. Ask your partner for a new code."}
	case errors.Is(err, connection.ErrOwnCode):
		return &Error{Status: http.StatusConflict, Code: "own_code",
			Message: "your organisation created this connection: share the code with your partner, who accepts it"}
	case errors.Is(err, connection.ErrNotPending):
		return &Error{Status: http.StatusConflict, Code: "not_pending", Message: "the connection is no longer pending, so it has no code to replace"}
	case errors.Is(err, connection.ErrEnded):
		return &Error{Status: http.StatusConflict, Code: "ended", Message: "the connection has already ended"}
	case errors.Is(err, connection.ErrNotReady):
		return notReady(err)
	case errors.Is(err, connection.ErrRateLimited):
		return &Error{Status: http.StatusTooManyRequests, Code: "rate_limited",
			Message: "too many invalid codes from your organisation: wait 15 minutes, then check the code with your partner"}
	case errors.Is(err, connection.ErrTooManyPending):
		return &Error{Status: http.StatusConflict, Code: "too_many_pending",
			Message: fmt.Sprintf("your organisation already has %d connections waiting for a partner to accept: cancel the ones no partner will accept (DELETE /v1/connections/{id}), or wait for their codes to expire", connection.MaxPending)}
	case errors.Is(err, platform.ErrUnknownPlatform):
		return &Error{Status: http.StatusBadRequest, Code: "invalid_platform", Message: err.Error()}
	case errors.Is(err, settings.ErrNotConfigured):
		return &Error{Status: http.StatusNotFound, Code: "not_configured",
			Message: "no platform credentials saved yet: PUT /v1/settings/platform first"}
	case errors.Is(err, configuration.ErrVersionConflict):
		return &Error{Status: http.StatusConflict, Code: "version_conflict",
			Message: "someone saved this configuration after you loaded it: reload it, re-apply your changes and save again"}
	case errors.Is(err, configuration.ErrNotActive):
		return &Error{Status: http.StatusConflict, Code: "not_active",
			Message: "only an active connection can be configured: this one is still pending (your partner has not accepted it) or has ended"}
	case errors.Is(err, configuration.ErrInvalid):
		return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid_configuration", Message: configProblems(err)}
	case errors.Is(err, configuration.ErrUnknownKind):
		return &Error{Status: http.StatusBadRequest, Code: "unknown_picklist", Message: "no such picklist: use one of " + picklistKinds()}
	case errors.Is(err, configuration.ErrPlatformUnavailable):
		return &Error{Status: http.StatusBadGateway, Code: "platform_unavailable", Message: platformProblem(err)}
	case errors.Is(err, configuration.ErrPartnerNotConfigured):
		return &Error{Status: http.StatusConflict, Code: "partner_not_configured",
			Message: "your partner has not saved platform credentials yet, so their values cannot be read: ask them to set up their platform"}
	case errors.Is(err, webhook.ErrNotRegistered):
		msg := "your platform refused to register the webhook: test your platform settings (POST /v1/settings/platform/test), then try again"
		var pe *platform.Error
		if errors.As(err, &pe) {
			msg = "your platform refused to register the webhook: " + pe.Message
		}
		return &Error{Status: http.StatusBadGateway, Code: "webhook_not_registered", Message: msg}
	case errors.Is(err, oauthflow.ErrNotConfigured):
		return &Error{Status: http.StatusServiceUnavailable, Code: "oauth_not_configured",
			Message: "this Tandem deployment has no Zendesk OAuth client configured: enter an email and API token instead, or ask your Tandem operator"}
	case errors.Is(err, preview.ErrNotTarget):
		return &Error{Status: http.StatusConflict, Code: "not_target",
			Message: "only the target side previews new tickets: the partner's configuration decides how your tickets look on their platform"}
	case errors.Is(err, preview.ErrNotShared):
		return &Error{Status: http.StatusNotFound, Code: "ticket_not_found",
			Message: "no ticket with this id is shared with you: your partner's escalation rule does not select it, or it does not exist"}
	case errors.Is(err, preview.ErrCannotCreate):
		return &Error{Status: http.StatusUnprocessableEntity, Code: "cannot_create", Message: err.Error()}
	case errors.Is(err, configuration.ErrPartnerUnavailable):
		return &Error{Status: http.StatusBadGateway, Code: "partner_unavailable",
			Message: "your partner's platform could not be read just now: try again in a minute, and if it persists ask your partner to test their platform settings"}
	}
	return &Error{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error; try again, and contact support with the request id if it persists"}
}

// notReady words a refused activation: the caller's own failing checklist
// items with their fixes, or only the fact for the partner's.
func notReady(err error) *Error {
	var nr *connection.NotReadyError
	if errors.As(err, &nr) && !nr.Partner {
		return &Error{Status: http.StatusConflict, Code: "platform_not_ready",
			Message: "your platform is not ready for this connection, so it was not activated: " + strings.Join(nr.Problems, " ") +
				" Fix these, check with POST /v1/settings/platform/test, then accept the same code again."}
	}
	return &Error{Status: http.StatusConflict, Code: "partner_not_ready",
		Message: "your partner's platform is not ready for this connection, so it was not activated: ask your partner to run the connection test on their settings page and fix the failing items, then accept the same code again"}
}

// callbackPage is the status and sentence of the page Zendesk's OAuth
// redirect lands on, for a failed authorization: the person reading it is
// in a browser tab, not a program.
func callbackPage(err error) (int, string) {
	var pe *platform.Error
	switch {
	case errors.Is(err, oauthflow.ErrUnknownState):
		return http.StatusBadRequest, "This authorization link is not valid or was already used. Press Generate token on the settings page again."
	case errors.Is(err, oauthflow.ErrExpiredState):
		return http.StatusBadRequest, "This authorization took too long. Press Generate token on the settings page again."
	case errors.Is(err, oauthflow.ErrDenied):
		return http.StatusBadRequest, "Access was not granted in Zendesk, so no token was stored."
	case errors.Is(err, oauthflow.ErrNotConfigured):
		return http.StatusServiceUnavailable, "This Tandem deployment has no Zendesk OAuth client configured."
	case errors.As(err, &pe) && !pe.Temporary():
		return http.StatusBadRequest, "Zendesk refused the authorization. Press Generate token on the settings page again."
	}
	return http.StatusBadGateway, "The token could not be processed just now. Press Generate token on the settings page again."
}

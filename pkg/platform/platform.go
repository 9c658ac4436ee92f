// Package platform is the platform-neutral model that every partner platform
// package (autotask, connectwise, halo, graph) translates to and from, and the
// typed failure reasons their connection tests report.
//
// It imports nothing platform- or AWS-specific so the domain core can depend on
// it freely.
package platform

import (
	"errors"
	"fmt"
	"time"
)

// Kind names a partner platform.
type Kind string

const (
	Autotask    Kind = "autotask"
	ConnectWise Kind = "connectwise"
	Halo        Kind = "halo"
	Graph       Kind = "graph"
)

// Credentials are the raw credential fields an administrator typed, keyed by
// the API field name (for example "apiUrl", "username", "secret"). They are
// secret as a whole: never log them, never return them unmasked.
type Credentials map[string]string

// FieldError reports one invalid credential or configuration field with a
// message a person can act on.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// ValidationError collects the FieldErrors of one document.
type ValidationError struct{ Fields []*FieldError }

func (e *ValidationError) Error() string {
	if len(e.Fields) == 1 {
		return e.Fields[0].Error()
	}
	msg := fmt.Sprintf("%d invalid fields: ", len(e.Fields))
	for i, f := range e.Fields {
		if i > 0 {
			msg += "; "
		}
		msg += f.Error()
	}
	return msg
}

// Add records a field error; nil-safe builder style keeps validators short.
func (e *ValidationError) Add(field, format string, args ...any) {
	e.Fields = append(e.Fields, &FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns nil when no field failed, so validators end with `return v.Err()`.
func (e *ValidationError) Err() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}

// Reason classifies why a call to a platform failed, so the settings page can
// tell a person what to fix.
type Reason string

const (
	ReasonAuthFailed   Reason = "authentication_failed"
	ReasonNotPermitted Reason = "not_permitted"
	ReasonNotFound     Reason = "not_found"
	ReasonUnreachable  Reason = "unreachable"
	ReasonRateLimited  Reason = "rate_limited"
	ReasonInvalid      Reason = "invalid_request"
	ReasonServer       Reason = "server_error"
)

// Error is a failed platform call. Message is safe to show to an
// administrator: it never contains a credential value.
type Error struct {
	Platform   Kind
	Reason     Reason
	Status     int           // HTTP status from the platform, 0 if none
	Message    string        // actionable, credential-free
	RetryAfter time.Duration // from Retry-After on 429/503, if sent
	Err        error         // underlying cause, for errors.Is/As
}

func (e *Error) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("%s: %s (HTTP %d)", e.Platform, e.Message, e.Status)
	}
	return fmt.Sprintf("%s: %s", e.Platform, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Temporary reports whether retrying the same call later may succeed.
func (e *Error) Temporary() bool {
	return e.Reason == ReasonRateLimited || e.Reason == ReasonUnreachable || e.Reason == ReasonServer
}

// ReasonOf extracts the Reason of a platform error, or "" if err is not one.
func ReasonOf(err error) Reason {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Reason
	}
	return ""
}

// ErrFileRefused is the cause (Error.Err) of a platform's refusal of one
// file: larger than the platform's documented attachment limit, or a type it
// blocks. The sync logs such a file as skipped, naming it and the reason,
// instead of failing the change it belongs to.
var ErrFileRefused = errors.New("file refused by the platform")

// IsTemporary reports whether err is a platform error worth retrying.
func IsTemporary(err error) bool {
	var pe *Error
	return errors.As(err, &pe) && pe.Temporary()
}

// ReasonForStatus classifies an HTTP status the way every platform package
// reports it; packages refine the message with the vendor's error body.
func ReasonForStatus(status int) Reason {
	switch {
	case status == 401:
		return ReasonAuthFailed
	case status == 403:
		return ReasonNotPermitted
	case status == 404 || status == 405 || status == 410:
		return ReasonNotFound
	case status == 429:
		return ReasonRateLimited
	case status >= 500:
		return ReasonServer
	default:
		return ReasonInvalid
	}
}

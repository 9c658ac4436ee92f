package platform

import (
	"context"
	"errors"
)

// Provider is one partner platform as the rest of Tandem uses it. Each
// platform package exports one (autotask.Provider, halo.Provider, …) and the
// application wires the list of them, so a new platform is a package with
// its Provider and simulator plus one line in that list.
type Provider struct {
	Kind Kind
	// Name is how screens and messages name the platform to a person.
	Name string
	// Fields are the credential fields the settings form asks for, in order.
	Fields []Field
	// CheckCredentials validates what an administrator typed, returning a
	// *ValidationError whose messages never quote a secret field.
	// allowPrivate is the local/test mode that accepts simulator URLs.
	CheckCredentials func(c Credentials, allowPrivate bool) error
	// NewClient builds a client from stored credentials.
	NewClient func(c Credentials, allowPrivate bool) (Client, error)
	// Inbound builds the reader of the platform's webhook deliveries, once
	// per process; allowPrivate is local/test mode, as for NewClient.
	Inbound func(allowPrivate bool) Inbound
	// ManualWebhook, where the platform's documentation has the
	// administrator paste the webhook URL and secret, returns those steps;
	// registration through the API is then best effort. Nil elsewhere.
	ManualWebhook func(url, secret string) string
	// Picklists are the lists the platform's mapping rows choose from.
	Picklists []PicklistKind
}

// Field is one credential field of the settings form.
type Field struct {
	Name string
	// Secret fields are stored only in the secret store and shown masked.
	Secret bool
}

// SecretFields names the fields that must never be shown back.
func (p Provider) SecretFields() []string {
	var out []string
	for _, f := range p.Fields {
		if f.Secret {
			out = append(out, f.Name)
		}
	}
	return out
}

// Inbound verifies and reads one platform's webhook deliveries.
type Inbound interface {
	// Verify checks a delivery with the endpoint's secret; any error
	// refuses it. account gives the organisation's stored credentials, for
	// a platform that signs with a key of its own (ConnectWise); the others
	// never call it, so verifying their deliveries reads no credentials.
	Verify(ctx context.Context, req WebhookRequest, secret string, account func(context.Context) (Credentials, error)) error
	// Parse turns a verified body into events. A delivery, or a part of
	// one, that Tandem does not need (another record type, an event it does
	// not handle) is reported with an error that wraps ErrIrrelevant, next
	// to the events of the other parts.
	Parse(body []byte) ([]Event, error)
	// Handshake answers a subscription validation request (Graph) with the
	// text to echo; ok is false for an ordinary delivery.
	Handshake(req WebhookRequest) (text string, ok bool)
}

// ErrUnknownPlatform means no provider has that kind.
var ErrUnknownPlatform = errors.New("unknown platform")

// AllPicklists are every picklist kind, for a platform that has them all.
var AllPicklists = []PicklistKind{
	PickStatuses, PickPriorities, PickCategories, PickTicketTypes, PickQueues, PickActions, PickCustomFields,
}

// TimePicklists are AllPicklists and the work types of a platform that
// logs time.
var TimePicklists = append(AllPicklists[:len(AllPicklists):len(AllPicklists)], PickWorkTypes)

// CheckWith makes a Provider's CheckCredentials from a package's typed
// credential parser.
func CheckWith[C any](parse func(Credentials, bool) (C, error)) func(Credentials, bool) error {
	return func(c Credentials, allowPrivate bool) error {
		_, err := parse(c, allowPrivate)
		return err
	}
}

// NewClientWith makes a Provider's NewClient from a package's typed
// credential parser and client constructor.
func NewClientWith[C any](parse func(Credentials, bool) (C, error), build func(creds C, allowPrivate bool) Client) func(Credentials, bool) (Client, error) {
	return func(c Credentials, allowPrivate bool) (Client, error) {
		creds, err := parse(c, allowPrivate)
		if err != nil {
			return nil, err
		}
		return build(creds, allowPrivate), nil
	}
}

// SecretInbound reads the deliveries of a platform that proves them with
// the endpoint's secret alone (a signature, a password or a clientState).
type SecretInbound struct {
	VerifyFunc func(req WebhookRequest, secret string) error
	ParseFunc  func(body []byte) ([]Event, error)
	// HandshakeFunc answers a subscription validation request; nil where
	// the platform has none.
	HandshakeFunc func(req WebhookRequest) (string, bool)
}

// Verify checks req with secret; the platform needs no credentials for it.
func (s SecretInbound) Verify(_ context.Context, req WebhookRequest, secret string, _ func(context.Context) (Credentials, error)) error {
	return s.VerifyFunc(req, secret)
}

// Parse turns a verified body into events.
func (s SecretInbound) Parse(body []byte) ([]Event, error) { return s.ParseFunc(body) }

// Handshake answers a validation request where the platform has one.
func (s SecretInbound) Handshake(req WebhookRequest) (string, bool) {
	if s.HandshakeFunc == nil {
		return "", false
	}
	return s.HandshakeFunc(req)
}

// ErrIrrelevant is wrapped by a Parse error about a genuine delivery that
// Tandem has no use for (a ConnectWise contact callback, a Halo event it
// does not subscribe to). The receiver answers such a delivery 2xx and
// queues nothing: platforms count every other answer as a failed delivery
// and disable endpoints that keep failing.
var ErrIrrelevant = errors.New("delivery not needed")

// Irrelevant returns a sentinel error with msg as its text that matches
// ErrIrrelevant, for a platform package's ErrUnknownEvent.
func Irrelevant(msg string) error { return &irrelevantError{msg} }

type irrelevantError struct{ msg string }

func (e *irrelevantError) Error() string        { return e.msg }
func (e *irrelevantError) Is(target error) bool { return target == ErrIrrelevant }

// OnlyIrrelevant reports whether err says nothing but that parts of a
// delivery are not needed: it matches ErrIrrelevant, and so does every
// error it joins. A malformed part next to an irrelevant one is not.
func OnlyIrrelevant(err error) bool {
	for err != nil {
		if err == ErrIrrelevant {
			return true
		}
		if x, ok := err.(interface{ Is(error) bool }); ok && x.Is(ErrIrrelevant) {
			return true
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			errs := u.Unwrap()
			for _, e := range errs {
				if !OnlyIrrelevant(e) {
					return false
				}
			}
			return len(errs) > 0
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		default:
			return false
		}
	}
	return false
}

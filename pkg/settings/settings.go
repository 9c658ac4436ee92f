// Package settings keeps each organisation's platform credentials and the
// outcome of their last connection test. Credentials go to a secret store
// (Secrets Manager in production) under tandem/<org>/<platform>; the account
// record holds only a masked copy. Nothing here logs a credential value.
package settings

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/platform"
)

// Outcomes of a connection test, worded as the settings page shows them.
const (
	StatusTested = "Connection tested"
	StatusFailed = "Test failed"
)

// ErrNotConfigured means the organisation has saved no credentials.
var ErrNotConfigured = errors.New("no platform credentials saved")

// Account is an organisation's platform connection, safe to show.
type Account struct {
	OrgID      string
	Platform   platform.Kind
	Masked     map[string]string
	SecretName string
	UpdatedAt  time.Time
	LastTest   *TestResult
}

// TestResult is the outcome of the last connection test.
type TestResult struct {
	Status     string          `json:"status"`
	Reason     string          `json:"reason,omitempty"`
	ReasonCode platform.Reason `json:"reasonCode,omitempty"`
	At         time.Time       `json:"testedAt"`
	// Checklist is the platform's preparation checklist, where it has one
	// (ConnectWise): each prerequisite with its fix.
	Checklist []platform.CheckItem `json:"checklist,omitempty"`
}

// AccountStore persists Account records.
type AccountStore interface {
	GetAccount(ctx context.Context, org string) (Account, error) // ErrNotConfigured if none
	PutAccount(ctx context.Context, a Account) error
	DeleteAccount(ctx context.Context, org string) error
}

// SecretStore keeps secret values by name.
type SecretStore interface {
	PutSecret(ctx context.Context, name string, value []byte) error
	GetSecret(ctx context.Context, name string) ([]byte, error)
	DeleteSecret(ctx context.Context, name string) error
}

// Platforms validates and tests credentials for each platform kind.
type Platforms interface {
	// Validate normalises creds and names the fields that are secret, or
	// returns a *platform.ValidationError.
	Validate(kind platform.Kind, creds platform.Credentials) (normalised platform.Credentials, secretFields []string, err error)
	// Test makes one authenticated request with creds.
	Test(ctx context.Context, kind platform.Kind, creds platform.Credentials) error
}

// Checklists is implemented by Platforms that run a platform's preparation
// checklist (platform.Checklister) where the platform has one; the
// connection test then reports it item by item.
type Checklists interface {
	// Checklist returns has false for a platform without a checklist.
	// When the platform refuses the credentials, items say which and err
	// is the refusal.
	Checklist(ctx context.Context, kind platform.Kind, creds platform.Credentials, queue string) (items []platform.CheckItem, has bool, err error)
}

// Service runs the settings use cases.
type Service struct {
	accounts  AccountStore
	secrets   SecretStore
	platforms Platforms
	clock     clock.Clock
	log       *slog.Logger
	// TestTimeout bounds one connection test, so a hanging platform gives a
	// "Test failed" answer instead of an API Gateway timeout.
	TestTimeout time.Duration
	// RecordTime is kept free before the caller's deadline (in Lambda, the
	// settings function's timeout) to save the outcome: a test never runs
	// past the caller's deadline minus RecordTime, however long TestTimeout.
	RecordTime time.Duration
	// Endpoints, when set, removes the organisation's webhook endpoints
	// before its credentials are deleted (while they can still reach the
	// platform to unregister them).
	Endpoints EndpointRemover
	// Changed, when set, is called once an organisation's credentials were
	// saved or deleted, so what this process built from the old ones (a
	// platform client) is dropped.
	Changed func(org string)
}

// EndpointRemover removes an organisation's webhook endpoints: the
// registration at the platform, the signing secret and the record.
// *webhook.Installer implements it.
type EndpointRemover interface {
	RemoveAll(ctx context.Context, org string) error
}

// EndpointActors records, on an organisation's webhook endpoints, the
// platform user its saved credentials act as: saved credentials may name
// another user, and the webhook function drops that user's changes as
// Tandem's echoes. *webhook.Installer implements it.
type EndpointActors interface {
	Reidentify(ctx context.Context, org string)
}

// Defaults of Service.TestTimeout and Service.RecordTime. infra gives the
// settings function 25 s, so a test that hangs ends after 20 s and its
// outcome is saved well inside the function's timeout.
const (
	DefaultTestTimeout = 20 * time.Second
	DefaultRecordTime  = 2 * time.Second
)

// NewService wires a Service. log may be nil.
func NewService(a AccountStore, s SecretStore, p Platforms, clk clock.Clock, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{accounts: a, secrets: s, platforms: p, clock: clk, log: log, TestTimeout: DefaultTestTimeout, RecordTime: DefaultRecordTime}
}

// SecretName is where an organisation's credentials for a platform live.
func SecretName(org string, kind platform.Kind) string {
	return SecretNamespace + org + "/" + string(kind)
}

// Save validates and stores credentials, replacing any saved before. The
// previous test result no longer applies and is cleared.
func (s *Service) Save(ctx context.Context, org string, kind platform.Kind, creds platform.Credentials) (Account, error) {
	norm, secretFields, err := s.platforms.Validate(kind, creds)
	if err != nil {
		return Account{}, err
	}
	raw, err := json.Marshal(norm)
	if err != nil {
		return Account{}, fmt.Errorf("save %s credentials: %w", kind, err)
	}
	prev, err := s.accounts.GetAccount(ctx, org)
	if err != nil && !errors.Is(err, ErrNotConfigured) {
		return Account{}, fmt.Errorf("save %s credentials: %w", kind, err)
	}
	if prev.Platform != "" && prev.Platform != kind && s.Endpoints != nil {
		// Switching platforms ends the old platform's credentials: its
		// webhook endpoints go first, while those credentials still reach it.
		if err := s.Endpoints.RemoveAll(ctx, org); err != nil {
			return Account{}, fmt.Errorf("save %s credentials: %w", kind, err)
		}
	}
	name := SecretName(org, kind)
	if err := s.secrets.PutSecret(ctx, name, raw); err != nil {
		return Account{}, fmt.Errorf("save %s credentials: %w", kind, err)
	}
	acct := Account{OrgID: org, Platform: kind, Masked: Mask(norm, secretFields), SecretName: name, UpdatedAt: s.clock.Now()}
	if err := s.accounts.PutAccount(ctx, acct); err != nil {
		return Account{}, fmt.Errorf("save %s credentials: %w", kind, err)
	}
	if prev.SecretName != "" && prev.SecretName != name {
		// An organisation has one platform: switching leaves no stale secret.
		if err := s.secrets.DeleteSecret(ctx, prev.SecretName); err != nil {
			s.log.WarnContext(ctx, "old platform secret not deleted", "org_id", org, "platform", prev.Platform, "error", err)
		}
	}
	s.changed(org)
	if a, ok := s.Endpoints.(EndpointActors); ok {
		a.Reidentify(ctx, org)
	}
	s.log.InfoContext(ctx, "platform credentials saved", "org_id", org, "platform", kind)
	return acct, nil
}

// Get returns the organisation's account (masked).
func (s *Service) Get(ctx context.Context, org string) (Account, error) {
	a, err := s.accounts.GetAccount(ctx, org)
	if err != nil {
		return Account{}, fmt.Errorf("get platform settings: %w", err)
	}
	return a, nil
}

// Credentials returns the stored credentials for server-side use (tests,
// sync). Never send them to a client.
func (s *Service) Credentials(ctx context.Context, org string) (platform.Kind, platform.Credentials, error) {
	a, err := s.accounts.GetAccount(ctx, org)
	if err != nil {
		return "", nil, err
	}
	raw, err := s.secrets.GetSecret(ctx, a.SecretName)
	if err != nil {
		return "", nil, fmt.Errorf("read %s credentials: %w", a.Platform, err)
	}
	var creds platform.Credentials
	if err := json.Unmarshal(raw, &creds); err != nil {
		return "", nil, fmt.Errorf("decode %s credentials: %w", a.Platform, err)
	}
	return a.Platform, creds, nil
}

// Test runs the platform's connection test with the saved credentials and
// records the outcome. A failing platform is a result, not an error. queue,
// when set, is the queue (ConnectWise: service board) the checklist checks.
func (s *Service) Test(ctx context.Context, org, queue string) (TestResult, error) {
	kind, creds, err := s.Credentials(ctx, org)
	if err != nil {
		return TestResult{}, fmt.Errorf("test platform connection: %w", err)
	}
	tctx, cancel := context.WithTimeout(platform.WithOrg(ctx, org), s.testBudget(ctx))
	items, terr := s.check(tctx, kind, creds, queue)
	timedOut := errors.Is(tctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
	cancel()
	res := TestResult{Status: StatusTested, At: s.clock.Now(), Checklist: items}
	failing := platform.FailedRequired(items)
	switch {
	case terr != nil && timedOut:
		// Whatever the client made of its cancelled request, the platform
		// did not answer in the time the test had.
		res.Status = StatusFailed
		res.Reason, res.ReasonCode = notInTime(kind), platform.ReasonUnreachable
	case terr != nil:
		res.Status = StatusFailed
		res.Reason, res.ReasonCode = failureReason(kind, terr)
	case len(failing) > 0:
		res.Status = StatusFailed
		res.Reason, res.ReasonCode = checklistReason(failing), platform.ReasonNotPermitted
	}
	a, err := s.accounts.GetAccount(ctx, org)
	if err != nil {
		return TestResult{}, fmt.Errorf("record test result: %w", err)
	}
	a.LastTest = &res
	if err := s.accounts.PutAccount(ctx, a); err != nil {
		return TestResult{}, fmt.Errorf("record test result: %w", err)
	}
	s.log.InfoContext(ctx, "platform connection tested", "org_id", org, "platform", kind, "status", res.Status, "reason_code", res.ReasonCode, "failed_items", len(failing))
	return res, nil
}

// check runs the platform's checklist where it has one, else its one-call
// test.
func (s *Service) check(ctx context.Context, kind platform.Kind, creds platform.Credentials, queue string) ([]platform.CheckItem, error) {
	if cl, ok := s.platforms.(Checklists); ok {
		items, has, err := cl.Checklist(ctx, kind, creds, queue)
		if has || err != nil {
			return items, err
		}
	}
	return nil, s.platforms.Test(ctx, kind, creds)
}

func checklistReason(failing []platform.CheckItem) string {
	msg := failing[0].Item + ": " + failing[0].Fix
	if n := len(failing) - 1; n > 0 {
		msg += fmt.Sprintf(" (and %d more item(s) of the checklist)", n)
	}
	return msg
}

// Unready says what keeps the organisation's platform from being ready for
// a connection: the failing required items of its preparation checklist,
// as "item: fix". A platform without a checklist, and an organisation
// without credentials, have nothing to report. A platform that cannot be
// asked is reported as not ready, since nothing could be checked.
func (s *Service) Unready(ctx context.Context, org string) ([]string, error) {
	cl, ok := s.platforms.(Checklists)
	if !ok {
		return nil, nil
	}
	kind, creds, err := s.Credentials(ctx, org)
	if errors.Is(err, ErrNotConfigured) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("check platform readiness: %w", err)
	}
	tctx, cancel := context.WithTimeout(platform.WithOrg(ctx, org), s.testBudget(ctx))
	defer cancel()
	items, has, cerr := cl.Checklist(tctx, kind, creds, "")
	if !has && cerr == nil {
		return nil, nil
	}
	var out []string
	for _, it := range platform.FailedRequired(items) {
		out = append(out, it.Item+": "+it.Fix)
	}
	if cerr != nil && len(out) == 0 {
		msg, _ := failureReason(kind, cerr)
		out = append(out, "Connection test: "+msg)
	}
	s.log.InfoContext(ctx, "platform readiness checked", "org_id", org, "platform", kind, "failed_items", len(out))
	return out, nil
}

// testBudget is how long a connection test may take: TestTimeout, cut to
// leave RecordTime before the caller's deadline. A caller with less than
// RecordTime left gives the test half of what remains.
func (s *Service) testBudget(ctx context.Context) time.Duration {
	budget := s.TestTimeout
	if deadline, ok := ctx.Deadline(); ok {
		left := time.Until(deadline)
		switch {
		case left <= s.RecordTime:
			budget = min(budget, left/2)
		default:
			budget = min(budget, left-s.RecordTime)
		}
	}
	return budget
}

func notInTime(kind platform.Kind) string {
	return fmt.Sprintf("%s did not answer in time. Check the URL and that the service is up, then test again.", kind)
}

// failureReason turns a test error into words for the settings page. Only
// *platform.Error messages are shown verbatim: they are written to be
// credential-free. Anything else gets a generic text.
func failureReason(kind platform.Kind, err error) (string, platform.Reason) {
	var pe *platform.Error
	if errors.As(err, &pe) {
		return pe.Message, pe.Reason
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return notInTime(kind), platform.ReasonUnreachable
	}
	return fmt.Sprintf("Could not reach %s. Check the URL, then test again.", kind), platform.ReasonUnreachable
}

// Delete removes the organisation's credentials and account, and first its
// webhook endpoints, so no delivery verifies after the credentials are gone.
func (s *Service) Delete(ctx context.Context, org string) error {
	a, err := s.accounts.GetAccount(ctx, org)
	if err != nil {
		return fmt.Errorf("delete platform settings: %w", err)
	}
	if s.Endpoints != nil {
		if err := s.Endpoints.RemoveAll(ctx, org); err != nil {
			return fmt.Errorf("delete platform settings: %w", err)
		}
	}
	if err := s.secrets.DeleteSecret(ctx, a.SecretName); err != nil {
		return fmt.Errorf("delete platform settings: %w", err)
	}
	if err := s.accounts.DeleteAccount(ctx, org); err != nil {
		return fmt.Errorf("delete platform settings: %w", err)
	}
	s.changed(org)
	s.log.InfoContext(ctx, "platform credentials deleted", "org_id", org, "platform", a.Platform)
	return nil
}

func (s *Service) changed(org string) {
	if s.Changed != nil {
		s.Changed(org)
	}
}

// Mask shows non-secret fields as typed and hides secret ones entirely; not
// even a suffix of a secret leaves the service.
func Mask(creds platform.Credentials, secretFields []string) map[string]string {
	secret := map[string]bool{}
	for _, f := range secretFields {
		secret[strings.ToLower(f)] = true
	}
	out := make(map[string]string, len(creds))
	keys := make([]string, 0, len(creds))
	for k := range creds {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if secret[strings.ToLower(k)] {
			if creds[k] != "" {
				out[k] = "********"
			}
			continue
		}
		out[k] = creds[k]
	}
	return out
}

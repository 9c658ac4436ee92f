package connection

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// ErrNotReady means a side's platform fails a prerequisite the connection
// needs, so it is not activated. The error is a *NotReadyError.
var ErrNotReady = errors.New("platform not ready for a connection")

// Readiness says what keeps an organisation's platform from being ready
// for a connection: the failing required items of its preparation
// checklist (ConnectWise's), each as "item: fix". Nothing to report is
// ready. The settings service implements it.
type Readiness interface {
	Unready(ctx context.Context, org string) ([]string, error)
}

// NotReadyError refuses an activation while a side's platform is not
// ready.
type NotReadyError struct {
	// Partner is set when the connection's other organisation is the one
	// not ready; Problems are then its business and left out.
	Partner  bool
	Problems []string
}

func (e *NotReadyError) Error() string {
	if e.Partner {
		return "your partner's platform is not ready for the connection"
	}
	return "your platform is not ready for the connection: " + strings.Join(e.Problems, "; ")
}

func (e *NotReadyError) Is(target error) bool { return target == ErrNotReady }

// checkReady asks Ready about both organisations of a connection about to
// be activated: the caller's problems are shown to it, the partner's only
// as a fact, since they describe the partner's platform set-up.
func (s *Service) checkReady(ctx context.Context, caller, partner string) error {
	if s.Ready == nil {
		return nil
	}
	for _, org := range []string{caller, partner} {
		problems, err := s.Ready.Unready(ctx, org)
		if err != nil {
			return fmt.Errorf("check readiness of %s: %w", org, err)
		}
		if len(problems) > 0 {
			s.log.WarnContext(ctx, "connection accept refused", "org_id", caller, "reason", "platform not ready", "not_ready_org_id", org, "problems", len(problems))
			return &NotReadyError{Partner: org != caller, Problems: problems}
		}
	}
	return nil
}

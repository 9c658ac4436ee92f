package graphsim

import (
	"cmp"
	"net/http"

	"github.com/tandemsync/tandem/pkg/simfault"
)

// Fault is an injected answer to a Graph API request (see simfault.Fault;
// the token endpoint and upload URLs are not affected). The simulator's
// FailNext, FailFraction, InjectFault and ClearFaults come from the embedded
// simfault.Faults; 429 and 503 always carry Retry-After.
type Fault = simfault.Fault

// writeFault answers a fault with Graph's error envelope.
func writeFault(w http.ResponseWriter, _ *http.Request, f Fault) {
	switch {
	case f.Mode == simfault.Invalid:
		writeError(w, cmp.Or(f.Status, http.StatusBadRequest), "ErrorInvalidRequest", f.Message)
	case f.Status == http.StatusTooManyRequests:
		writeError(w, f.Status, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.")
	case f.Status == http.StatusServiceUnavailable:
		writeError(w, f.Status, "ServiceNotAvailable", "The service is temporarily unavailable. Please try again later.")
	default:
		writeError(w, f.Status, "InternalServerError", "An internal server error occurred. The operation failed.")
	}
}

package connectwisesim

import (
	"cmp"
	"net/http"

	"github.com/tandemsync/tandem/pkg/simfault"
)

// Fault is an injected answer for API calls (see simfault.Fault; codebase
// discovery and the signing-key URL are never faulted, so a fault always
// hits the call under test). The simulator's FailNext, FailFraction,
// InjectFault and ClearFaults come from the embedded simfault.Faults; 429
// always carries Retry-After.
type Fault = simfault.Fault

// writeFault answers a fault with ConnectWise's error body.
func writeFault(w http.ResponseWriter, _ *http.Request, f Fault) {
	switch {
	case f.Mode == simfault.Invalid:
		writeError(w, cmp.Or(f.Status, http.StatusBadRequest), "InvalidObject", "The object is invalid",
			fieldError{Code: "InvalidField", Message: f.Message, Field: f.Field})
	case f.Status == http.StatusTooManyRequests:
		writeError(w, f.Status, "TooManyRequests", "Rate limit exceeded. Try again later.")
	case f.Status >= 500:
		writeError(w, f.Status, "InternalServerError", "An error occurred while processing the request.")
	default:
		writeError(w, f.Status, "Injected", "Injected fault.")
	}
}

package autotasksim

import (
	"cmp"
	"net/http"

	"github.com/tandemsync/tandem/pkg/simfault"
)

// Fault is an injected answer (see simfault.Fault): a status (429 with
// RetryAfter, 500, 503...) and/or added latency, optionally limited to
// requests whose path contains Path, e.g. "/ExcludedResources". The
// simulator's FailNext, FailFraction, InjectFault and ClearFaults come from
// the embedded simfault.Faults; 429 and 503 always carry Retry-After.
type Fault = simfault.Fault

// writeFault answers a fault with Autotask's {"errors":[...]} body. A
// validation refusal comes back as 500 unless the fault names a status, as
// Autotask refuses business rules.
func writeFault(w http.ResponseWriter, _ *http.Request, f Fault) {
	switch {
	case f.Mode == simfault.Invalid:
		writeErrors(w, cmp.Or(f.Status, http.StatusInternalServerError), f.Message)
	case f.Status == http.StatusTooManyRequests:
		writeErrors(w, f.Status, "Request rejected: the API request threshold has been exceeded.")
	default:
		// A failure on Autotask's side carries no reason; a specific
		// message is what marks a 500 as a refusal (see Invalid).
		writeErrors(w, f.Status, "An unexpected error occurred.")
	}
}

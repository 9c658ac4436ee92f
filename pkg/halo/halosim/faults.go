package halosim

import (
	"cmp"
	"net/http"

	"github.com/tandemsync/tandem/pkg/simfault"
)

// Fault is an injected failure or delay (see simfault.Fault): Count applies
// it to the next Count requests; with Count 0 it stays until ClearFaults and
// applies to a Rate fraction of requests (every request when Rate is 0). The
// simulator's InjectFault, FailNext, FailFraction and ClearFaults come from
// the embedded simfault.Faults; 429 and 503 always carry Retry-After, so 0
// means "retry now".
type Fault = simfault.Fault

// writeFault answers a fault the way Halo answers errors: a message object,
// or for a validation refusal an object keyed by the offending field.
func writeFault(w http.ResponseWriter, _ *http.Request, f Fault) {
	if f.Mode == simfault.Invalid {
		writeJSON(w, cmp.Or(f.Status, http.StatusBadRequest), map[string]string{cmp.Or(f.Field, "[0]"): f.Message})
		return
	}
	writeJSON(w, f.Status, map[string]string{"message": http.StatusText(f.Status)})
}

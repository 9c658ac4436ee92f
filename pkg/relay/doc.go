// Package relay is the sync engine: it turns a verified platform event into
// commands for the partner platform, and applies commands idempotently.
//
// One event is handled by the sync function of the platform it came from:
// it suppresses echoes of Tandem's own writes (the event's actor is the
// integration, or the change is already in the link's snapshot), re-reads
// the ticket (events arrive late, twice and out of order, so the current
// state is the truth), diffs it against the link's last-synced snapshot of
// that side, translates the difference through the receiving side's
// configuration (pkg/integration) and queues commands for the partner.
//
// One command is handled by the sync function of the platform it writes to:
// it skips commands already applied (a ledger keyed by a deterministic
// command id), writes, records the new link state — including what it wrote,
// so the platform's echo of the write diffs to nothing — and logs the outcome.
//
// Nothing here imports AWS: queues, stores and platform clients are the
// small interfaces declared below.
package relay

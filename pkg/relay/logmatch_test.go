package relay_test

import (
	"testing"

	"github.com/tandemsync/tandem/pkg/relay"
)

// The sync log filter finds an entry by its link key, by the source ticket
// id inside the key, or by the partner's ticket id; nothing else matches.
func TestLogMatchesEitherSidesTicket(t *testing.T) {
	e := relay.LogEntry{Ticket: "cust#1018", TargetTicket: "T-77"}
	for ticket, want := range map[string]bool{
		"": true, "cust#1018": true, "1018": true, "T-77": true,
		"1019": false, "cust": false, "T-7": false, "cust#1019": false,
	} {
		if got := relay.LogMatches(e, ticket); got != want {
			t.Errorf("LogMatches(%+v, %q) = %v, want %v", e, ticket, got, want)
		}
	}
}

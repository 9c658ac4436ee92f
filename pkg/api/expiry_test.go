package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/tandemsync/tandem/pkg/connection"
)

// The creator sending its own code once it has expired gets the answer an
// unknown code gets, byte for byte: "own_code" would tell it the code
// existed. The attempt counts toward the failed-accept limit like any other.
func TestOwnExpiredCodeAnswersAsAnUnknownCode(t *testing.T) {
	hs := newHarness(t)
	_, code := hs.create("acme", "source")
	hs.clock.Advance(connection.CodeLifetime)
	own := hs.do("acme", "POST", "/v1/connections/accept", fmt.Sprintf(`{"verificationCode":%q}`, code))
	unknown := hs.do("acme", "POST", "/v1/connections/accept", `{"verificationCode":"ABCD-EFGH-JKMN-PQRS"}`)
	if own.Status != http.StatusBadRequest || own.Raw != unknown.Raw {
		t.Fatalf("own expired code: %d %s; unknown code: %d %s", own.Status, own.Raw, unknown.Status, unknown.Raw)
	}
	for i := 2; i < connection.MaxFailedAccepts; i++ {
		if r := hs.do("acme", "POST", "/v1/connections/accept", fmt.Sprintf(`{"verificationCode":%q}`, code)); r.Status != http.StatusBadRequest {
			t.Fatalf("attempt %d: %d %s", i+1, r.Status, r.Raw)
		}
	}
	if r := hs.do("acme", "POST", "/v1/connections/accept", fmt.Sprintf(`{"verificationCode":%q}`, code)); r.Status != http.StatusTooManyRequests {
		t.Fatalf("attempt %d, past the limit: %d %s, want 429", connection.MaxFailedAccepts+1, r.Status, r.Raw)
	}
}

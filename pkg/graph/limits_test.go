package graph_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tandemsync/tandem/pkg/platform"
)

// Outlook allows 4 concurrent requests per app and mailbox: two clients of
// one mailbox (a new client is built when credentials are saved again)
// together never have more than 4 requests in flight.
func TestAtMostFourRequestsInFlightPerMailbox(t *testing.T) {
	var inFlight, most atomic.Int64
	release := make(chan struct{})
	arrived := make(chan struct{}, 64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/token") {
			_ = json.NewEncoder(w).Encode(map[string]any{"token_type": "Bearer", "expires_in": 3600, "access_token": "opaque"})
			return
		}
		n := inFlight.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		arrived <- struct{}{}
		<-release
		inFlight.Add(-1)
		_ = json.NewEncoder(w).Encode(map[string]any{"id": "m1", "subject": "s"})
	}))
	defer srv.Close()
	raw := platform.Credentials{
		"tenantId": tenantGUID, "clientId": clientGUID, "clientSecret": secretVal, "mailbox": "limits@contoso.com",
		"loginUrl": srv.URL, "graphUrl": srv.URL + "/v1.0",
	}
	a, b := clientWith(t, raw), clientWith(t, raw)
	var wg sync.WaitGroup
	for i := range 10 {
		c := a
		if i%2 == 1 {
			c = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.GetTicket(ctxT(t), "m1"); err != nil {
				t.Error(err)
			}
		}()
	}
	for range 4 {
		<-arrived // four requests are in flight and held
	}
	close(release)
	wg.Wait()
	if got := most.Load(); got != 4 {
		t.Fatalf("at most %d requests were in flight, want 4", got)
	}
}

package localrun_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/localrun"
)

// The hostile-input review's failed check, over HTTP on the embedded store:
// 200 wrong codes sent at once by one organisation. Only the first
// MaxFailedAccepts are looked at; the rest are refused with 429.
func TestParallelWrongCodesAreRateLimitedOverHTTP(t *testing.T) {
	r, err := localrun.Start(context.Background(), localrun.Options{Addr: "127.0.0.1:0", ManualQueues: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	const attempts = 200
	statuses := make(chan int, attempts)
	var wg sync.WaitGroup
	for range attempts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, _ := call(t, "POST", r.URL+"/v1/connections/accept", "guesser", `{"verificationCode":"2222-3333-4444-5555"}`)
			statuses <- st
		}()
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for st := range statuses {
		count[st]++
	}
	if count[http.StatusBadRequest] != connection.MaxFailedAccepts || count[http.StatusTooManyRequests] != attempts-connection.MaxFailedAccepts {
		t.Fatalf("answers %v, want %d × 400 and %d × 429", count, connection.MaxFailedAccepts, attempts-connection.MaxFailedAccepts)
	}
}

package platform_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/platform"
)

// What an event carries must fit an SQS message (256 KiB) in the worst
// JSON escaping; a larger ticket or note is left to be read.
func TestCarriedFitsAQueueMessage(t *testing.T) {
	worst := strings.Repeat("<", platform.MaxCarried-10)
	tk := platform.Carried(platform.Ticket{ID: "1", Summary: "s", Description: worst})
	n := platform.Carried(platform.Note{ID: "2", Body: worst})
	if tk == nil || n == nil {
		t.Fatal("a ticket and a note under the limit were left out")
	}
	body, err := json.Marshal(platform.Event{TicketID: "1", Ticket: tk, Note: n})
	if err != nil {
		t.Fatal(err)
	}
	if len(body) > 250<<10 {
		t.Fatalf("an event carrying both is %d bytes, over an SQS message", len(body))
	}
	if platform.Carried(platform.Ticket{Description: worst + strings.Repeat("x", 20)}) != nil {
		t.Error("a ticket over the limit was carried")
	}
	if platform.Carried(platform.Note{Body: worst + strings.Repeat("x", 20)}) != nil {
		t.Error("a note over the limit was carried")
	}
}

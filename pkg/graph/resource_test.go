package graph_test

import (
	"testing"

	"github.com/tandemsync/tandem/pkg/graph"
)

// A resource path that starts with the messages segment (a subscription on
// me/messages is reported relative to the mailbox) still names the message.
func TestResourceStartingWithMessages(t *testing.T) {
	for _, resource := range []string{"Messages/AAkALgX2", "messages('AAkALgX2')"} {
		evs, err := graph.ParseWebhook([]byte(`{"value":[{"subscriptionId":"s","changeType":"created","resource":"` + resource + `"}]}`))
		if err != nil || len(evs) != 1 || evs[0].TicketID != "AAkALgX2" {
			t.Errorf("resource %s: %+v, %v", resource, evs, err)
		}
	}
}

package localrun_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/simfault"
	"github.com/tandemsync/tandem/pkg/vendorfixture"
)

// A platform's validation refusal of a write is permanent: the sync log
// gets one failed entry carrying the platform's own message, and the
// command never reaches the dead-letter queue. Autotask refuses with HTTP
// 500 and {"errors":[…]} (the refusal below was seen on a live tenant:
// pkg/autotask/testdata/error-500-resource-role.json), the others with 400.
func TestValidationRefusalIsLoggedNotDeadLettered(t *testing.T) {
	var autotaskRefusal struct{ Errors []string }
	if err := json.Unmarshal(vendorfixture.Read(t, "../autotask/testdata/error-500-resource-role.json"), &autotaskRefusal); err != nil || len(autotaskRefusal.Errors) != 1 {
		t.Fatalf("fixture: %v %v", autotaskRefusal, err)
	}
	for _, tc := range []struct {
		p   pair
		msg string
	}{
		{pairs[2], autotaskRefusal.Errors[0]},
		{pairs[1], "The company field is required."},
		{pairs[0], "Please enter a summary"},
		{autotaskToGraph, "The specified object was not found in the store."},
	} {
		t.Run(string(tc.p.dst), func(t *testing.T) {
			w := worldFor(t, tc.p, worldOptions{noWebhook: platform.Graph})
			refuse := routes[tc.p.dst].create
			refuse.Mode, refuse.Message = simfault.Invalid, tc.msg // every create, until the test ends
			injectFault(w, tc.p.dst, refuse)
			if _, err := w.source.agent.CreateTicket(context.Background(), tc.p.escalate); err != nil {
				t.Fatal(err)
			}
			w.settle()
			var failed []map[string]any
			for _, e := range w.log(w.target.org, "") {
				if e["outcome"] == "failed" {
					failed = append(failed, e)
				}
			}
			if len(failed) != 1 || failed[0]["what"] != "create ticket" || !strings.Contains(failed[0]["reason"].(string), tc.msg) {
				t.Fatalf("sync log failures %v, want one failed create carrying %q", failed, tc.msg)
			}
			if n := len(w.r.Broker.DLQ(string(tc.p.dst) + "-commands")); n != 0 {
				t.Fatalf("%d commands dead-lettered; a refusal is logged, not retried", n)
			}
			if m := w.r.Broker.Metrics(string(tc.p.dst) + "-commands"); m.Redelivered != 0 {
				t.Fatalf("the refused create was redelivered %d times", m.Redelivered)
			}
			if n := w.partnerTickets(tc.p.escalate.Summary); n != 0 {
				t.Fatalf("%s holds %d partner tickets after a refusal", tc.p.dst, n)
			}
		})
	}
}

// injectFault adds a standing fault to kind's simulator.
func injectFault(w *world, kind platform.Kind, f simfault.Fault) {
	sims := w.r.Sims
	switch kind {
	case platform.Autotask:
		sims.Autotask.InjectFault(f)
	case platform.ConnectWise:
		sims.ConnectWise.InjectFault(f)
	case platform.Halo:
		sims.Halo.InjectFault(f)
	case platform.Graph:
		sims.Graph.InjectFault(f)
	}
}

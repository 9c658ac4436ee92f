package graph_test

import (
	"net/http"
	"testing"

	"github.com/tandemsync/tandem/pkg/graph/graphsim"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/simfault"
)

const ref = "tandem-0123456789abcdef01234567"

// A created mail carries Tandem's marker as an extended property, and the
// marker finds the sent mail again.
func TestCreateCarriesMarkerFoundByFindTicket(t *testing.T) {
	sim := graphsim.New(t)
	c := clientFor(t, sim, sim.Integration)
	ctx := ctxT(t)
	created, err := c.CreateTicket(ctx, platform.Ticket{Summary: "VPN drops", Description: "Every hour", Ref: ref})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := sim.Message(created.ID)
	if m.Extended["String {00020386-0000-0000-C000-000000000046} Name X-Tandem-Ref"] != ref || m.IsDraft {
		t.Fatalf("sent mail %+v", m)
	}
	found, ok, err := c.FindTicket(ctx, ref)
	if err != nil || !ok || found.ID != created.ID || found.Ref != ref {
		t.Fatalf("FindTicket = %+v, %v, %v", found, ok, err)
	}
	if _, ok, err := c.FindTicket(ctx, "tandem-ffffffffffffffffffffffff"); ok || err != nil {
		t.Fatalf("FindTicket of an unknown marker = %v, %v", ok, err)
	}
}

// A draft created before a failure is found by its marker and sent; a mail
// whose send Graph applied before failing is found sent. Neither is
// created again.
func TestCreateAppliedThenFailedIsFoundNotResent(t *testing.T) {
	for _, tc := range []struct {
		name, path string
		mode       simfault.Mode
	}{
		{"draft applied then 500", "/messages", simfault.ApplyThenFail},
		{"draft applied then dropped", "/messages", simfault.ApplyThenDrop},
		{"send applied then 500", "/send", simfault.ApplyThenFail},
		{"send applied then dropped", "/send", simfault.ApplyThenDrop},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim := graphsim.New(t)
			c := clientFor(t, sim, sim.Integration)
			ctx := ctxT(t)
			if err := c.Test(ctx); err != nil {
				t.Fatal(err)
			}
			before := len(sim.Messages(sim.Integration.Mailbox))
			sim.FailNext(1, graphsim.Fault{Mode: tc.mode, Method: http.MethodPost, Path: tc.path})
			if _, err := c.CreateTicket(ctx, platform.Ticket{Summary: "VPN drops", Custom: map[string]string{"to": "alex@contoso.example"}, Ref: ref}); !platform.IsTemporary(err) {
				t.Fatalf("err = %v, want a temporary failure", err)
			}
			if n := len(sim.Messages(sim.Integration.Mailbox)) - before; n != 1 {
				t.Fatalf("%d new messages, want the one", n)
			}
			found, ok, err := c.FindTicket(ctx, ref)
			if err != nil || !ok {
				t.Fatalf("FindTicket = %v, %v", ok, err)
			}
			m, _ := sim.Message(found.ID)
			if m.IsDraft || m.Folder != "sentitems" {
				t.Fatalf("found mail is in %s (draft %v), want sent", m.Folder, m.IsDraft)
			}
			if got := sim.Messages("alex@contoso.example"); len(got) != 1 {
				t.Fatalf("the requester received %d mails, want 1", len(got))
			}
		})
	}
}

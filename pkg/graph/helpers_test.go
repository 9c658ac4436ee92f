package graph_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/graph"
	"github.com/tandemsync/tandem/pkg/graph/graphsim"
	"github.com/tandemsync/tandem/pkg/platform"
)

// fastHTTP is the production egress policy in local mode with short
// backoff, so retry tests do not wait.
func fastHTTP() *egress.Client {
	return egress.New(egress.Options{AllowPrivate: true, MaxConcurrent: 4, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond})
}

// clientFor builds a client for one simulator account.
func clientFor(t *testing.T, sim *graphsim.Server, a graphsim.Account) *graph.Client {
	t.Helper()
	return clientWith(t, sim.Credentials(a))
}

func clientWith(t *testing.T, raw platform.Credentials) *graph.Client {
	t.Helper()
	creds, err := graph.ParseCredentials(raw, true)
	if err != nil {
		t.Fatalf("ParseCredentials: %v", err)
	}
	return graph.New(creds, graph.Options{AllowPrivate: true, HTTP: fastHTTP()})
}

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// platformErr asserts err is a *platform.Error with the wanted reason.
func platformErr(t *testing.T, err error, want platform.Reason) *platform.Error {
	t.Helper()
	var pe *platform.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *platform.Error", err, err)
	}
	if pe.Reason != want {
		t.Fatalf("reason = %s, want %s (%v)", pe.Reason, want, err)
	}
	if pe.Platform != platform.Graph {
		t.Fatalf("platform = %s", pe.Platform)
	}
	return pe
}

// seededTicket is the request the simulator starts with in the support inbox.
func seededTicket(t *testing.T, sim *graphsim.Server) graphsim.Message {
	t.Helper()
	for _, m := range sim.Messages(sim.Integration.Mailbox) {
		if m.Folder == "inbox" {
			return m
		}
	}
	t.Fatal("simulator has no seeded inbox message")
	return graphsim.Message{}
}

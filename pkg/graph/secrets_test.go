package graph_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/graph"
	"github.com/tandemsync/tandem/pkg/graph/graphsim"
	"github.com/tandemsync/tandem/pkg/platform"
)

// TestNoSecretInErrors drives every failure path that involves credentials
// and checks no secret shows in any rendering of the error. The package
// does not log, so errors are the only place a secret could leak.
func TestNoSecretInErrors(t *testing.T) {
	sim := graphsim.New(t)
	ctx := ctxT(t)
	const wrongSecret = "Leak8Q~DoNotShowThisSecretAnywhere42"
	secrets := []string{sim.Integration.ClientSecret, sim.Agent.ClientSecret, wrongSecret}

	var errs []error
	collect := func(err error) {
		if err == nil {
			t.Fatal("expected a failure")
		}
		errs = append(errs, err)
	}

	bad := sim.Credentials(sim.Integration)
	bad["clientSecret"] = wrongSecret
	collect(clientWith(t, bad).Test(ctx))
	_, err := clientWith(t, bad).GetTicket(ctx, "x")
	collect(err)

	unknownApp := sim.Credentials(sim.Integration)
	unknownApp["clientId"] = "11111111-2222-3333-4444-555555555555"
	collect(clientWith(t, unknownApp).Test(ctx))

	good := clientFor(t, sim, sim.Integration)
	_, err = good.GetTicket(ctx, "missing")
	collect(err)
	sim.FailNext(10, graphsim.Fault{Status: http.StatusInternalServerError})
	collect(good.Test(ctx))
	sim.ClearFaults()
	sim.SetConsent(sim.Integration.ClientID, false)
	collect(good.Test(ctx))
	sim.SetConsent(sim.Integration.ClientID, true)

	for _, raw := range []platform.Credentials{
		{"tenantId": "common", "clientId": "x", "clientSecret": wrongSecret, "mailbox": "a"},
		{"tenantId": "x", "clientId": "y", "clientSecret": "0b5f1e36-7c84-4a4e-9e3b-0d5c3b1f8f2a", "mailbox": "b", "graphUrl": "http://10.0.0.1"},
	} {
		_, err := graph.ParseCredentials(raw, false)
		collect(err)
		secrets = append(secrets, raw["clientSecret"])
	}

	for _, err := range errs {
		renderings := []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)}
		var pe *platform.Error
		if errors.As(err, &pe) {
			renderings = append(renderings, pe.Message)
			if pe.Err != nil {
				renderings = append(renderings, pe.Err.Error())
			}
		}
		for _, r := range renderings {
			for _, s := range secrets {
				if strings.Contains(r, s) {
					t.Fatalf("error rendering contains a secret: %s", r)
				}
			}
		}
	}
}

func TestCredentialsNeverPrintTheSecret(t *testing.T) {
	creds, err := graph.ParseCredentials(validRaw(), false)
	if err != nil {
		t.Fatal(err)
	}
	c := graph.New(creds, graph.Options{})
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{creds, &creds, c} {
			if out := fmt.Sprintf(format, v); strings.Contains(out, secretVal) {
				t.Fatalf("%s of %T shows the secret: %s", format, v, out)
			}
		}
	}
}

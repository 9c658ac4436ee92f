package configuration_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/app"
	"github.com/tandemsync/tandem/pkg/app/allplatforms"
	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/configuration"
	"github.com/tandemsync/tandem/pkg/configuration/configurationtest"
	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/connection/connectiontest"
	"github.com/tandemsync/tandem/pkg/halo/halosim"
	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/secretstore/secretstoretest"
	"github.com/tandemsync/tandem/pkg/settings"
	"github.com/tandemsync/tandem/pkg/settings/settingstest"
)

// Two Halo instances, the real provider list and clients over HTTP: what the
// unit tests fake is wired the way production wires it.
func TestAgainstHaloSimulators(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewManual(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	simA, simB := halosim.New(t, halosim.Options{}), halosim.New(t, halosim.Options{Tenant: "bright"})
	reg := app.NewPlatforms(allplatforms.Providers, true)
	sets := settings.NewService(settingstest.NewMemAccounts(), secretstoretest.NewMemory(), reg, clk, nil)
	conns := connection.NewService(connectiontest.NewMemStore(), clk, nil)
	svc := configuration.NewService(configurationtest.NewMemStore(), conns, sets, configuration.ClientsFrom(reg), clk, nil)
	svc.Picklists = reg.Picklists

	for org, sim := range map[string]*halosim.Server{orgA.OrgID: simA, orgB.OrgID: simB} {
		if _, err := sets.Save(ctx, org, platform.Halo, sim.Credentials(halosim.Integration)); err != nil {
			t.Fatalf("save %s credentials: %v", org, err)
		}
	}
	created, err := conns.Create(ctx, orgA, connection.Source, "Halo to Halo")
	must(t, err)
	_, err = conns.Accept(ctx, orgB, created.VerificationCode)
	must(t, err)
	id := created.ID

	// A's own statuses: one platform read, then none within the window.
	before := simA.Requests()
	mine, err := svc.Options(ctx, orgA, id, platform.PickStatuses, "")
	must(t, err)
	if len(mine.Options) != 6 || mine.Platform != platform.Halo {
		t.Fatalf("A's statuses = %+v", mine)
	}
	afterFirst := simA.Requests()
	if afterFirst == before {
		t.Fatal("the first read made no request")
	}
	_, err = svc.Options(ctx, orgA, id, platform.PickStatuses, "")
	must(t, err)
	if simA.Requests() != afterFirst {
		t.Fatalf("a read within the window made %d requests", simA.Requests()-afterFirst)
	}

	// A sees B's ticket types without ever holding B's credentials.
	theirs, err := svc.PartnerOptions(ctx, orgA, id, platform.PickTicketTypes, "")
	must(t, err)
	raw, err := json.Marshal(theirs)
	must(t, err)
	if len(theirs.Options) != 5 || strings.Contains(string(raw), halosim.Integration.ClientSecret) || strings.Contains(string(raw), simB.URL) {
		t.Fatalf("B's ticket types as A sees them: %s", raw)
	}

	// B saves its target side against the simulators' real values.
	cfg := integration.Config{
		StatusMappings:    []integration.Mapping{{Partner: "2", Mine: "2"}},
		DefaultTicketType: "1", DefaultStatus: "1", DefaultAction: "1",
	}
	saved, err := svc.Put(ctx, orgB, id, cfg)
	must(t, err)
	got, err := svc.Get(ctx, orgB, id)
	must(t, err)
	if saved.Version != 1 || got.Version != 1 || got.DefaultTicketType != "1" || len(got.StatusMappings) != 1 {
		t.Fatalf("saved %+v, read back %+v", saved, got)
	}

	// Halo's "Legacy Request" (30) is inactive: new tickets cannot use it.
	stale := got
	stale.DefaultTicketType = "30"
	_, err = svc.Put(ctx, orgB, id, stale)
	var inv *configuration.InvalidError
	if !errors.As(err, &inv) || len(inv.Problems.Fields) != 1 || inv.Problems.Fields[0].Field != "defaultTicketType" {
		t.Fatalf("inactive default ticket type: %v", err)
	}
}

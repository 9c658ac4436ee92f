package localrun_test

import (
	"context"
	"slices"
	"testing"

	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
)

// The sync functions keep each organisation's connections and each side's
// configuration per warm instance, validated by stamps read with every
// event. A configuration change and a disconnection must still take effect
// on the very next event: here the single event right after each.
func TestConfigurationChangeAndDisconnectionTakeEffectOnTheNextEvent(t *testing.T) {
	ctx := context.Background()
	p := pairs[0] // Autotask customer, Halo MSP
	w := p.world(t, worldOptions{})
	src, dst := w.source.agent, w.target.agent
	st, dt := w.escalated(p)
	status := func() string {
		t.Helper()
		got, err := src.GetTicket(ctx, st.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.Status
	}
	move := func(to string) {
		t.Helper()
		if err := dst.UpdateTicket(ctx, dt.ID, platform.TicketUpdate{Status: ptr(to)}); err != nil {
			t.Fatal(err)
		}
		w.settle()
	}

	// Warm: the MSP's events have read its connections and both
	// configurations once.
	move("4")
	if got := status(); got != "7" {
		t.Fatalf("Halo 4 arrived as Autotask %q, want 7", got)
	}

	// The customer now maps Halo's 2 to Autotask's 7 instead of 8.
	cfg := p.srcCfg
	cfg.StatusMappings = slices.Clone(cfg.StatusMappings)
	for i, m := range cfg.StatusMappings {
		if m.Partner == "2" {
			cfg.StatusMappings[i] = integration.Mapping{Partner: "2", Mine: "1"}
		}
	}
	w.configure("cust", cfg)
	move("2")
	if got := status(); got != "1" {
		t.Fatalf("the first event after the configuration change arrived as Autotask %q, want 1 (the new mapping; 8 is the old)", got)
	}

	// The MSP disconnects; the next change stays on its side.
	w.mustAPI("msp", "DELETE", "/v1/connections/"+w.connID, nil, 204)
	commands := w.r.Broker.Metrics(string(platform.Autotask) + "-commands").Sent
	move("4")
	if got := status(); got != "1" {
		t.Fatalf("a change after the disconnection crossed: Autotask status %q", got)
	}
	if n := w.r.Broker.Metrics(string(platform.Autotask)+"-commands").Sent - commands; n != 0 {
		t.Fatalf("%d commands queued after the disconnection", n)
	}
}

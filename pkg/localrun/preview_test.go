package localrun_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/relay"
)

// The Halo MSP previews an Autotask ticket through the API: nothing is
// written anywhere, and once the ticket really crosses, its description is
// the one the preview showed.
func TestPreviewWritesNothingAndMatchesTheSync(t *testing.T) {
	ctx := context.Background()
	p := pairs[0] // Autotask to Halo
	p.dstCfg.DescriptionParts = []string{integration.PartLink, integration.PartPriority, integration.PartDescription}
	w := p.world(t, worldOptions{})
	st, err := w.source.agent.CreateTicket(ctx, p.escalate)
	if err != nil {
		t.Fatal(err)
	}
	// The creation's webhook is queued first, not handled (the queues move
	// only when the test drains them), so what the preview adds shows.
	w.r.Sims.Flush()
	haloBefore, sentBefore := w.r.Sims.Halo.Requests(), w.sent()

	got := w.mustAPI("msp", "POST", "/v1/connections/"+w.connID+"/preview", map[string]string{"ticketId": st.ID}, 200)
	ticket := got["ticket"].(map[string]any)
	desc, _ := ticket["description"].(string)
	if !strings.HasPrefix(desc, "Source ticket: Autotask ") || !strings.HasSuffix(desc, "\n\nEvery job since Monday") || ticket["status"] != p.want.Status {
		t.Fatalf("preview %v", got)
	}
	if n := w.r.Sims.Halo.Requests() - haloBefore; n != 0 || len(w.r.Sims.Halo.Tickets()) != 0 {
		t.Fatalf("the preview made %d requests to the MSP's Halo, which holds %d tickets", n, len(w.r.Sims.Halo.Tickets()))
	}
	if w.sent() != sentBefore {
		t.Fatal("the preview queued something")
	}
	if _, err := w.r.Deps.Store.LinkByTicket(ctx, w.connID, "cust", st.ID); !errors.Is(err, relay.ErrNoLink) {
		t.Fatalf("the preview linked the ticket: %v", err)
	}
	if entries := w.log("msp", ""); len(entries) != 0 {
		t.Fatalf("the preview wrote the sync log: %v", entries)
	}
	// The customer cannot preview: its partner's configuration decides.
	if status, out := w.api("cust", "POST", "/v1/connections/"+w.connID+"/preview", map[string]string{"ticketId": st.ID}); status != 409 {
		t.Fatalf("source side: %d %v", status, out)
	}
	// A ticket the customer keeps at home is not shared.
	home, err := w.source.agent.CreateTicket(ctx, p.stayHome)
	if err != nil {
		t.Fatal(err)
	}
	if status, out := w.api("msp", "POST", "/v1/connections/"+w.connID+"/preview", map[string]string{"ticketId": home.ID}); status != 404 {
		t.Fatalf("unshared ticket: %d %v", status, out)
	}

	w.settle()
	if real := w.partnerTicket(st.ID); real.Description != desc {
		t.Fatalf("created with\n%q\npreviewed\n%q", real.Description, desc)
	}
}

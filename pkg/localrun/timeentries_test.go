package localrun_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/autotask/autotasksim"
	"github.com/tandemsync/tandem/pkg/connectwise/connectwisesim"
	"github.com/tandemsync/tandem/pkg/halo/halosim"
	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/localrun"
	"github.com/tandemsync/tandem/pkg/platform"
)

// An Autotask customer outsourcing tickets to a ConnectWise MSP: the MSP
// (target) works them and logs time, which crosses back to the customer.
var (
	autotaskFromConnectWiseSource = integration.Config{
		StatusMappings:   []integration.Mapping{{Partner: "1", Mine: "1"}, {Partner: "2", Mine: "8"}, {Partner: "3", Mine: "7"}, {Partner: "5", Mine: "5"}},
		PriorityMappings: []integration.Mapping{{Partner: "1", Mine: "4"}, {Partner: "2", Mine: "1"}, {Partner: "3", Mine: "2"}, {Partner: "4", Mine: "3"}},
		ActionMappings:   []integration.ActionMapping{{Partner: "discussion", Mine: "2"}},
		DefaultAction:    "2",
		Outbound:         integration.Outbound{Actions: []string{"3"}},
		Escalation:       integration.EscalationRule{Queues: []string{localrun.DemoEscalationQueue}},
	}
	connectwiseFromAutotaskTarget = integration.Config{
		StatusMappings:     []integration.Mapping{{Partner: "1", Mine: "1"}, {Partner: "8", Mine: "2"}, {Partner: "7", Mine: "3"}, {Partner: "5", Mine: "5"}},
		DefaultStatus:      "1",
		PriorityMappings:   []integration.Mapping{{Partner: "4", Mine: "1"}, {Partner: "1", Mine: "2"}, {Partner: "2", Mine: "3"}, {Partner: "3", Mine: "4"}},
		TicketTypeMappings: []integration.Mapping{{Partner: "2", Mine: "20"}},
		DefaultTicketType:  "20",
		Board:              "1",
		Account:            "250",
		FieldMappings:      []integration.Mapping{{Partner: integration.FieldSummary, Mine: integration.FieldSummary}},
		ActionMappings:     []integration.ActionMapping{{Partner: "3", Mine: "internal"}},
		DefaultAction:      "internal",
		Outbound:           integration.Outbound{Actions: []string{"discussion"}},
	}
)

// The customer's Autotask ticket the MSP works in both tests.
var outsourced = platform.Ticket{Summary: "Printer on floor 3 jams", Description: "Every job since Monday", Queue: localrun.DemoEscalationQueue, Priority: "1", Status: "1", Type: "2"}

// Time the Halo MSP logs on its ticket (an action with time taken) lands
// on the Autotask customer's ticket as one time entry, credited to the
// default resource because the Halo agent is unmapped, with its start,
// end, duration and note; a redelivered webhook and later events of the
// ticket write nothing more.
func TestTimeEntriesHaloToAutotaskWithDefaultMember(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, platform.Autotask, platform.Halo, worldOptions{})
	at := w.r.Sims.Autotask
	w.configure("msp", haloFromAutotask)
	cust := autotaskFromHalo
	cust.TimeEntries = integration.TimeEntries{Enabled: true, DefaultMember: itoa(at.Agent.ResourceID), DefaultWorkType: itoa(autotasksim.BillingRemote)}
	w.configure("cust", cust)

	st, err := w.source.agent.CreateTicket(ctx, outsourced)
	if err != nil {
		t.Fatal(err)
	}
	w.settle()
	dt := w.partnerTicket(st.ID)
	hid, _ := strconv.Atoi(dt.ID)
	start := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	end := start.Add(90 * time.Minute)
	// A private note: it stays on the MSP's side, its time does not.
	if _, err := w.r.Sims.Halo.LogTime(halosim.Agent, hid, 1, "Replaced the fuser unit", 1.5, start, end); err != nil {
		t.Fatal(err)
	}
	w.settle()

	sid, _ := strconv.ParseInt(st.ID, 10, 64)
	check := func(when string) {
		t.Helper()
		got := at.TimeEntries(sid)
		if len(got) != 1 {
			t.Fatalf("%s: Autotask ticket %s holds %d time entries, want 1: %+v", when, st.ID, len(got), got)
		}
		e := got[0]
		switch {
		case e.ResourceID != at.Agent.ResourceID:
			t.Fatalf("credited to resource %d, want the default %d", e.ResourceID, at.Agent.ResourceID)
		case e.HoursWorked != 1.5:
			t.Fatalf("hoursWorked %v, want 1.5", e.HoursWorked)
		case e.StartDateTime == nil || !e.StartDateTime.Equal(start) || e.EndDateTime == nil || !e.EndDateTime.Equal(end):
			t.Fatalf("worked %v to %v, want %v to %v", e.StartDateTime, e.EndDateTime, start, end)
		case !strings.Contains(e.SummaryNotes, "Replaced the fuser unit") || !strings.Contains(e.SummaryNotes, halosim.Agent.Name):
			t.Fatalf("summaryNotes %q: want the note, headed by the unmapped agent's name", e.SummaryNotes)
		case e.BillingCodeID == nil || *e.BillingCodeID != autotasksim.BillingRemote:
			t.Fatalf("billingCodeID %v, want the default %d", e.BillingCodeID, autotasksim.BillingRemote)
		}
	}
	check("after the action")

	// Redeliver every webhook Halo sent, then change the ticket again: the
	// time is read each time and written never again.
	for _, d := range w.r.Sims.Halo.Deliveries() {
		w.r.Sims.Halo.Redeliver(d)
	}
	w.settle()
	check("after redelivery")
	mustNote(t, w.target.agent, dt.ID, platform.Note{Kind: "5", Body: "Partner update: fuser replaced", Public: true})
	w.settle()
	check("after a later action")
	applied := 0
	for _, e := range w.log("cust", "") {
		if e["what"] == "add time entry" && e["outcome"] == "applied" {
			applied++
		}
	}
	if applied != 1 {
		t.Fatalf("the log shows %d applied time entries, want 1", applied)
	}
}

// Time a mapped ConnectWise member charges to the MSP's service ticket
// lands on the Autotask customer's ticket credited to the resource the
// member maps to, its work type mapped to a billing code.
func TestTimeEntriesConnectWiseToAutotaskWithMappedMember(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, platform.Autotask, platform.ConnectWise, worldOptions{})
	at, cw := w.r.Sims.Autotask, w.r.Sims.ConnectWise
	w.configure("msp", connectwiseFromAutotaskTarget)
	cust := autotaskFromConnectWiseSource
	cust.TimeEntries = integration.TimeEntries{
		Enabled:          true,
		MemberMappings:   []integration.Mapping{{Partner: itoa(cw.Agent.ID), Mine: itoa(at.Agent.ResourceID)}},
		DefaultMember:    itoa(at.Integration.ResourceID),
		WorkTypeMappings: []integration.Mapping{{Partner: itoa(connectwisesim.WorkTypeOnsite), Mine: itoa(autotasksim.BillingOnsite)}},
		DefaultWorkType:  itoa(autotasksim.BillingRemote),
	}
	w.configure("cust", cust)

	st, err := w.source.agent.CreateTicket(ctx, outsourced)
	if err != nil {
		t.Fatal(err)
	}
	w.settle()
	dt := w.partnerTicket(st.ID)
	start := time.Date(2026, 11, 30, 13, 30, 0, 0, time.UTC)
	end := start.Add(45 * time.Minute)
	logger, ok := w.target.agent.(interface {
		AddTimeEntry(context.Context, string, platform.TimeEntry) (platform.TimeEntry, error)
	})
	if !ok {
		t.Fatal("the ConnectWise client cannot log time")
	}
	if _, err := logger.AddTimeEntry(ctx, dt.ID, platform.TimeEntry{Start: &start, End: &end, Minutes: 45, Note: "On site: new drum fitted",
		WorkerID: itoa(cw.Agent.ID), WorkType: itoa(connectwisesim.WorkTypeOnsite)}); err != nil {
		t.Fatal(err)
	}
	w.settle()
	// A later change of the ticket reads its time again.
	mustNote(t, w.target.agent, dt.ID, platform.Note{Kind: "discussion", Body: "Drum fitted, testing prints", Public: true})
	w.settle()

	sid, _ := strconv.ParseInt(st.ID, 10, 64)
	got := at.TimeEntries(sid)
	if len(got) != 1 {
		t.Fatalf("Autotask ticket holds %d time entries, want 1: %+v", len(got), got)
	}
	e := got[0]
	switch {
	case e.ResourceID != at.Agent.ResourceID:
		t.Fatalf("credited to resource %d, want the mapped %d", e.ResourceID, at.Agent.ResourceID)
	case e.BillingCodeID == nil || *e.BillingCodeID != autotasksim.BillingOnsite:
		t.Fatalf("billingCodeID %v, want the mapped %d", e.BillingCodeID, autotasksim.BillingOnsite)
	case e.HoursWorked != 0.75 || e.StartDateTime == nil || !e.StartDateTime.Equal(start) || e.EndDateTime == nil || !e.EndDateTime.Equal(end):
		t.Fatalf("worked %v hours from %v to %v, want 0.75 from %v to %v", e.HoursWorked, e.StartDateTime, e.EndDateTime, start, end)
	case e.SummaryNotes != "On site: new drum fitted":
		t.Fatalf("summaryNotes %q: a mapped member's note is kept as written", e.SummaryNotes)
	}
}

// Enabling time entries is refused with 422 and the reason: without a
// default member, on the target side, or with a platform that has no time.
func TestTimeEntryConfigurationIsRefusedOverHTTP(t *testing.T) {
	w := newWorld(t, platform.Autotask, platform.Halo, worldOptions{})
	w.configure("msp", haloFromAutotask)
	put := func(org string, cfg integration.Config, want string) {
		t.Helper()
		cur := w.mustAPI(org, "GET", "/v1/connections/"+w.connID+"/config", nil, 200)
		cfg.Version = int64(cur["version"].(float64))
		res, _ := w.mustAPI(org, "PUT", "/v1/connections/"+w.connID+"/config", cfg, 422)["error"].(map[string]any)
		if res["code"] != "invalid_configuration" || !strings.Contains(res["message"].(string), want) {
			t.Fatalf("answer %v, want invalid_configuration naming %q", res, want)
		}
	}
	cust := autotaskFromHalo
	cust.TimeEntries = integration.TimeEntries{Enabled: true, DefaultWorkType: itoa(autotasksim.BillingRemote)}
	put("cust", cust, "timeEntries.defaultMember")
	msp := haloFromAutotask
	msp.TimeEntries = integration.TimeEntries{Enabled: true, DefaultMember: "5"}
	put("msp", msp, "applies only to the source side")
}

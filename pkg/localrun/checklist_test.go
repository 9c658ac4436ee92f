package localrun_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/localrun"
	"github.com/tandemsync/tandem/pkg/platform"
)

// ConnectWise's preparation checklist through the HTTP API: a service board
// without a default team is reported with its fix, a connection is not
// activated while a required item fails — for the side that is ConnectWise
// and for its partner — and the same code activates it once fixed.
func TestConnectWiseChecklistGatesActivation(t *testing.T) {
	r, err := localrun.Start(context.Background(), localrun.Options{
		Addr: "127.0.0.1:0", ManualQueues: true, Simulators: true, WrapHTTP: contracted(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	w := &world{t: t, r: r, source: side{org: "cust", kind: platform.Halo}, target: side{org: "msp", kind: platform.ConnectWise}}
	cw := r.Sims.ConnectWise
	// Board 3 is inactive, so no board the API member can use has a team.
	cw.SetDefaultTeam(1, false)
	cw.SetDefaultTeam(2, false)
	for _, s := range []side{w.source, w.target} {
		creds, _ := r.Sims.IntegrationCredentials(s.kind)
		w.mustAPI(s.org, "PUT", "/v1/settings/platform", map[string]any{"platform": s.kind, "credentials": creds}, 200)
	}

	const fix = `Board "Help Desk" (1) has no default team. In System > Setup Tables > Service Board open the board, and on its Teams tab mark one team as the default`
	res := w.mustAPI("msp", "POST", "/v1/settings/platform/test", map[string]string{"board": "1"}, 200)
	if res["status"] != "Test failed" || res["reasonCode"] != "not_permitted" || !strings.HasPrefix(res["reason"].(string), "Default team: "+fix) {
		t.Fatalf("test of board 1: %v", res)
	}
	wantChecklist(t, res, map[string]string{"Default team": fix})
	res = w.mustAPI("msp", "POST", "/v1/settings/platform/test", nil, 200)
	wantChecklist(t, res, map[string]string{"Default team": `None of the boards the API member can use has one: boards "Help Desk" (1), "Professional Services" (2) has no default team`})
	if got := w.mustAPI("msp", "GET", "/v1/settings/platform", nil, 200)["lastTest"].(map[string]any); got["checklist"] == nil {
		t.Fatalf("last test saved without its checklist: %v", got)
	}
	if res := w.mustAPI("cust", "POST", "/v1/settings/platform/test", nil, 200); res["status"] != "Connection tested" || res["checklist"] != nil {
		t.Fatalf("Halo has no checklist: %v", res)
	}

	// The ConnectWise side accepting is told what to fix.
	toMSP := w.mustAPI("cust", "POST", "/v1/connections", map[string]string{"role": "source", "contractName": "Checklist"}, 201)
	w.connID = toMSP["id"].(string)
	status, out := w.api("msp", "POST", "/v1/connections/accept", map[string]string{"verificationCode": toMSP["verificationCode"].(string)})
	if e := apiError(out); status != 409 || e["code"] != "platform_not_ready" || !strings.Contains(e["message"], "Default team: ") || !strings.Contains(e["message"], "Teams tab") {
		t.Fatalf("accept with a board lacking a default team: %d %v", status, out)
	}
	// Its partner accepting a code the ConnectWise side created learns only
	// that the partner must fix something.
	fromMSP := w.mustAPI("msp", "POST", "/v1/connections", map[string]string{"role": "target", "contractName": "Checklist 2"}, 201)
	status, out = w.api("cust", "POST", "/v1/connections/accept", map[string]string{"verificationCode": fromMSP["verificationCode"].(string)})
	if e := apiError(out); status != 409 || e["code"] != "partner_not_ready" || strings.Contains(e["message"], "Help Desk") {
		t.Fatalf("partner accepting: %d %v", status, out)
	}
	list := w.mustAPI("cust", "GET", "/v1/connections", nil, 200)
	if n := len(list["active"].([]any)); n != 0 {
		t.Fatalf("%d connections activated while a required item fails", n)
	}

	// Fixed in ConnectWise, the test passes and the same code activates.
	cw.SetDefaultTeam(1, true)
	res = w.mustAPI("msp", "POST", "/v1/settings/platform/test", map[string]string{"board": "1"}, 200)
	if res["status"] != "Connection tested" {
		t.Fatalf("test after the fix: %v", res)
	}
	wantChecklist(t, res, nil)
	w.mustAPI("msp", "POST", "/v1/connections/accept", map[string]string{"verificationCode": toMSP["verificationCode"].(string)}, 200)

	// The configuration's board is held to the same rule: board 2 still
	// has no default team, board 1 now has one.
	onBoard2 := connectwiseFromHalo
	onBoard2.Board = "2"
	status, out = w.api("msp", "PUT", "/v1/connections/"+w.connID+"/config", onBoard2)
	if e := apiError(out); status != 422 || !strings.Contains(e["message"], `board "2" has no default team`) {
		t.Fatalf("configuration on a board without a default team: %d %v", status, out)
	}
	w.configure("msp", connectwiseFromHalo)
	if got := w.mustAPI("msp", "GET", "/v1/connections/"+w.connID+"/config", nil, 200); got["board"] != "1" {
		t.Fatalf("configuration not saved: %v", got)
	}
}

// wantChecklist checks the eight ConnectWise items in order: the failing
// ones with a fix that starts with the given text, the rest passing.
func wantChecklist(t *testing.T, res map[string]any, failing map[string]string) {
	t.Helper()
	items, _ := res["checklist"].([]any)
	order := []string{"API member", "Keys valid", "Client ID accepted", "Board access", "Default team", "Statuses", "Create tickets and notes", "Manage callbacks"}
	if len(items) != len(order) {
		t.Fatalf("checklist %v, want the items %v", res["checklist"], order)
	}
	for i, raw := range items {
		it := raw.(map[string]any)
		fix, fails := failing[order[i]]
		fixText, _ := it["fix"].(string)
		switch {
		case it["item"] != order[i] || it["required"] != true:
			t.Errorf("item %d = %v, want required %q", i, it, order[i])
		case fails && (it["ok"] != false || !strings.HasPrefix(fixText, fix)):
			t.Errorf("%s = %v, want it failing with %q", order[i], it, fix)
		case !fails && (it["ok"] != true || fixText != ""):
			t.Errorf("%s = %v, want it passing", order[i], it)
		}
	}
}

func apiError(out map[string]any) map[string]string {
	e, _ := out["error"].(map[string]any)
	code, _ := e["code"].(string)
	msg, _ := e["message"].(string)
	return map[string]string{"code": code, "message": msg}
}

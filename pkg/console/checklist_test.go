package console_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/localrun"
	"github.com/tandemsync/tandem/pkg/platform"
)

// The settings page shows ConnectWise's preparation checklist after a
// test: every item, and a failing one with its fix.
func TestSettingsShowChecklist(t *testing.T) {
	r, err := localrun.Start(context.Background(), localrun.Options{Addr: "127.0.0.1:0", Simulators: true, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	r.Sims.ConnectWise.SetDefaultTeam(1, false)
	r.Sims.ConnectWise.SetDefaultTeam(2, false)
	m := newBrowser(t).tab("org M (msp)", r.URL)
	m.signIn("msp")
	creds, _ := r.Sims.IntegrationCredentials(platform.ConnectWise)
	putJSON(t, r.URL+"/v1/settings/platform", "msp", map[string]any{"platform": platform.ConnectWise, "credentials": creds})
	m.open("#/settings")
	m.click("main", "Test connection")
	m.waitText("Failed: Default team")
	shown := m.text("#test-result")
	for _, want := range []string{"Test failed", "preparation checklist", "Passed: API member", "Passed: Manage callbacks", "has no default team", "Teams tab"} {
		if !strings.Contains(shown, want) {
			t.Errorf("test result lacks %q:\n%s", want, shown)
		}
	}
	m.accessible("settings with a failing checklist")

	r.Sims.ConnectWise.SetDefaultTeam(1, true)
	m.click("main", "Test connection")
	m.waitText("Passed: Default team")
	if shown := m.text("#test-result"); !strings.Contains(shown, "Connection tested") || strings.Contains(shown, "Failed:") {
		t.Errorf("after the fix the result shows:\n%s", shown)
	}
}

package halosim_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/halo/halosim"
)

// A ticket's team is written by name; a team_id in a write, which Halo's
// schema does not have, is refused instead of silently ignored.
func TestTeamIsWrittenByName(t *testing.T) {
	s := halosim.New(t, halosim.Options{})
	ss := signIn(t, s, halosim.Integration)
	for _, tt := range []struct {
		name   string
		item   map[string]any
		status int
		team   int
	}{
		{"by name", map[string]any{"summary": "x", "team": "2nd line support"}, 200, 2},
		{"unknown name", map[string]any{"summary": "x", "team": "Night Shift"}, 400, 0},
		{"by id", map[string]any{"summary": "x", "team_id": 2}, 400, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body := ss.api(http.MethodPost, "/Tickets", []map[string]any{tt.item})
			if status != tt.status {
				t.Fatalf("POST: %d %s, want %d", status, body, tt.status)
			}
			if status != 200 {
				if !strings.Contains(string(body), "team") {
					t.Fatalf("refusal %s does not name the field", body)
				}
				return
			}
			var tk struct {
				TeamID int    `json:"team_id"`
				Team   string `json:"team"`
			}
			if err := json.Unmarshal(body, &tk); err != nil || tk.TeamID != tt.team || tk.Team != "2nd Line Support" {
				t.Fatalf("created %s (%v), want team %d", body, err, tt.team)
			}
		})
	}
}

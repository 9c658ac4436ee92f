package connectwise

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/connectwise/connectwisesim"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/vendorfixture"
)

func TestChecklist(t *testing.T) {
	all := []string{ItemAPIMember, ItemKeys, ItemClientID, ItemBoard, ItemTeam, ItemStatuses, ItemTickets, ItemCallbacks}
	cases := []struct {
		name  string
		board string
		agent bool // the keys of a technician, not an API member
		prep  func(s *connectwisesim.Server)
		edit  func(platform.Credentials)
		// failing items and a phrase of each one's fix
		fail    map[string]string
		refused bool // the checklist also returns ConnectWise's refusal
	}{
		{name: "prepared site, any board"},
		{name: "prepared site, chosen board", board: "2"},
		{name: "chosen board without a default team", board: "1",
			prep: func(s *connectwisesim.Server) { s.SetDefaultTeam(1, false) },
			fail: map[string]string{ItemTeam: `Board "Help Desk" (1) has no default team. In System > Setup Tables > Service Board`}},
		{name: "another board's default team does not count for the chosen one", board: "1",
			prep: func(s *connectwisesim.Server) { s.SetDefaultTeam(1, false); s.SetDefaultTeam(3, false) },
			fail: map[string]string{ItemTeam: `"Help Desk" (1)`}},
		{name: "no board has a default team", board: "",
			prep: func(s *connectwisesim.Server) { s.SetDefaultTeam(1, false); s.SetDefaultTeam(2, false) },
			fail: map[string]string{ItemTeam: `None of the boards the API member can use has one: boards "Help Desk" (1), "Professional Services" (2)`}},
		{name: "one board without a default team when no board is chosen",
			prep: func(s *connectwisesim.Server) { s.SetDefaultTeam(1, false) }},
		{name: "chosen board without statuses", board: "2",
			prep: func(s *connectwisesim.Server) { s.ClearStatuses(2) },
			fail: map[string]string{ItemStatuses: `Board "Professional Services" (2) has no active statuses`}},
		{name: "inactive board", board: "3",
			fail: map[string]string{ItemBoard: "Board 3 is not an active service board", ItemTeam: "Not checked", ItemStatuses: "Not checked"}},
		{name: "board the member is kept off", board: "1",
			prep: func(s *connectwisesim.Server) { s.ExcludeBoard(s.Integration.ID, 1) },
			fail: map[string]string{ItemBoard: "excluded service boards", ItemTeam: "Not checked", ItemStatuses: "Not checked"}},
		{name: "member kept off every board",
			prep: func(s *connectwisesim.Server) {
				s.ExcludeBoard(s.Integration.ID, 1)
				s.ExcludeBoard(s.Integration.ID, 2)
			},
			fail: map[string]string{ItemBoard: "can use no active service board", ItemTeam: "Not checked", ItemStatuses: "Not checked"}},
		{name: "role without Add on service tickets",
			prep: func(s *connectwisesim.Server) {
				s.SetLevels(s.Integration.ID, connectwisesim.FuncServiceTickets, connectwisesim.Levels{Add: "None", Edit: "All", Delete: "None", Inquire: "All"})
			},
			fail: map[string]string{ItemTickets: `open security role "Tandem Integration" and set Add Level of Service Desk > Service Tickets to All`}},
		{name: "role without service tickets at all",
			prep: func(s *connectwisesim.Server) {
				s.SetLevels(s.Integration.ID, connectwisesim.FuncServiceTickets, connectwisesim.NoAccess)
			},
			fail: map[string]string{ItemTickets: "set Add, Edit, Inquire Level"}},
		{name: "role without callbacks",
			prep: func(s *connectwisesim.Server) { s.DenyCallbacks(s.Integration.ID) },
			fail: map[string]string{ItemCallbacks: "access to System callbacks"}},
		{name: "a technician's keys", agent: true,
			fail: map[string]string{ItemAPIMember: `"jsmith", which is not an API member`}},
		{name: "wrong private key", edit: func(c platform.Credentials) { c["privateKey"] = "WrongWrongWrong1" }, refused: true,
			fail: map[string]string{ItemKeys: "Authentication failed", ItemAPIMember: "Not checked", ItemBoard: "Not checked",
				ItemTeam: "Not checked", ItemStatuses: "Not checked", ItemTickets: "Not checked", ItemCallbacks: "Not checked"}},
		{name: "unregistered client id", edit: func(c platform.Credentials) { c["clientId"] = "11111111-2222-3333-4444-555555555555" }, refused: true,
			fail: map[string]string{ItemClientID: "developer.connectwise.com/ClientID", ItemKeys: "Not checked", ItemAPIMember: "Not checked",
				ItemBoard: "Not checked", ItemTeam: "Not checked", ItemStatuses: "Not checked", ItemTickets: "Not checked", ItemCallbacks: "Not checked"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := connectwisesim.New(t)
			if c.prep != nil {
				c.prep(s)
			}
			m := s.Integration
			if c.agent {
				m = s.Agent
			}
			f := s.Credentials(m)
			if c.edit != nil {
				c.edit(f)
			}
			creds, err := ParseCredentials(f, true)
			if err != nil {
				t.Fatal(err)
			}
			items, err := New(creds, Options{AllowPrivate: true}).Checklist(testCtx(t), c.board)
			if c.refused {
				platformErr(t, err, platform.ReasonAuthFailed)
			} else if err != nil {
				t.Fatalf("Checklist: %v", err)
			}
			if len(items) != len(all) {
				t.Fatalf("items = %+v, want the %d items %v", items, len(all), all)
			}
			for i, it := range items {
				if it.Item != all[i] || !it.Required {
					t.Fatalf("item %d = %+v, want required %q", i, it, all[i])
				}
				phrase, shouldFail := c.fail[it.Item]
				switch {
				case shouldFail && it.OK:
					t.Errorf("%s passed, want it to fail with %q", it.Item, phrase)
				case shouldFail && !strings.Contains(it.Fix, phrase):
					t.Errorf("%s fix %q lacks %q", it.Item, it.Fix, phrase)
				case !shouldFail && (!it.OK || it.Fix != ""):
					t.Errorf("%s = %+v, want it to pass", it.Item, it)
				}
			}
		})
	}
}

// TestChecklistMatchesWhatTheSiteRefuses holds the checklist to the calls
// it predicts: a member it reports without ticket permission is refused
// the ticket, and one without callbacks the callback.
func TestChecklistMatchesWhatTheSiteRefuses(t *testing.T) {
	s := connectwisesim.New(t)
	s.SetLevels(s.Integration.ID, connectwisesim.FuncServiceTickets, connectwisesim.Levels{Add: "None", Edit: "None", Delete: "None", Inquire: "All"})
	s.DenyCallbacks(s.Integration.ID)
	cl := clientFor(t, s, s.Integration, Options{})
	ctx := testCtx(t)
	if _, err := cl.CreateTicket(ctx, platform.Ticket{Summary: "Printer on fire", Queue: "1"}); platform.ReasonOf(err) != platform.ReasonNotPermitted {
		t.Fatalf("CreateTicket without Add: %v, want not permitted", err)
	}
	if _, err := cl.RegisterWebhook(ctx, platform.WebhookSpec{URL: "https://hooks.example.com/cw/ep-1", Name: "Tandem sync"}); platform.ReasonOf(err) != platform.ReasonNotPermitted {
		t.Fatalf("callback without permission: %v, want not permitted", err)
	}
}

// The member record as a public connector's fixture has it: a full
// member's keys are not an API member's.
func TestMemberFixtureIsNotAnAPIMember(t *testing.T) {
	var me member
	if err := json.Unmarshal(vendorfixture.Read(t, "testdata/member-get.json"), &me); err != nil {
		t.Fatal(err)
	}
	if me.Identifier != "User1" || me.LicenseClass != "F" || me.SecurityRole == nil || me.SecurityRole.Name != "Admin" {
		t.Fatalf("parsed %+v", me)
	}
	it := apiMember(me, nil)
	if it.OK || !strings.Contains(it.Fix, `"User1", which is not an API member`) {
		t.Fatalf("item %+v", it)
	}
	me.LicenseClass = "A"
	if it := apiMember(me, nil); !it.OK {
		t.Fatalf("an API member failed: %+v", it)
	}
}

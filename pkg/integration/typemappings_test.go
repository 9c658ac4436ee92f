package integration

import (
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/platform"
)

// Autotask incidents (type "2") follow another workflow on the Halo side:
// "In Progress" (8) lands as "Action Required" (3) and "High" (1) as
// "Critical" (1); every other value falls back to the connection's rows.
func incidentRows() TypeMapping {
	return TypeMapping{
		PartnerType:      "2",
		StatusMappings:   []Mapping{{Partner: "8", Mine: "3"}},
		PriorityMappings: []Mapping{{Partner: "1", Mine: "1"}},
	}
}

func TestTypeMappingsOverrideTheConnectionRows(t *testing.T) {
	cfg := loadConfig(t, "autotask-halo-target.json") // 8 → 2, 1 → 2 connection-wide
	cfg.TypeMappings = []TypeMapping{incidentRows()}
	rules := Compile(cfg)
	ticket := func(typ, status, priority string) *platform.Ticket {
		return &platform.Ticket{ID: "9001", Summary: "VPN", Type: typ, Status: status, Priority: priority}
	}
	update := func(typ string, fields ...FieldChange) Change {
		return Change{Kind: TicketUpdated, TicketType: typ, Fields: fields}
	}
	cases := []struct {
		name             string
		change           Change
		status, priority string // of the command; "" when not set
		skipped          int
	}{
		{"created incident: its rows", Change{Kind: TicketCreated, Ticket: ticket("2", "8", "1")}, "3", "1", 0},
		{"created incident: connection row for a value it does not map", Change{Kind: TicketCreated, Ticket: ticket("2", "7", "2")}, "4", "3", 0},
		{"created service request: connection rows", Change{Kind: TicketCreated, Ticket: ticket("1", "8", "1")}, "2", "2", 0},
		{"incident updated", update("2", FieldChange{Field: FieldStatus, New: "8"}, FieldChange{Field: FieldPriority, New: "1"}), "3", "1", 0},
		{"incident updated to a value only the connection maps", update("2", FieldChange{Field: FieldStatus, New: "5"}), "9", "", 0},
		{"problem updated: connection rows", update("3", FieldChange{Field: FieldStatus, New: "8"}), "2", "", 0},
		{"incident updated to an unmapped value: skipped", update("2", FieldChange{Field: FieldStatus, New: "14"}), "", "", 1},
		{"incident closed", Change{Kind: TicketClosed, Ticket: ticket("2", "8", "")}, "3", "", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := rules.Translate(tc.change, autotaskOut)
			if err != nil {
				t.Fatal(err)
			}
			if len(plan.Skipped) != tc.skipped {
				t.Fatalf("skipped %+v, want %d", plan.Skipped, tc.skipped)
			}
			var status, priority string
			for _, c := range plan.Commands {
				switch {
				case c.Ticket != nil:
					status, priority = c.Ticket.Status, c.Ticket.Priority
				case c.Update != nil:
					status, priority = deref(c.Update.Status), deref(c.Update.Priority)
				case c.Op == OpCloseTicket:
					status = c.Status
				}
			}
			if status != tc.status || priority != tc.priority {
				t.Fatalf("status %q priority %q, want %q %q", status, priority, tc.status, tc.priority)
			}
		})
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func TestValidateTypeMappings(t *testing.T) {
	cases := []struct {
		name string
		rows []TypeMapping
		want []string
	}{
		{"valid", []TypeMapping{incidentRows()}, nil},
		{"unknown partner type", []TypeMapping{{PartnerType: "77", StatusMappings: []Mapping{{Partner: "8", Mine: "3"}}}},
			[]string{`typeMappings[0].partnerType: partner ticket type "77" does not exist on Autotask`}},
		{"type twice", []TypeMapping{incidentRows(), incidentRows()},
			[]string{`typeMappings[1]: partner ticket type "2" is already mapped in typeMappings[0]`}},
		{"no type", []TypeMapping{{StatusMappings: []Mapping{{Partner: "8", Mine: "3"}}}},
			[]string{`typeMappings[0].partnerType: is required`}},
		{"no rows", []TypeMapping{{PartnerType: "2"}},
			[]string{`typeMappings[0]: has no status or priority rows`}},
		{"rows checked like the connection's", []TypeMapping{{PartnerType: "2",
			StatusMappings:   []Mapping{{Partner: "8", Mine: "3"}, {Partner: "8", Mine: "4"}, {Partner: "99", Mine: "1"}},
			PriorityMappings: []Mapping{{Partner: "1", Mine: "42"}}}},
			[]string{
				`typeMappings[0].statusMappings[1]: partner status "8" is already mapped in typeMappings[0].statusMappings[0]`,
				`typeMappings[0].statusMappings[2]: partner status "99" does not exist on Autotask`,
				`typeMappings[0].priorityMappings[0]: priority "42" does not exist on Halo`,
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := targetFixture(t)
			f.cfg.TypeMappings = tc.rows
			got := fieldErrors(t, Validate(f.cfg, f.side, f.mine, f.partner))
			if len(got) != len(tc.want) {
				t.Fatalf("got %d errors, want %d:\n%s", len(got), len(tc.want), strings.Join(got, "\n"))
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("error %d:\n got %s\nwant %s…", i, got[i], w)
				}
			}
		})
	}
	t.Run("ConnectWise: a status of another board", func(t *testing.T) {
		f := connectwiseFixture(t)
		f.cfg.TypeMappings = []TypeMapping{{PartnerType: "2", StatusMappings: []Mapping{{Partner: "8", Mine: "610"}}}}
		got := fieldErrors(t, Validate(f.cfg, f.side, f.mine, f.partner))
		if len(got) != 1 || !strings.HasPrefix(got[0], `typeMappings[0].statusMappings[0]: status "610" (New (Projects)) belongs to board "20"`) {
			t.Fatalf("%q", got)
		}
	})
}

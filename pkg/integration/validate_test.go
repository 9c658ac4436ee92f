package integration

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/platform"
)

// fixture is one side's document with the catalogs it is validated against.
type fixture struct {
	cfg           Config
	side          Side
	mine, partner Catalog
}

func targetFixture(t *testing.T) fixture {
	return fixture{loadConfig(t, "autotask-halo-target.json"), haloTarget, haloCatalog(), autotaskCatalog()}
}

func sourceFixture(t *testing.T) fixture {
	return fixture{loadConfig(t, "autotask-halo-source.json"), autotaskSource, autotaskCatalog(), haloCatalog()}
}

// connectwiseFixture is a ConnectWise MSP receiving tickets from Autotask.
func connectwiseFixture(*testing.T) fixture {
	return fixture{
		cfg: Config{
			StatusMappings:     []Mapping{{Partner: "1", Mine: "550"}, {Partner: "8", Mine: "551"}},
			DefaultStatus:      "550",
			TicketTypeMappings: []Mapping{{Partner: "2", Mine: "101"}},
			DefaultTicketType:  "102",
			DefaultAction:      "int",
			Outbound:           Outbound{Actions: []string{"desc"}},
			Board:              "12",
		},
		side:    Side{Role: Target, Platform: platform.ConnectWise, Partner: platform.Autotask},
		mine:    connectwiseCatalog(),
		partner: autotaskCatalog(),
	}
}

// mailboxFixture is a Microsoft 365 support mailbox escalating to a Halo
// MSP, whose e-mail actions (1 and 9) land as the mailbox's replies.
func mailboxFixture(*testing.T) fixture {
	return fixture{
		cfg: Config{
			StatusMappings: []Mapping{{Partner: "1", Mine: "New"}},
			DefaultAction:  "reply",
			Outbound:       Outbound{Actions: []string{"mail"}},
			Escalation:     EscalationRule{Queues: []string{"inbox"}},
		},
		side: Side{Role: Source, Platform: platform.Graph, Partner: platform.Halo},
		mine: Catalog{Picklists: map[platform.PicklistKind][]platform.Option{
			platform.PickStatuses: {opt("New", "New")},
			platform.PickActions:  {email("reply", "Reply by e-mail"), opt("mail", "Mail received")},
			platform.PickQueues:   {opt("inbox", "Support inbox")},
		}},
		partner: haloCatalog(),
	}
}

// addMine appends an option to one of my catalog's picklists.
func (f *fixture) addMine(kind platform.PicklistKind, o platform.Option) {
	f.mine.Picklists[kind] = append(f.mine.Picklists[kind], o)
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name   string
		base   func(*testing.T) fixture
		mutate func(*fixture)
		// want lists the expected errors as "field: message fragment", one
		// per error, in order; empty means the document is valid.
		want []string
	}{
		{name: "role must be source or target", base: targetFixture,
			mutate: func(f *fixture) { f.side.Role = "supplier" },
			want:   []string{`role: must be "source" or "target"`}},

		// Sweep interval: both limits are allowed, one minute past either is not.
		{name: "sweep at the shortest interval", base: targetFixture,
			mutate: func(f *fixture) { f.cfg.SweepMinutes = MinSweepMinutes }},
		{name: "sweep at the longest interval", base: targetFixture,
			mutate: func(f *fixture) { f.cfg.SweepMinutes = MaxSweepMinutes }},
		{name: "sweep more often than the shortest", base: targetFixture,
			mutate: func(f *fixture) { f.cfg.SweepMinutes = MinSweepMinutes - 1 },
			want:   []string{`sweepMinutes: must be between 5 and 1440 minutes, got 4`}},
		{name: "sweep less often than the longest", base: targetFixture,
			mutate: func(f *fixture) { f.cfg.SweepMinutes = MaxSweepMinutes + 1 },
			want:   []string{`sweepMinutes: must be between 5 and 1440 minutes, got 1441`}},

		// Field types.
		{name: "date field mapped to a text field", base: targetFixture,
			mutate: func(f *fixture) { f.cfg.FieldMappings[4].Mine = "custom:CFContractRef" },
			want:   []string{`fieldMappings[4]: partner field "custom:Go-Live Date" is date but "custom:CFContractRef" is text; only fields of the same type`}},
		{name: "summary mapped to a text custom field", base: targetFixture,
			mutate: func(f *fixture) { f.cfg.FieldMappings[0].Mine = "custom:CFCustomerRef" }},
		{name: "field reference that is no field", base: targetFixture,
			mutate: func(f *fixture) {
				f.cfg.FieldMappings = append(f.cfg.FieldMappings, Mapping{Partner: "priority", Mine: "custom:CFCustomerRef"})
			},
			want: []string{`fieldMappings[5]: partner field "priority" is not summary, startDate, targetDate or custom:<key>`}},
		{name: "custom field missing on either platform", base: targetFixture,
			mutate: func(f *fixture) {
				f.cfg.FieldMappings = append(f.cfg.FieldMappings, Mapping{Partner: "custom:Region", Mine: "custom:CFRegion"})
			},
			want: []string{
				`fieldMappings[5]: partner custom field "Region" does not exist on Autotask`,
				`fieldMappings[5]: custom field "CFRegion" does not exist on Halo; define it under customFields`,
			}},

		// E-mail actions.
		{name: "e-mail action mapped to an e-mail action", base: sourceFixture,
			mutate: func(f *fixture) {
				f.addMine(platform.PickActions, email("30", "Email Contact"))
				f.cfg.ActionMappings = append(f.cfg.ActionMappings, ActionMapping{Partner: "1", Mine: "30"})
			},
			want: []string{`actionMappings[3]: partner action "1" (Email User) and action "30" (Email Contact) both send e-mail, so the mail would go out twice and the sync times out; map it to a note action`}},
		{name: "e-mail action mapped to a note action", base: sourceFixture,
			mutate: func(f *fixture) {
				f.addMine(platform.PickActions, email("30", "Email Contact"))
				f.cfg.ActionMappings = append(f.cfg.ActionMappings, ActionMapping{Partner: "1", Mine: "21"})
			}},
		{name: "e-mail default action would receive unmapped e-mail actions", base: sourceFixture,
			mutate: func(f *fixture) {
				f.addMine(platform.PickActions, email("30", "Email Contact"))
				f.cfg.DefaultAction = "30"
			},
			want: []string{
				`defaultAction: action "30" (Email Contact) sends e-mail and would receive the partner's unmapped e-mail action "1" (Email User)`,
				`defaultAction: action "30" (Email Contact) sends e-mail and would receive the partner's unmapped e-mail action "9" (Log to Supplier)`,
			}},
		{name: "e-mail default action once partner e-mail actions are mapped to notes", base: sourceFixture,
			mutate: func(f *fixture) {
				f.addMine(platform.PickActions, email("30", "Email Contact"))
				f.cfg.DefaultAction = "30"
				f.cfg.ActionMappings = append(f.cfg.ActionMappings,
					ActionMapping{Partner: "1", Mine: "21"}, ActionMapping{Partner: "9", Mine: "20"})
			}},

		// A support mailbox holds a note only as a reply mail: Halo's
		// e-mail action rules would refuse every mailbox configuration.
		{name: "support mailbox lands partner e-mail actions as replies", base: mailboxFixture},
		{name: "support mailbox, e-mail action mapped to its reply", base: mailboxFixture,
			mutate: func(f *fixture) { f.cfg.ActionMappings = []ActionMapping{{Partner: "1", Mine: "reply"}} }},

		// Values that must exist.
		{name: "partner status does not exist", base: targetFixture,
			mutate: func(f *fixture) {
				f.cfg.StatusMappings = append(f.cfg.StatusMappings, Mapping{Partner: "77", Mine: "2"})
			},
			want: []string{`statusMappings[6]: partner status "77" does not exist on Autotask`}},
		{name: "my priority does not exist", base: targetFixture,
			mutate: func(f *fixture) { f.cfg.PriorityMappings[1].Mine = "99" },
			want:   []string{`priorityMappings[1]: priority "99" does not exist on Halo`}},
		{name: "my status is inactive", base: sourceFixture,
			mutate: func(f *fixture) { f.cfg.StatusMappings[3].Mine = "14" },
			want:   []string{`statusMappings[3]: status "14" (Waiting Approval (old)) is inactive on Autotask; pick an active one`}},
		{name: "inactive partner status may still be mapped", base: targetFixture,
			mutate: func(f *fixture) {
				f.cfg.StatusMappings = append(f.cfg.StatusMappings, Mapping{Partner: "14", Mine: "3"})
			}},
		{name: "category, ticket type and action on the wrong platform", base: targetFixture,
			mutate: func(f *fixture) {
				f.cfg.CategoryMappings[0].Partner = "11"
				f.cfg.TicketTypeMappings[0].Mine = "2"
				f.cfg.ActionMappings[1].Mine = "13"
			},
			want: []string{
				`categoryMappings[0]: partner category "11" does not exist on Autotask`,
				`ticketTypeMappings[0]: ticket type "2" does not exist on Halo`,
				`actionMappings[1]: action "13" does not exist on Halo`,
			}},

		// Defaults.
		{name: "missing default action", base: sourceFixture,
			mutate: func(f *fixture) { f.cfg.DefaultAction = "" },
			want:   []string{`defaultAction: is required`}},
		{name: "missing default status", base: targetFixture,
			mutate: func(f *fixture) { f.cfg.DefaultStatus = "" },
			want:   []string{`defaultStatus: is required unless useTicketTypeDefaultStatus is set`}},
		{name: "ticket type default instead of a default status", base: targetFixture,
			mutate: func(f *fixture) { f.cfg.DefaultStatus, f.cfg.UseTicketTypeDefaultStatus = "", true }},
		{name: "default status and ticket type default together", base: targetFixture,
			mutate: func(f *fixture) { f.cfg.UseTicketTypeDefaultStatus = true },
			want:   []string{`defaultStatus: set either defaultStatus or useTicketTypeDefaultStatus, not both`}},
		{name: "missing default ticket type on the target", base: targetFixture,
			mutate: func(f *fixture) { f.cfg.DefaultTicketType = "" },
			want:   []string{`defaultTicketType: is required`}},
		{name: "no default ticket type on a target without ticket types", base: targetFixture,
			mutate: func(f *fixture) {
				f.cfg.DefaultTicketType, f.cfg.TicketTypeMappings = "", nil
				f.mine.Picklists[platform.PickTicketTypes] = []platform.Option{}
			}},

		// Creation settings belong to the target.
		{name: "ticket type mappings and creation defaults on a source side", base: sourceFixture,
			mutate: func(f *fixture) {
				f.cfg.TicketTypeMappings = []Mapping{{Partner: "1", Mine: "2"}}
				f.cfg.DefaultTicketType = "2"
				f.cfg.DefaultStatus = "1"
				f.cfg.UseTicketTypeDefaultStatus = true
			},
			want: []string{
				`ticketTypeMappings: applies only to the target side, which receives new tickets`,
				`defaultTicketType: applies only to the target side`,
				`defaultStatus: applies only to the target side`,
				`useTicketTypeDefaultStatus: applies only to the target side`,
			}},

		// Duplicates.
		{name: "partner status mapped twice", base: targetFixture,
			mutate: func(f *fixture) {
				f.cfg.StatusMappings = append(f.cfg.StatusMappings, Mapping{Partner: "1", Mine: "2"})
			},
			want: []string{`statusMappings[6]: partner status "1" is already mapped in statusMappings[0]`}},
		{name: "two partner statuses onto one of mine", base: sourceFixture,
			mutate: func(f *fixture) { f.cfg.StatusMappings[0].Mine = "8" }},
		{name: "partner field and action mapped twice", base: targetFixture,
			mutate: func(f *fixture) {
				f.cfg.FieldMappings = append(f.cfg.FieldMappings, Mapping{Partner: "summary", Mine: "custom:CFCustomerRef"})
				f.cfg.ActionMappings = append(f.cfg.ActionMappings, ActionMapping{Partner: "3", Mine: "2"})
			},
			want: []string{
				`fieldMappings[5]: partner field "summary" is already mapped in fieldMappings[0]`,
				`actionMappings[2]: partner note type "3" is already mapped in actionMappings[0]`,
			}},

		// Loops.
		{name: "received action lands on an action sent back out", base: targetFixture,
			mutate: func(f *fixture) { f.cfg.ActionMappings[0].Mine = "7" },
			want:   []string{`actionMappings[0]: action "7" is in outbound.actions, so every received action would be sent back to the partner in a loop`}},
		{name: "default action sent back out", base: targetFixture,
			mutate: func(f *fixture) { f.cfg.DefaultAction = "5" },
			want:   []string{`defaultAction: action "5" is in outbound.actions`}},
		{name: "received action not sent out", base: targetFixture,
			mutate: func(f *fixture) { f.cfg.ActionMappings[0].Mine = "2" }},

		// Visibility and outbound.
		{name: "unknown visibility", base: targetFixture,
			mutate: func(f *fixture) { f.cfg.ActionMappings[0].Visibility = "internal" },
			want:   []string{`actionMappings[0]: visibility "internal" is not public, private or empty`}},
		{name: "outbound action missing or listed twice", base: targetFixture,
			mutate: func(f *fixture) { f.cfg.Outbound.Actions = append(f.cfg.Outbound.Actions, "42", "7") },
			want: []string{
				`outbound.actions[3]: action "42" does not exist on Halo`,
				`outbound.actions[4]: action "7" is listed twice`,
			}},

		// ConnectWise board.
		{name: "ConnectWise target with a ready board", base: connectwiseFixture},
		{name: "ConnectWise target without a board", base: connectwiseFixture,
			mutate: func(f *fixture) { f.cfg.Board = "" },
			want:   []string{`board: is required: choose the ConnectWise service board`}},
		{name: "ConnectWise board does not exist", base: connectwiseFixture,
			mutate: func(f *fixture) { f.cfg.Board = "99" },
			want:   []string{`board: service board "99" does not exist on ConnectWise`}},
		{name: "ConnectWise board without statuses or default team", base: connectwiseFixture,
			mutate: func(f *fixture) { f.cfg.Board = "30" },
			want: []string{
				`board: board "30" has no statuses`,
				`board: board "30" has no default team`,
				`statusMappings[0]: status "550" (New) belongs to board "12", not to board "30"`,
				`statusMappings[1]: status "551" (In Progress) belongs to board "12", not to board "30"`,
				`defaultStatus: status "550" (New) belongs to board "12", not to board "30"`,
			}},
		{name: "ConnectWise status of another board", base: connectwiseFixture,
			mutate: func(f *fixture) { f.cfg.StatusMappings[1].Mine = "610" },
			want:   []string{`statusMappings[1]: status "610" (New (Projects)) belongs to board "20", not to board "12"`}},
		// The seed's Advanced Settings: one ConnectWise value may serve
		// several partner values, not every value needs a row, and
		// priorities belong to no board, whichever board is chosen.
		{name: "ConnectWise status used by two partner statuses", base: connectwiseFixture,
			mutate: func(f *fixture) {
				f.cfg.StatusMappings = []Mapping{{Partner: "1", Mine: "550"}, {Partner: "8", Mine: "550"}}
			}},
		{name: "ConnectWise priority used twice, on another board", base: connectwiseFixture,
			mutate: func(f *fixture) {
				f.cfg.Board = "20"
				f.cfg.StatusMappings = []Mapping{{Partner: "1", Mine: "610"}}
				f.cfg.DefaultStatus = "610"
				f.cfg.PriorityMappings = []Mapping{{Partner: "1", Mine: "8"}, {Partner: "2", Mine: "8"}}
			}},
		{name: "ConnectWise board whose default team the checklist did not find", base: connectwiseFixture,
			mutate: func(f *fixture) { f.mine.Boards["12"] = Board{HasStatuses: true} },
			want:   []string{`board: board "12" has no default team; set one in ConnectWise`}},
		{name: "board on a Halo side", base: targetFixture,
			mutate: func(f *fixture) { f.cfg.Board = "1" },
			want:   []string{`board: applies only to a ConnectWise target side`}},

		// Escalation.
		{name: "escalation rule on the target side", base: targetFixture,
			mutate: func(f *fixture) { f.cfg.Escalation = EscalationRule{Queues: []string{"1"}} },
			want:   []string{`escalation: applies only to the source side`}},
		{name: "source side without an escalation rule", base: sourceFixture,
			mutate: func(f *fixture) { f.cfg.Escalation = EscalationRule{} },
			want:   []string{`escalation: set at least one of queues, statuses, ticketTypes or flag`}},
		{name: "escalation rule naming missing values", base: sourceFixture,
			mutate: func(f *fixture) {
				f.cfg.Escalation = EscalationRule{
					Queues: []string{"6", "99"}, Statuses: []string{"98"}, TicketTypes: []string{"97"},
					Flag: Flag{Field: "Send to MSP"},
				}
			},
			want: []string{
				`escalation.queues[1]: queue "99" does not exist on Autotask`,
				`escalation.statuses[0]: status "98" does not exist on Autotask`,
				`escalation.ticketTypes[0]: ticket type "97" does not exist on Autotask`,
				`escalation.flag.field: custom field "Send to MSP" does not exist on Autotask`,
				`escalation.flag.value: is required`,
			}},
		{name: "escalation by status and ticket type only", base: sourceFixture,
			mutate: func(f *fixture) {
				f.cfg.Escalation = EscalationRule{Statuses: []string{"8"}, TicketTypes: []string{"2", "3"}}
			}},
		{name: "escalation flag on a defined custom field", base: sourceFixture,
			mutate: func(f *fixture) {
				f.cfg.CustomFields = []CustomFieldDef{{Name: "Send to MSP", Type: TypeBoolean}}
				f.cfg.Escalation.Flag.Field = "Send to MSP"
			}},

		// Custom field definitions.
		{name: "custom field definitions with every mistake", base: targetFixture,
			mutate: func(f *fixture) {
				f.cfg.CustomFields = append(f.cfg.CustomFields,
					CustomFieldDef{Name: "cfservicelevel", Type: TypeText},
					CustomFieldDef{Name: "", Type: TypeText},
					CustomFieldDef{Name: "CFRegion", Type: "enum"},
					CustomFieldDef{Name: "CFTier", Type: TypePicklist},
					CustomFieldDef{Name: "CFNotes", Type: TypeText, Values: []string{"a"}},
					CustomFieldDef{Name: "CFSize", Type: TypePicklist, Values: []string{"S", "S", ""}},
					CustomFieldDef{Name: "CFGoLive", Type: TypeText},
				)
			},
			want: []string{
				`customFields[1]: name "cfservicelevel" is already defined in customFields[0]`,
				`customFields[2]: name is required`,
				`customFields[3]: type "enum" is not one of text, number, date, boolean, picklist`,
				`customFields[4]: picklist "CFTier" needs at least one value`,
				`customFields[5]: only picklist fields have values; "CFNotes" is text`,
				`customFields[6]: picklist "CFSize" lists value "S" twice`,
				`customFields[6]: picklist "CFSize" has an empty value`,
				`customFields[7]: Halo already has field "CFGoLive" as date, not text`,
			}},
		{name: "custom field definition matching the platform's type", base: targetFixture,
			mutate: func(f *fixture) {
				f.cfg.CustomFields = append(f.cfg.CustomFields, CustomFieldDef{Name: "CFGoLive", Type: TypeDate})
			}},

		// The automatic initial sync's reach.
		{name: "initial sync reaching back a quarter", base: sourceFixture,
			mutate: func(f *fixture) { f.cfg.InitialSyncDays = 90 }},
		{name: "initial sync reaching back a year", base: sourceFixture,
			mutate: func(f *fixture) { f.cfg.InitialSyncDays = MaxInitialSyncDays }},
		{name: "initial sync reaching back further than a year", base: sourceFixture,
			mutate: func(f *fixture) { f.cfg.InitialSyncDays = MaxInitialSyncDays + 1 },
			want:   []string{`initialSyncDays: must be between 1 and 365 days, got 366`}},
		{name: "initial sync reaching back a negative time", base: sourceFixture,
			mutate: func(f *fixture) { f.cfg.InitialSyncDays = -1 },
			want:   []string{`initialSyncDays: must be between 1 and 365 days, got -1`}},
		// Match rules.
		{name: "match rule on ConnectWise's external reference", base: connectwiseFixture,
			mutate: func(f *fixture) { f.cfg.MatchField = "externalXRef" }},
		{name: "match rule on another ConnectWise field", base: connectwiseFixture,
			mutate: func(f *fixture) { f.cfg.MatchField = "summary" },
			want:   []string{`matchField: must be "externalXRef", the ConnectWise field that holds another system's ticket reference, got "summary"`}},
		{name: "match rule on Halo", base: targetFixture,
			mutate: func(f *fixture) { f.cfg.MatchField = "thirdpartyid" },
			want:   []string{`matchField: Halo has no field its tickets can be searched by`}},
		{name: "match rule on the source", base: sourceFixture,
			mutate: func(f *fixture) { f.cfg.MatchField = "externalID" },
			want:   []string{`matchField: applies only to the target side`}},
		{name: "initial sync days on the target", base: targetFixture,
			mutate: func(f *fixture) { f.cfg.InitialSyncDays = 30 },
			want:   []string{`initialSyncDays: applies only to the source side`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.base(t)
			if tc.mutate != nil {
				tc.mutate(&f)
			}
			err := Validate(f.cfg, f.side, f.mine, f.partner)
			got := fieldErrors(t, err)
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
}

// fieldErrors flattens a Validate result, failing if it is not the typed error.
func fieldErrors(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve *platform.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate returned %T, want *platform.ValidationError: %v", err, err)
	}
	out := make([]string, len(ve.Fields))
	for i, f := range ve.Fields {
		out[i] = f.Error()
	}
	return out
}

// TestValidateReportsEveryProblem proves one call lists all problems, so an
// administrator fixes a document in one round trip.
func TestValidateReportsEveryProblem(t *testing.T) {
	f := targetFixture(t)
	f.cfg.DefaultAction = ""
	f.cfg.DefaultStatus = ""
	f.cfg.StatusMappings[0].Partner = "77"
	got := fieldErrors(t, Validate(f.cfg, f.side, f.mine, f.partner))
	for _, field := range []string{"statusMappings[0]", "defaultStatus", "defaultAction"} {
		if !slices.ContainsFunc(got, func(e string) bool { return strings.HasPrefix(e, field+": ") }) {
			t.Errorf("no error for %s in %q", field, got)
		}
	}
}

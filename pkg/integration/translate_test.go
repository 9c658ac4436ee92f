package integration

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
)

var (
	due     = time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC)
	started = time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)
	noted   = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	// autotaskOut is the Autotask (sending) side's outbound settings from the
	// source example, plus note type 1 so the default action can be exercised.
	autotaskOut = Outbound{Attachments: true, Actions: []string{"3", "13", "1"}}
)

// autotaskTicket is a partner ticket as the Autotask package reads it.
func autotaskTicket() platform.Ticket {
	return platform.Ticket{
		ID: "9001", Number: "T20261125.0042", Summary: "VPN drops every hour", Description: "Since Monday.",
		Status: "8", Priority: "1", Type: "2", Category: "2", Queue: "6",
		StartDate: &started, TargetDate: &due,
		Custom: map[string]string{"Contract Number": "C-118", "Service Level": "Gold", "Escalate to MSP": "true"},
	}
}

func TestTranslate(t *testing.T) {
	halo := loadConfig(t, "autotask-halo-target.json")
	withTypeDefault := halo
	withTypeDefault.DefaultStatus, withTypeDefault.UseTicketTypeDefaultStatus = "", true
	noDefaultStatus := halo
	noDefaultStatus.DefaultStatus = ""
	noDefaultAction := halo
	noDefaultAction.DefaultAction = ""
	connectwise := connectwiseFixture(t).cfg
	autotaskSide := loadConfig(t, "autotask-halo-source.json")
	autotaskSide.DefaultStatus = "1"
	typesNoDefault := halo
	typesNoDefault.DefaultTicketType = ""

	unmappedTicket := autotaskTicket()
	unmappedTicket.Status, unmappedTicket.Type, unmappedTicket.Priority, unmappedTicket.Category = "13x", "5", "9", ""
	unmappedTicket.StartDate, unmappedTicket.TargetDate, unmappedTicket.Custom = nil, nil, nil

	report := platform.Attachment{ID: "a1", TicketID: "9001", NoteID: "n1", Name: "trace.pcap", Size: 2048, Public: true}
	note := func(kind string, public bool) *platform.Note {
		return &platform.Note{ID: "n1", TicketID: "9001", Kind: kind, Title: "Update", Body: "Rebooted the firewall.", Public: public, AuthorID: "29682885", CreatedAt: noted}
	}
	halonote := func(kind string, public bool) Command {
		return Command{Op: OpAddNote, Note: &platform.Note{Kind: kind, Title: "Update", Body: "Rebooted the firewall.", Public: public, CreatedAt: noted}}
	}
	attach := func(public bool) Command {
		a := report
		a.Public = public
		return Command{Op: OpAddAttachment, Attachment: &a}
	}

	cases := []struct {
		name    string
		cfg     Config
		sender  Outbound
		change  Change
		want    Plan
		wantErr error
	}{
		{
			name: "created: every value mapped, unmapped fields reported", cfg: halo, sender: autotaskOut,
			change: Change{Kind: TicketCreated, Ticket: new(autotaskTicket()), Attachments: []platform.Attachment{report}},
			want: Plan{
				Commands: []Command{
					{Op: OpCreateTicket, Ticket: &platform.Ticket{
						Summary: "VPN drops every hour", Description: "Since Monday.",
						Status: "2", Priority: "2", Type: "1", Category: "11", TargetDate: &due,
						Custom: map[string]string{"CFContractRef": "C-118", "CFServiceLevel": "Gold"},
					}},
					attach(true),
				},
				Skipped: []Skipped{
					{What: "field startDate", Reason: "no field mapping, so it is not synced"},
					{What: "field custom:Escalate to MSP", Reason: "no field mapping, so it is not synced"},
				},
			},
		},
		{
			name: "created: unmapped status and type take the defaults, unmapped priority is not guessed", cfg: halo, sender: autotaskOut,
			change: Change{Kind: TicketCreated, Ticket: &unmappedTicket},
			want: Plan{
				Commands: []Command{{Op: OpCreateTicket, Ticket: &platform.Ticket{
					Summary: "VPN drops every hour", Description: "Since Monday.", Status: "1", Type: "28",
				}}},
				Skipped:  []Skipped{{What: `priority "9"`, Reason: `partner priority "9" has no mapping; the platform's default applies`}},
				Unmapped: []Unmapped{{FieldTicketType, "5"}, {FieldStatus, "13x"}, {FieldPriority, "9"}},
			},
		},
		{
			name: "created: ticket type default status leaves the status to the platform", cfg: withTypeDefault, sender: autotaskOut,
			change: Change{Kind: TicketCreated, Ticket: &platform.Ticket{Summary: "s", Status: "13x", Type: "2"}},
			want: Plan{Commands: []Command{{Op: OpCreateTicket, Ticket: &platform.Ticket{Summary: "s", Type: "1"}}},
				Unmapped: []Unmapped{{FieldStatus, "13x"}}},
		},
		{
			name: "created: lands on the ConnectWise board", cfg: connectwise, sender: autotaskOut,
			change: Change{Kind: TicketCreated, Ticket: &platform.Ticket{Summary: "s", Status: "1", Type: "2"}},
			want:   Plan{Commands: []Command{{Op: OpCreateTicket, Ticket: &platform.Ticket{Summary: "s", Status: "550", Type: "101", Queue: "12"}}}},
		},
		{
			name: "created: attachments stay behind when the sender does not sync them", cfg: halo, sender: Outbound{Actions: autotaskOut.Actions},
			change: Change{Kind: TicketCreated, Ticket: &platform.Ticket{Summary: "s", Status: "1", Type: "2"}, Attachments: []platform.Attachment{report}},
			want: Plan{
				Commands: []Command{{Op: OpCreateTicket, Ticket: &platform.Ticket{Summary: "s", Status: "1", Type: "1"}}},
				Skipped:  []Skipped{{What: `attachment "trace.pcap"`, Reason: "the partner does not sync attachments out (its outbound.attachments is off)"}},
			},
		},
		{
			name: "created on a side that maps ticket types without a default fails when the type is unmapped", cfg: typesNoDefault, sender: autotaskOut,
			change:  Change{Kind: TicketCreated, Ticket: &platform.Ticket{Summary: "s", Status: "1", Type: "5"}},
			wantErr: ErrCannotCreate,
		},
		{
			// Validation allows this only on a platform without ticket
			// types (Microsoft 365 mail).
			name: "created on a side that uses no ticket types has none", cfg: autotaskSide, sender: autotaskOut,
			change: Change{Kind: TicketCreated, Ticket: &platform.Ticket{Summary: "s", Status: "1", Type: "2"}},
			want:   Plan{Commands: []Command{{Op: OpCreateTicket, Ticket: &platform.Ticket{Summary: "s", Status: "1"}}}},
		},
		{
			name: "created without a default status fails when the status is unmapped", cfg: noDefaultStatus, sender: autotaskOut,
			change:  Change{Kind: TicketCreated, Ticket: &unmappedTicket},
			wantErr: ErrCannotCreate,
		},
		{
			name: "updated: mapped picklists and fields become one update", cfg: halo, sender: autotaskOut,
			change: Change{Kind: TicketUpdated, Fields: []FieldChange{
				{Field: FieldStatus, Old: "1", New: "7"},
				{Field: FieldPriority, Old: "2", New: "4"},
				{Field: FieldCategory, Old: "2", New: "3"},
				{Field: FieldTicketType, Old: "2", New: "3"},
				{Field: FieldSummary, New: "VPN drops every 5 minutes"},
				{Field: FieldTargetDate, New: "2026-12-01T17:00:00Z"},
				{Field: CustomField("Contract Number"), Old: "C-118", New: "C-119"},
			}},
			want: Plan{Commands: []Command{{Op: OpUpdateTicket, Update: &platform.TicketUpdate{
				Summary: new("VPN drops every 5 minutes"), Status: new("4"), Priority: new("1"), Category: new("12"), Type: new("4"),
				TargetDate: &due, Custom: map[string]string{"CFContractRef": "C-119"},
			}}}},
		},
		{
			name: "updated: unmapped values are skipped with their reason, never guessed", cfg: halo, sender: autotaskOut,
			change: Change{Kind: TicketUpdated, Fields: []FieldChange{
				{Field: FieldStatus, Old: "8", New: "12"},
				{Field: FieldStartDate, New: "2026-11-25T09:30:00Z"},
				{Field: CustomField("Escalate to MSP"), New: "false"},
				{Field: FieldTargetDate, New: "next Tuesday"},
				{Field: FieldTargetDate, Old: "2026-12-01T17:00:00Z", New: ""},
			}},
			want: Plan{Skipped: []Skipped{
				{What: `status "12"`, Reason: `partner status "12" has no mapping; the field is left unchanged`},
				{What: "field startDate", Reason: "no field mapping, so it is not synced"},
				{What: "field custom:Escalate to MSP", Reason: "no field mapping, so it is not synced"},
				{What: "field targetDate", Reason: `"next Tuesday" is not an RFC 3339 date`},
				{What: "field targetDate", Reason: "clearing a date is not supported: platform.TicketUpdate cannot express it"},
			}, Unmapped: []Unmapped{{FieldStatus, "12"}}},
		},
		{
			name: "updated: a ticket type change on a side without type mappings is skipped", cfg: autotaskSide, sender: Outbound{},
			change: Change{Kind: TicketUpdated, Fields: []FieldChange{{Field: FieldTicketType, Old: "1", New: "4"}, {Field: FieldStatus, Old: "2", New: "8"}}},
			want: Plan{
				Commands: []Command{{Op: OpUpdateTicket, Update: &platform.TicketUpdate{Status: new("5")}}},
				Skipped:  []Skipped{{What: `ticket type "4"`, Reason: `partner ticket type "4" has no mapping; the field is left unchanged`}},
				Unmapped: []Unmapped{{FieldTicketType, "4"}},
			},
		},
		{
			name: "note: a public note made private by its mapping, files follow it", cfg: halo, sender: autotaskOut,
			change: Change{Kind: NoteAdded, Note: note("3", true), Attachments: []platform.Attachment{report}},
			want:   Plan{Commands: []Command{halonote("3", false), attach(false)}},
		},
		{
			name: "note: a public note stays public without an override", cfg: halo, sender: autotaskOut,
			change: Change{Kind: NoteAdded, Note: note("13", true)},
			want:   Plan{Commands: []Command{halonote("4", true)}},
		},
		{
			name: "note: an unmapped private note lands on the default action and stays private", cfg: halo, sender: autotaskOut,
			change: Change{Kind: NoteAdded, Note: note("1", false), Attachments: []platform.Attachment{report}},
			want:   Plan{Commands: []Command{halonote("2", false), attach(false)}},
		},
		{
			name: "note: an unmapped public note stays public on the default action", cfg: halo, sender: autotaskOut,
			change: Change{Kind: NoteAdded, Note: note("1", true)},
			want:   Plan{Commands: []Command{halonote("2", true)}},
		},
		{
			name: "note: a note type the partner does not send out is skipped with its files", cfg: halo, sender: autotaskOut,
			change: Change{Kind: NoteAdded, Note: note("2", true), Attachments: []platform.Attachment{report}},
			want:   Plan{Skipped: []Skipped{{What: `note "n1"`, Reason: `partner action "2" is not in the partner's outbound actions, so it stays on the partner's side`}}},
		},
		{
			name: "note: unmapped without a default action is skipped", cfg: noDefaultAction, sender: autotaskOut,
			change: Change{Kind: NoteAdded, Note: note("1", true)},
			want:   Plan{Skipped: []Skipped{{What: `note "n1"`, Reason: `partner action "1" has no mapping and there is no default action`}}},
		},
		{
			name: "closed: the mapped closing status", cfg: halo, sender: autotaskOut,
			change: Change{Kind: TicketClosed, Ticket: &platform.Ticket{ID: "9001", Status: "5", Closed: true}},
			want:   Plan{Commands: []Command{{Op: OpCloseTicket, Status: "9"}}},
		},
		{
			name: "closed: an unmapped closing status leaves the choice to the platform", cfg: halo, sender: autotaskOut,
			change: Change{Kind: TicketClosed, Ticket: &platform.Ticket{ID: "9001", Status: "31", Closed: true}},
			want:   Plan{Commands: []Command{{Op: OpCloseTicket}}, Unmapped: []Unmapped{{FieldStatus, "31"}}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Translate(tc.change, tc.cfg, tc.sender)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				g, _ := json.MarshalIndent(got, "", "  ")
				w, _ := json.MarshalIndent(tc.want, "", "  ")
				t.Fatalf("plan:\n%s\nwant:\n%s", g, w)
			}
		})
	}
}

// TestTranslateRejectsMalformedChanges proves a change missing its payload
// is an error, not an empty plan that would be logged as applied.
func TestTranslateRejectsMalformedChanges(t *testing.T) {
	rules := Compile(loadConfig(t, "autotask-halo-target.json"))
	for _, c := range []Change{{Kind: TicketCreated}, {Kind: NoteAdded}, {Kind: "ticket.merged"}} {
		if _, err := rules.Translate(c, autotaskOut); err == nil {
			t.Errorf("%s: no error", c.Kind)
		}
	}
}

// TestPlanTravelsAsJSON proves a change and its plan survive the queues.
func TestPlanTravelsAsJSON(t *testing.T) {
	change := Change{Kind: TicketCreated, Ticket: new(autotaskTicket())}
	plan, err := Translate(change, loadConfig(t, "autotask-halo-target.json"), autotaskOut)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []any{&change, &plan} {
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		back := reflect.New(reflect.TypeOf(v).Elem())
		if err := json.Unmarshal(raw, back.Interface()); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back.Interface(), v) {
			t.Errorf("%T changed in a JSON round trip: %s", v, raw)
		}
	}
}

package integration

import (
	"strings"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
)

// timeFixture is an Autotask customer (source) whose Halo or ConnectWise
// MSP logs time, with my billing codes in the catalog.
func timeFixture(partner platform.Kind) func(*testing.T) fixture {
	return func(t *testing.T) fixture {
		f := sourceFixture(t)
		f.side.Partner = partner
		if partner == platform.ConnectWise {
			// The rest of the document maps Halo's ids; only the work
			// types matter here.
			f.partner.Picklists[platform.PickWorkTypes] = []platform.Option{opt("1", "Remote Support"), opt("2", "Onsite")}
		}
		retired := opt("803", "Legacy Labour")
		retired.Active = false
		f.mine.Picklists[platform.PickWorkTypes] = []platform.Option{opt("801", "Remote Support"), opt("802", "Onsite Support"), retired}
		f.cfg.TimeEntries = TimeEntries{Enabled: true, DefaultMember: "29682886", DefaultWorkType: "801"}
		return f
	}
}

func TestValidateTimeEntries(t *testing.T) {
	cases := []struct {
		name   string
		base   func(*testing.T) fixture
		mutate func(*fixture)
		want   []string
	}{
		{name: "enabled with a default member and work type", base: timeFixture(platform.Halo)},
		{name: "mapped members and work types from ConnectWise", base: timeFixture(platform.ConnectWise), mutate: func(f *fixture) {
			f.cfg.TimeEntries.MemberMappings = []Mapping{{Partner: "102", Mine: "29682886"}, {Partner: "Jo@Example.com", Mine: "29682940"}}
			f.cfg.TimeEntries.WorkTypeMappings = []Mapping{{Partner: "2", Mine: "802"}}
			f.cfg.TimeEntries.Role = "29683464"
		}},
		{name: "off by default: no settings, no problem", base: sourceFixture},
		{name: "settings without enabling", base: timeFixture(platform.Halo),
			mutate: func(f *fixture) { f.cfg.TimeEntries.Enabled = false },
			want:   []string{"timeEntries.enabled: must be true"}},
		{name: "a default member is required", base: timeFixture(platform.Halo),
			mutate: func(f *fixture) { f.cfg.TimeEntries.DefaultMember = " " },
			want:   []string{"timeEntries.defaultMember: is required"}},
		{name: "only the source side takes time", base: timeFixture(platform.Halo),
			mutate: func(f *fixture) { f.side.Role = Target },
			want: []string{"defaultTicketType", "defaultStatus", "escalation",
				"timeEntries.enabled: applies only to the source side"}},
		{name: "a mailbox partner has no time", base: timeFixture(platform.Graph),
			want: []string{"timeEntries.enabled: the partner's platform (Microsoft 365 mail) has no time entries to send"}},
		{name: "a Zendesk partner has no time", base: timeFixture("zendesk"),
			want: []string{"timeEntries.enabled: the partner's platform (zendesk) has no time entries to send"}},
		{name: "a mailbox cannot receive time", base: mailboxFixture,
			mutate: func(f *fixture) { f.cfg.TimeEntries = TimeEntries{Enabled: true, DefaultMember: "x"} },
			want:   []string{"timeEntries.enabled: Microsoft 365 mail cannot receive time entries"}},
		{name: "Halo time has no work type to map", base: timeFixture(platform.Halo),
			mutate: func(f *fixture) { f.cfg.TimeEntries.WorkTypeMappings = []Mapping{{Partner: "1", Mine: "802"}} },
			want:   []string{"timeEntries.workTypeMappings: Halo time carries no work type"}},
		{name: "work type rows are checked on both platforms", base: timeFixture(platform.ConnectWise),
			mutate: func(f *fixture) {
				f.cfg.TimeEntries.WorkTypeMappings = []Mapping{{Partner: "9", Mine: "803"}, {Partner: "9", Mine: "801"}}
			},
			want: []string{
				`timeEntries.workTypeMappings[0]: partner work type "9" does not exist on ConnectWise`,
				`timeEntries.workTypeMappings[0]: billing code "803" (Legacy Labour) is inactive`,
				`timeEntries.workTypeMappings[1]: partner work type "9" is already mapped`,
				`timeEntries.workTypeMappings[1]: partner work type "9" does not exist`,
			}},
		{name: "Autotask needs a default billing code", base: timeFixture(platform.Halo),
			mutate: func(f *fixture) { f.cfg.TimeEntries.DefaultWorkType = "" },
			want:   []string{"timeEntries.defaultWorkType: is required on Autotask"}},
		{name: "the default billing code must be active", base: timeFixture(platform.Halo),
			mutate: func(f *fixture) { f.cfg.TimeEntries.DefaultWorkType = "803" },
			want:   []string{`timeEntries.defaultWorkType: billing code "803" (Legacy Labour) is inactive`}},
		{name: "a ConnectWise side needs no role", base: timeFixture(platform.Halo),
			mutate: func(f *fixture) { f.side.Platform = platform.ConnectWise },
			want:   nil},
		{name: "a role applies only to Autotask", base: timeFixture(platform.Halo),
			mutate: func(f *fixture) { f.side.Platform = platform.ConnectWise; f.cfg.TimeEntries.Role = "29683464" },
			want:   []string{"timeEntries.role: applies only to Autotask"}},
		{name: "member rows are complete and unique, e-mail case aside", base: timeFixture(platform.ConnectWise),
			mutate: func(f *fixture) {
				f.cfg.TimeEntries.MemberMappings = []Mapping{{Partner: "jo@example.com", Mine: "1"}, {Partner: "JO@example.com", Mine: "2"}, {Partner: "", Mine: "3"}, {Partner: "102"}}
			},
			want: []string{
				`timeEntries.memberMappings[1]: partner worker "JO@example.com" is already mapped in timeEntries.memberMappings[0]`,
				"timeEntries.memberMappings[2]: partner is required",
				"timeEntries.memberMappings[3]: mine is required",
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.base(t)
			if tc.mutate != nil {
				tc.mutate(&f)
			}
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
}

func TestTranslateTimeEntry(t *testing.T) {
	start := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	end := start.Add(time.Hour)
	on := Config{TimeEntries: TimeEntries{Enabled: true, DefaultMember: "dflt", DefaultWorkType: "w-dflt", Role: "r1",
		MemberMappings:   []Mapping{{Partner: "102", Mine: "m-102"}, {Partner: "Ann@Example.com", Mine: "m-ann"}},
		WorkTypeMappings: []Mapping{{Partner: "2", Mine: "w-2"}}}}
	entry := platform.TimeEntry{ID: "7", Start: &start, End: &end, Minutes: 60, Note: "Fixed it", WorkerName: "Jo Smith"}
	with := func(change func(*platform.TimeEntry)) platform.TimeEntry {
		e := entry
		change(&e)
		return e
	}
	cases := []struct {
		name   string
		cfg    Config
		in     platform.TimeEntry
		want   *platform.TimeEntry // nil: skipped
		reason string
	}{
		{name: "mapped by worker id, work type mapped", cfg: on, in: with(func(e *platform.TimeEntry) { e.WorkerID, e.WorkType = "102", "2" }),
			want: &platform.TimeEntry{Start: &start, End: &end, Minutes: 60, Note: "Fixed it", WorkerID: "m-102", WorkType: "w-2", Role: "r1"}},
		{name: "mapped by e-mail, any case", cfg: on, in: with(func(e *platform.TimeEntry) { e.WorkerID, e.WorkerEmail = "999", "ann@example.COM" }),
			want: &platform.TimeEntry{Start: &start, End: &end, Minutes: 60, Note: "Fixed it", WorkerID: "m-ann", WorkType: "w-dflt", Role: "r1"}},
		{name: "unmapped: the default member, the worker named in the note", cfg: on, in: with(func(e *platform.TimeEntry) { e.WorkerID, e.WorkType = "5", "9" }),
			want: &platform.TimeEntry{Start: &start, End: &end, Minutes: 60, Note: "Jo Smith worked:\n\nFixed it", WorkerID: "dflt", WorkType: "w-dflt", Role: "r1"}},
		{name: "no time recorded", cfg: on, in: with(func(e *platform.TimeEntry) { e.Minutes = 0 }), reason: "it records no time"},
		{name: "time entries off", cfg: Config{}, in: entry, reason: "time entries are not enabled"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Translate(Change{Kind: TimeLogged, Time: &tc.in}, tc.cfg, Outbound{})
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == nil {
				if len(p.Commands) != 0 || len(p.Skipped) != 1 || !strings.Contains(p.Skipped[0].Reason, tc.reason) {
					t.Fatalf("plan %+v, want only a skip saying %q", p, tc.reason)
				}
				return
			}
			if len(p.Commands) != 1 || p.Commands[0].Op != OpAddTimeEntry {
				t.Fatalf("plan %+v, want one time entry", p)
			}
			got := *p.Commands[0].TimeEntry
			w := *tc.want
			if got.WorkerID != w.WorkerID || got.WorkType != w.WorkType || got.Note != w.Note || got.Minutes != w.Minutes || got.Role != w.Role ||
				!got.Start.Equal(*w.Start) || !got.End.Equal(*w.End) || got.ID != "" {
				t.Fatalf("got %+v, want %+v", got, w)
			}
		})
	}
	if _, err := Translate(Change{Kind: TimeLogged}, on, Outbound{}); err == nil {
		t.Fatal("a time change without its entry was accepted")
	}
}

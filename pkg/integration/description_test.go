package integration

import (
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/platform"
)

func TestDescriptionParts(t *testing.T) {
	src := autotaskTicket()
	src.Contact, src.AccountName = "Jane Doe", "Acme Ltd"
	origin := Origin{Platform: platform.Autotask, PriorityName: "High"}
	for _, tc := range []struct {
		name  string
		parts []string
		want  string
	}{
		{"none: the description as it is", nil, "Since Monday."},
		{"the seed's order", []string{PartSummary, PartDescription, PartContact, PartAccount, PartPriority, "custom:Contract Number", PartLink},
			"Summary: VPN drops every hour\n\nSince Monday.\n\nContact: Jane Doe\nAccount: Acme Ltd\nPriority: High\nContract Number: C-118\nSource ticket: Autotask T20261125.0042 (id 9001)"},
		{"another order", []string{PartLink, PartDescription},
			"Source ticket: Autotask T20261125.0042 (id 9001)\n\nSince Monday."},
		{"empty parts left out", []string{PartContact, "custom:Missing", PartDescription}, "Contact: Jane Doe\n\nSince Monday."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := describe(tc.parts, src, origin); got != tc.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
	if got := describe([]string{PartPriority}, src, Origin{}); got != "Priority: 1" {
		t.Fatalf("without the priority's name: %q", got)
	}
}

func TestValidateDescriptionParts(t *testing.T) {
	for _, tc := range []struct {
		name  string
		base  func(*testing.T) fixture
		parts []string
		want  []string
	}{
		{"valid", targetFixture, []string{PartLink, PartDescription, "custom:Contract Number"}, nil},
		{"unknown part", targetFixture, []string{"assignee"}, []string{`descriptionParts[0]: "assignee" is not one of`}},
		{"twice", targetFixture, []string{PartSummary, PartSummary}, []string{`descriptionParts[1]: "summary" is already in descriptionParts[0]`}},
		{"not a partner field", targetFixture, []string{"custom:Region"}, []string{`descriptionParts[0]: partner custom field "Region" does not exist on Autotask`}},
		{"source side", sourceFixture, []string{PartSummary}, []string{`descriptionParts: applies only to the target side`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.base(t)
			f.cfg.DescriptionParts = tc.parts
			got := fieldErrors(t, Validate(f.cfg, f.side, f.mine, f.partner))
			if len(got) != len(tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("got %s, want %s…", got[i], w)
				}
			}
		})
	}
}

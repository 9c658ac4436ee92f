package integration

import (
	"errors"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/platform"
)

func TestOnRefusedTransitionIsValidated(t *testing.T) {
	cases := []struct {
		name    string
		fix     func(*testing.T) fixture
		value   string
		wantErr string // the message on onRefusedTransition, or "" for none
	}{
		{"unset is log", targetFixture, "", ""},
		{"log on the target", targetFixture, RefusedLog, ""},
		{"log on the source", sourceFixture, RefusedLog, ""},
		{"follow-up on the target", targetFixture, RefusedFollowUp, ""},
		{"follow-up on the source names the link's own ticket", sourceFixture, RefusedFollowUp, `"followUp" is for the target side`},
		{"an unknown value", targetFixture, "reopen", `must be "log" or "followUp", got "reopen"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.fix(t)
			f.cfg.OnRefusedTransition = tc.value
			err := Validate(f.cfg, f.side, f.mine, f.partner)
			var ve *platform.ValidationError
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if !errors.As(err, &ve) {
				t.Fatalf("Validate = %v, want a validation error", err)
			}
			for _, fe := range ve.Fields {
				if fe.Field == "onRefusedTransition" && strings.Contains(fe.Message, tc.wantErr) {
					return
				}
			}
			t.Fatalf("errors %+v lack onRefusedTransition: %s", ve.Fields, tc.wantErr)
		})
	}
}

func TestMapsAnswersForTheTableTranslationUses(t *testing.T) {
	r := Compile(Config{
		StatusMappings:     []Mapping{{Partner: "1", Mine: "10"}},
		PriorityMappings:   []Mapping{{Partner: "3", Mine: "30"}},
		CategoryMappings:   []Mapping{{Partner: "c", Mine: "C"}},
		TicketTypeMappings: []Mapping{{Partner: "t", Mine: "T"}},
		TypeMappings:       []TypeMapping{{PartnerType: "inc", StatusMappings: []Mapping{{Partner: "7", Mine: "70"}}}},
	})
	cases := []struct {
		field, typ, value string
		want              bool
	}{
		{FieldStatus, "", "1", true},
		{FieldStatus, "", "7", false},
		{FieldStatus, "inc", "7", true},  // the type's own row
		{FieldStatus, "inc", "1", true},  // the connection-wide row under it
		{FieldStatus, "inc", "8", false}, // neither
		{FieldPriority, "", "3", true},
		{FieldPriority, "", "4", false},
		{FieldCategory, "", "c", true},
		{FieldCategory, "", "d", false},
		{FieldTicketType, "", "t", true},
		{FieldTicketType, "", "u", false},
		{FieldSummary, "", "1", false}, // not a picklist
	}
	for _, tc := range cases {
		if got := r.Maps(tc.field, tc.typ, tc.value); got != tc.want {
			t.Errorf("Maps(%s, %q, %q) = %v, want %v", tc.field, tc.typ, tc.value, got, tc.want)
		}
	}
}

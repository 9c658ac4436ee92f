package integration

import (
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/platform"
)

func TestNoteAuthors(t *testing.T) {
	cfg := loadConfig(t, "autotask-halo-target.json")
	cfg.PersonMappings = []Mapping{{Partner: "Jane.Doe@Acme.example", Mine: "14"}, {Partner: "29682885", Mine: "15"}}
	rules := Compile(cfg)
	for _, tc := range []struct {
		name             string
		author           platform.Note
		wantID, wantBody string
	}{
		{"mapped by e-mail, any case", platform.Note{AuthorEmail: "jane.doe@acme.example", AuthorName: "Jane Doe", AuthorID: "77"}, "14", "Rebooted."},
		{"mapped by the partner's id", platform.Note{AuthorID: "29682885", AuthorName: "Sam Tech"}, "15", "Rebooted."},
		{"unmapped: the name heads the text", platform.Note{AuthorID: "78", AuthorName: "Ann Agent", AuthorEmail: "ann@acme.example"}, "", "Ann Agent wrote:\n\nRebooted."},
		{"unmapped and nameless: as it is", platform.Note{AuthorID: "79"}, "", "Rebooted."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := tc.author
			n.ID, n.Kind, n.Body = "n1", "7", "Rebooted."
			plan, err := rules.Translate(Change{Kind: NoteAdded, Note: &n}, Outbound{Actions: []string{"7"}})
			if err != nil || len(plan.Commands) != 1 {
				t.Fatalf("%+v %v", plan, err)
			}
			if got := plan.Commands[0].Note; got.AuthorID != tc.wantID || got.Body != tc.wantBody {
				t.Fatalf("author %q body %q, want %q %q", got.AuthorID, got.Body, tc.wantID, tc.wantBody)
			}
		})
	}
}

func TestValidatePersonMappings(t *testing.T) {
	f := targetFixture(t)
	f.cfg.PersonMappings = []Mapping{
		{Partner: "jane@acme.example", Mine: "14"}, {Partner: "JANE@acme.example", Mine: "15"},
		{Partner: "", Mine: "16"}, {Partner: "sam@acme.example", Mine: " "},
	}
	got := fieldErrors(t, Validate(f.cfg, f.side, f.mine, f.partner))
	want := []string{
		`personMappings[1]: partner person "JANE@acme.example" is already mapped in personMappings[0]`,
		`personMappings[2]: partner is required`,
		`personMappings[3]: mine is required`,
	}
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("got %s, want %s…", got[i], want[i])
		}
	}
}

func TestPersonMappingsOnlyWhereAuthorsCanBeSet(t *testing.T) {
	f := connectwiseFixture(t)
	f.cfg.PersonMappings = []Mapping{{Partner: "jane@acme.example", Mine: "14"}}
	got := fieldErrors(t, Validate(f.cfg, f.side, f.mine, f.partner))
	if len(got) != 1 || !strings.HasPrefix(got[0], "personMappings: ConnectWise notes cannot be attributed") {
		t.Fatalf("%q", got)
	}
}

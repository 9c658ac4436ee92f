package integration

import (
	"strconv"
	"testing"

	"github.com/tandemsync/tandem/pkg/platform"
)

// benchConfig is a large real-world configuration: 50 status rows, 20 field
// rows and 20 action rows, plus priorities, categories and types.
func benchConfig() Config {
	cfg := Config{DefaultStatus: "1", DefaultTicketType: "1", DefaultAction: "900"}
	for i := range 50 {
		cfg.StatusMappings = append(cfg.StatusMappings, Mapping{Partner: strconv.Itoa(100 + i), Mine: strconv.Itoa(i % 12)})
	}
	cfg.FieldMappings = []Mapping{{Partner: FieldSummary, Mine: FieldSummary}, {Partner: FieldTargetDate, Mine: FieldTargetDate}}
	for i := range 18 {
		cfg.FieldMappings = append(cfg.FieldMappings, Mapping{Partner: CustomField("Partner " + strconv.Itoa(i)), Mine: CustomField("CF" + strconv.Itoa(i))})
	}
	for i := range 20 {
		cfg.ActionMappings = append(cfg.ActionMappings, ActionMapping{Partner: strconv.Itoa(200 + i), Mine: strconv.Itoa(300 + i), Visibility: Private})
	}
	for i := range 8 {
		p, m := strconv.Itoa(i), strconv.Itoa(10+i)
		cfg.PriorityMappings = append(cfg.PriorityMappings, Mapping{Partner: p, Mine: m})
		cfg.CategoryMappings = append(cfg.CategoryMappings, Mapping{Partner: p, Mine: m})
		cfg.TicketTypeMappings = append(cfg.TicketTypeMappings, Mapping{Partner: p, Mine: m})
	}
	return cfg
}

// BenchmarkTranslate measures one change through benchConfig. "compiled" is
// the sync function's path (Rules cached per config version), "cold"
// compiles the configuration on every call.
func BenchmarkTranslate(b *testing.B) {
	cfg := benchConfig()
	rules := Compile(cfg)
	sender := Outbound{Attachments: true, Actions: []string{"200", "205", "210", "219"}}
	update := Change{Kind: TicketUpdated, Fields: []FieldChange{
		{Field: FieldStatus, Old: "100", New: "137"},
		{Field: FieldPriority, Old: "2", New: "1"},
		{Field: FieldSummary, New: "Mailbox full for finance"},
		{Field: CustomField("Partner 4"), Old: "", New: "C-118"},
		{Field: CustomField("Partner 11"), Old: "Silver", New: "Gold"},
	}}
	created := Change{Kind: TicketCreated, Ticket: &platform.Ticket{
		Summary: "Mailbox full for finance", Description: "Quota reached.", Status: "104", Priority: "3", Type: "2", Category: "5",
		TargetDate: &due, Custom: map[string]string{"Partner 1": "a", "Partner 4": "C-118", "Partner 11": "Gold", "Unmapped": "x"},
	}}
	note := Change{Kind: NoteAdded,
		Note:        &platform.Note{ID: "n1", Kind: "210", Body: "Increased the quota to 100 GB.", Public: true, CreatedAt: noted},
		Attachments: []platform.Attachment{{ID: "a1", Name: "quota.png", Size: 40960, Public: true}},
	}
	for _, bc := range []struct {
		name   string
		change Change
	}{{"update", update}, {"create", created}, {"note", note}} {
		b.Run(bc.name+"/compiled", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := rules.Translate(bc.change, sender); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"/cold", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Translate(bc.change, cfg, sender); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

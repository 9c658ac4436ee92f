package integration

import "strings"

// Field references name a ticket field in field mappings and in the Field of
// a FieldChange. Custom fields are "custom:" + the key used in
// platform.Ticket.Custom, so a custom field called "summary" cannot collide
// with the standard one.
const (
	FieldSummary    = "summary"
	FieldStartDate  = "startDate"
	FieldTargetDate = "targetDate"
	// The picklist fields below are translated by their own mapping tables,
	// never by FieldMappings; they appear only in FieldChange.
	FieldStatus     = "status"
	FieldPriority   = "priority"
	FieldCategory   = "category"
	FieldTicketType = "type"

	customPrefix = "custom:"
)

// CustomField returns the field reference of a custom field.
func CustomField(key string) string { return customPrefix + key }

// customKey returns the key of a custom field reference.
func customKey(ref string) (string, bool) { return strings.CutPrefix(ref, customPrefix) }

// FieldType is the type of a mappable field.
type FieldType string

const (
	TypeText     FieldType = "text"
	TypeNumber   FieldType = "number"
	TypeDate     FieldType = "date"
	TypeBoolean  FieldType = "boolean"
	TypePicklist FieldType = "picklist"
)

func (t FieldType) valid() bool {
	switch t {
	case TypeText, TypeNumber, TypeDate, TypeBoolean, TypePicklist:
		return true
	}
	return false
}

// standardFields are the non-custom fields a mapping may name, with the type
// that decides what they can be mapped to.
var standardFields = map[string]FieldType{
	FieldSummary:    TypeText,
	FieldStartDate:  TypeDate,
	FieldTargetDate: TypeDate,
}

// CustomFieldDef declares a custom field of my platform.
type CustomFieldDef struct {
	Name   string    `json:"name"` // the key in platform.Ticket.Custom
	Type   FieldType `json:"type"`
	Values []string  `json:"values,omitempty"` // picklist only
}

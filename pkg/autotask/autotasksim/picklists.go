package autotasksim

import (
	"net/http"
	"strconv"
)

// PicklistValue is one entry of a picklist field, as entityInformation/fields
// returns it.
type PicklistValue struct {
	Value          string `json:"value"`
	Label          string `json:"label"`
	IsDefaultValue bool   `json:"isDefaultValue"`
	SortOrder      int    `json:"sortOrder"`
	ParentValue    string `json:"parentValue"`
	IsActive       bool   `json:"isActive"`
	IsSystem       bool   `json:"isSystem"`
}

// FieldInfo describes one entity field.
type FieldInfo struct {
	Name                     string          `json:"name"`
	DataType                 string          `json:"dataType"`
	Length                   int             `json:"length"`
	IsRequired               bool            `json:"isRequired"`
	IsReadOnly               bool            `json:"isReadOnly"`
	IsQueryable              bool            `json:"isQueryable"`
	IsReference              bool            `json:"isReference"`
	ReferenceEntityType      string          `json:"referenceEntityType"`
	IsPickList               bool            `json:"isPickList"`
	PicklistValues           []PicklistValue `json:"picklistValues"`
	PicklistParentValueField string          `json:"picklistParentValueField"`
	IsSupportedWebhookField  bool            `json:"isSupportedWebhookField"`
}

// UDFInfo describes one user-defined field as
// entityInformation/userDefinedFields returns it. Autotask's swagger gives
// this answer its own model, Field, whose data type is "type" with a label
// and default value, where entityInformation/fields answers
// FieldInformationModel with "dataType" (the Autotask REST swagger as
// generated into aenichols/ATREST-CSharp-Client, Model/Field.cs and
// Model/FieldInformationModel.cs; the SOAP API's GetUDFInfo Field has Type
// too, opendns/autotask-php src/AutotaskObjects/Field.php).
type UDFInfo struct {
	Name                     string          `json:"name"`
	Label                    string          `json:"label"`
	Type                     string          `json:"type"`
	Length                   int             `json:"length"`
	Description              string          `json:"description"`
	IsRequired               bool            `json:"isRequired"`
	IsReadOnly               bool            `json:"isReadOnly"`
	IsQueryable              bool            `json:"isQueryable"`
	IsReference              bool            `json:"isReference"`
	ReferenceEntityType      string          `json:"referenceEntityType"`
	IsPickList               bool            `json:"isPickList"`
	PicklistValues           []PicklistValue `json:"picklistValues"`
	PicklistParentValueField string          `json:"picklistParentValueField"`
	DefaultValue             string          `json:"defaultValue"`
	IsSupportedWebhookField  bool            `json:"isSupportedWebhookField"`
}

// pl builds picklist values from value/label pairs; a label starting with
// "-" is inactive and the first entry is the default.
func pl(pairs ...any) []PicklistValue {
	var out []PicklistValue
	for i := 0; i+1 < len(pairs); i += 2 {
		label := pairs[i+1].(string)
		active := true
		if label[0] == '-' {
			label, active = label[1:], false
		}
		out = append(out, PicklistValue{Value: strconv.Itoa(pairs[i].(int)), Label: label, IsDefaultValue: i == 0,
			SortOrder: i / 2, IsActive: active, IsSystem: pairs[i].(int) < 100})
	}
	return out
}

func pick1(name string, values []PicklistValue, required bool) FieldInfo {
	return FieldInfo{Name: name, DataType: "integer", IsRequired: required, IsQueryable: true, IsPickList: true,
		PicklistValues: values, IsSupportedWebhookField: true}
}

// Seeded like a fresh English instance (values as in public fixtures).
var (
	statuses = pl(1, "New", 5, "Complete", 7, "Waiting Customer", 8, "In Progress", 9, "Waiting Materials",
		10, "Dispatched", 11, "Escalate", 12, "Waiting Vendor", 13, "Waiting Approval", 19, "-Customer Note Added")
	priorities  = pl(2, "Medium", 1, "High", 3, "Low", 4, "Critical")
	queues      = pl(29682833, "Level I Support", 5, "Client Portal", 6, "Post Sale", 8, "Monitoring Alert", 29682969, "Level II Support", 29683359, "-Sales")
	ticketTypes = pl(1, "Service Request", 2, "Incident", 3, "Problem", 4, "Change Request", 5, "Alert")
	categories  = pl(2, "Standard", 3, "Alert", 4, "Change Management", 5, "-Legacy")
	noteTypes   = pl(1, "Task Summary", 2, "Task Detail", 3, "Task Notes", 13, "Workflow Rule Note",
		18, "Client Portal Note", 19, "Taskfire Note", 101, "Email Note")
	publishes = pl(1, "All Autotask Users", 2, "Internal Project Team", 4, "Internal & Co-Managed")
)

var ticketFields = []FieldInfo{
	{Name: "id", DataType: "long", IsReadOnly: true, IsQueryable: true},
	{Name: "ticketNumber", DataType: "string", Length: 50, IsReadOnly: true, IsQueryable: true, IsSupportedWebhookField: true},
	{Name: "title", DataType: "string", Length: 255, IsRequired: true, IsQueryable: true, IsSupportedWebhookField: true},
	{Name: "description", DataType: "string", Length: 8000, IsQueryable: true, IsSupportedWebhookField: true},
	pick1("status", statuses, true),
	pick1("priority", priorities, true),
	pick1("queueID", queues, false),
	pick1("ticketType", ticketTypes, false),
	pick1("ticketCategory", categories, false),
	{Name: "companyID", DataType: "integer", IsRequired: true, IsQueryable: true, IsReference: true, ReferenceEntityType: "Company"},
	{Name: "dueDateTime", DataType: "datetime", IsRequired: true, IsQueryable: true, IsSupportedWebhookField: true},
	{Name: "createDate", DataType: "datetime", IsReadOnly: true, IsQueryable: true},
	{Name: "lastActivityDate", DataType: "datetime", IsReadOnly: true, IsQueryable: true},
	{Name: "completedDate", DataType: "datetime", IsReadOnly: true, IsQueryable: true},
}

var ticketUDFs = []UDFInfo{
	{Name: "Partner Reference", Label: "Partner Reference", Type: "string", Length: 100, IsQueryable: true},
	{Name: "Billable Hours", Label: "Billable Hours", Type: "double", IsQueryable: true},
	{Name: "Go-Live Date", Label: "Go-Live Date", Type: "datetime", IsQueryable: true},
	{Name: "Needs Onsite", Label: "Needs Onsite", Type: "boolean", IsQueryable: true},
	{Name: "Site", Label: "Site", Type: "string", IsQueryable: true, IsPickList: true, PicklistValues: pl(1, "Head Office", 2, "Warehouse")},
}

var noteFields = []FieldInfo{
	{Name: "id", DataType: "long", IsReadOnly: true, IsQueryable: true},
	{Name: "ticketID", DataType: "integer", IsRequired: true, IsQueryable: true, IsReference: true, ReferenceEntityType: "Ticket", IsSupportedWebhookField: true},
	{Name: "title", DataType: "string", Length: 250, IsQueryable: true, IsSupportedWebhookField: true},
	{Name: "description", DataType: "string", Length: 32000, IsRequired: true, IsQueryable: true, IsSupportedWebhookField: true},
	pick1("noteType", noteTypes, true),
	pick1("publish", publishes, true),
	{Name: "createDateTime", DataType: "datetime", IsReadOnly: true, IsQueryable: true},
}

// webhookField is a field a webhook can subscribe to. The numeric ids are the
// simulator's own; clients read them from the fieldID picklist as they must
// on a real instance.
type webhookField struct {
	id    int
	name  string // REST field name, used as the payload key
	label string
}

var ticketWebhookFields = []webhookField{
	{1, "title", "Title"}, {2, "status", "Status"}, {3, "priority", "Priority"}, {4, "queueID", "Queue"},
	{5, "description", "Description"}, {6, "ticketType", "Ticket Type"}, {7, "ticketCategory", "Ticket Category"},
	{8, "dueDateTime", "Due Date"}, {9, "companyID", "Company"}, {10, "ticketNumber", "Ticket Number"},
}

var noteWebhookFields = []webhookField{
	{1, "title", "Title"}, {2, "description", "Description"}, {3, "noteType", "Note Type"},
	{4, "publish", "Publish"}, {5, "ticketID", "Ticket"},
}

func webhookFieldInfo(fields []webhookField) []FieldInfo {
	var values []PicklistValue
	for i, f := range fields {
		values = append(values, PicklistValue{Value: strconv.Itoa(f.id), Label: f.label, SortOrder: i, IsActive: true})
	}
	return []FieldInfo{
		{Name: "id", DataType: "long", IsReadOnly: true, IsQueryable: true},
		{Name: "fieldID", DataType: "integer", IsRequired: true, IsQueryable: true, IsPickList: true, PicklistValues: values},
		{Name: "isDisplayAlwaysField", DataType: "boolean", IsRequired: true},
		{Name: "isSubscribedField", DataType: "boolean", IsRequired: true},
		{Name: "webhookID", DataType: "integer", IsRequired: true, IsReference: true},
	}
}

// entityInformation serves {Entity}/entityInformation[/fields|/userDefinedFields].
func (s *Server) entityInformation(w http.ResponseWriter, r *http.Request, seg []string) {
	if r.Method != http.MethodGet {
		writeErrors(w, http.StatusMethodNotAllowed, "The requested method is not supported.")
		return
	}
	var fields []FieldInfo
	var udfs []UDFInfo
	name := ""
	switch seg[0] {
	case "tickets":
		name, fields, udfs = "Ticket", ticketFields, ticketUDFs
	case "ticketnotes":
		name, fields = "TicketNote", noteFields
	case "ticketwebhookfields":
		name, fields = "TicketWebhookField", webhookFieldInfo(ticketWebhookFields)
	case "ticketnotewebhookfields":
		name, fields = "TicketNoteWebhookField", webhookFieldInfo(noteWebhookFields)
	default:
		writeErrors(w, http.StatusNotFound, "The requested resource does not exist.")
		return
	}
	switch {
	case len(seg) == 2:
		writeJSON(w, http.StatusOK, map[string]any{"info": map[string]any{
			"name": name, "canCreate": true, "canDelete": false, "canQuery": true, "canUpdate": true,
			"hasUserDefinedFields": udfs != nil, "supportsWebhookCallouts": name == "Ticket" || name == "TicketNote",
		}})
	case len(seg) == 3 && seg[2] == "fields":
		writeJSON(w, http.StatusOK, map[string]any{"fields": fields})
	case len(seg) == 3 && seg[2] == "userdefinedfields":
		writeJSON(w, http.StatusOK, map[string]any{"fields": orEmpty(udfs)})
	default:
		writeErrors(w, http.StatusNotFound, "The requested resource does not exist.")
	}
}

func orEmpty(f []UDFInfo) []UDFInfo {
	if f == nil {
		return []UDFInfo{}
	}
	return f
}

// validPick reports whether v is an active value of the picklist.
func validPick(values []PicklistValue, v int64) bool {
	for _, p := range values {
		if p.Value == strconv.FormatInt(v, 10) {
			return p.IsActive
		}
	}
	return false
}

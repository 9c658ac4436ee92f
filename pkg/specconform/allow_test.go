package specconform_test

import (
	"slices"

	"github.com/tandemsync/tandem/pkg/specconform"
)

// The vendors' specifications and their known inaccuracies. Every
// allowance says why the difference is the specification's, not the
// simulator's or the client's, and where that is shown.

const (
	cwSystemAPI = "the trimmed specification is ConnectWise's Service API; /system/callbacks, /system/documents and " +
		"/system/userDefinedFields belong to its System API, of which no public copy was found"
	cwDevGuide   = "developer.connectwise.com Manage REST API reference and Developer Guide"
	cwCurrentAPI = "ConnectWise's current OpenAPI as generated into HealthITAU/pyconnectwise " +
		"(src/pyconnectwise/models/manage/__init__.py, commit 5ea14c1d)"
)

var connectwiseSpec = specconform.Vendor{
	Name: "ConnectWise", Spec: "../connectwise/testdata/spec/connectwise-service.swagger.json",
	Base: "/v4_6_release/apis/3.0",
	Allow: []specconform.Allowance{
		{Op: "GET /login/companyinfo/tandemsim", Kind: specconform.Unknown, Match: "not in the specification",
			Reason: "codebase discovery happens before the REST API's base URL is known and is not part of it",
			Source: cwDevGuide + ", 'Codebase': GET https://{site}/login/companyinfo/{companyId}"},
		{Op: "POST /system/callbacks", Kind: specconform.Unknown, Match: "not in the specification", Reason: cwSystemAPI, Source: cwDevGuide + ", Callbacks"},
		{Op: "DELETE /system/callbacks/{id}", Kind: specconform.Unknown, Match: "not in the specification", Reason: cwSystemAPI, Source: cwDevGuide + ", Callbacks"},
		{Op: "POST /system/documents", Kind: specconform.Unknown, Match: "not in the specification", Reason: cwSystemAPI, Source: cwDevGuide + ", Documents"},
		{Op: "GET /system/documents", Kind: specconform.Unknown, Match: "not in the specification", Reason: cwSystemAPI, Source: cwDevGuide + ", Documents"},
		{Op: "GET /system/documents/{id}", Kind: specconform.Unknown, Match: "not in the specification", Reason: cwSystemAPI, Source: cwDevGuide + ", Documents"},
		{Op: "GET /system/documents/{id}/download", Kind: specconform.Unknown, Match: "not in the specification", Reason: cwSystemAPI, Source: cwDevGuide + ", Documents"},
		{Op: "GET /time/workTypes", Kind: specconform.Unknown, Match: "not in the specification",
			Reason: "the trimmed specification is ConnectWise's Service API; work types belong to its Time API, of which no public Swagger copy was found",
			Source: cwDevGuide + ", Time: GET /time/workTypes (the Time API's entries are in spinen/connectwise-time-php-client docs/Api/TimeEntriesApi.md)"},
		{Op: "GET /system/userDefinedFields", Kind: specconform.Unknown, Match: "not in the specification", Reason: cwSystemAPI, Source: cwDevGuide + ", User Defined Fields"},
		{Op: "GET /service/boards", Kind: specconform.Response, Match: `property "name" is missing`,
			Reason: "the credentials test asks for fields=id and ConnectWise answers only the fields named; the 2017 specification declares no fields parameter",
			Source: cwDevGuide + ", query parameter fields"},
		{Op: "GET /service/boards", Kind: specconform.Response, Match: `property "locationId" is missing`,
			Reason: "the 2017 Board required locationId; ConnectWise now answers a location reference instead", Source: cwCurrentAPI + ", class Board"},
		{Op: "GET /service/boards", Kind: specconform.Response, Match: `property "businessUnitId" is missing`,
			Reason: "the 2017 Board required businessUnitId, which current boards no longer carry", Source: cwCurrentAPI + ", class Board"},
		{Op: "PATCH /service/tickets/{id}", Kind: specconform.Request, Match: "body /: value must be an object",
			Reason: "a PATCH body is a JSON array of RFC 6902 operations; the Swagger 2.0 document declares one PatchOperation object",
			Source: cwDevGuide + ", 'Patch': the body is an array of op/path/value objects"},
		entryMethodDate("POST /service/tickets"), entryMethodDate("GET /service/tickets/{id}"), entryMethodDate("PATCH /service/tickets/{id}"),
	},
}

// entryMethodDate excuses the custom field whose entry method is Date, a
// value ConnectWise added after the 2017 specification.
func entryMethodDate(op string) specconform.Allowance {
	return specconform.Allowance{Op: op, Kind: specconform.Response, Match: `/entryMethod: value is not one of the allowed values`,
		Reason: "ConnectWise added the Date entry method after this 2017 specification",
		Source: cwCurrentAPI + `, CustomFieldValue.entry_method Literal["Date", "EntryField", "List", "Option"]`}
}

var haloSpec = specconform.Vendor{
	Name: "Halo", Spec: "../halo/testdata/spec/halo.openapi.json",
	Base: "/api", CaseInsensitive: true,
	Allow: []specconform.Allowance{
		{Op: "POST /auth/token", Kind: specconform.Unknown, Match: "not in the specification",
			Reason: "the token endpoint is Halo's authorisation server, beside the resource API the swagger describes",
			Source: "Halo API documentation, Authorisation: POST {authserver}/auth/token with grant_type=client_credentials"},
	},
}

// Autotask's webhook entities for tickets and notes are documented in its
// developer help but absent from the published document kept here, which
// has the Company and Contact webhook families only.
const (
	atWebhooks = "the kept Autotask document (2020, extended 2024) has CompanyWebhooks and ContactWebhooks but not " +
		"TicketWebhooks or TicketNoteWebhooks; the later 5.8 MB copy that may have them could not be retrieved"
	atWebhookHelp = "Autotask developer help, APIs/Webhooks: TicketWebhooks, TicketNoteWebhooks and their Fields " +
		"(REST_WebhookFieldsEntity.htm) follow the Company webhook pattern"
)

const (
	atHelp          = "Autotask developer help, ww1.autotask.net/help/DeveloperHelp/Content/APIs/REST"
	atFieldsCapture = "apigrate/autotask-restapi README.md, fieldInfo example (a live entityInformation/fields answer: " +
		`"picklistValues": null, "isSupportedWebhookField": false); pkg/autotask/testdata/tickets-entityinformation-fields.json`
)

var autotaskSpec = specconform.Vendor{
	Name: "Autotask", Spec: "../autotask/testdata/spec/autotask.swagger.json",
	Base: "/ATServicesRest", CaseInsensitive: true,
	Allow: slices.Concat(atFields("GET /v1.0/tickets/entityinformation/fields"),
		atFields("GET /v1.0/tickets/entityinformation/userdefinedfields"),
		atFields("GET /v1.0/ticketnotes/entityinformation/fields"), []specconform.Allowance{
			atWebhook("POST /v1.0/ticketwebhooks"), atWebhook("POST /v1.0/ticketnotewebhooks"),
			atWebhook("GET /v1.0/ticketwebhookfields/entityinformation/fields"),
			atWebhook("GET /v1.0/ticketnotewebhookfields/entityinformation/fields"),
			// The simulator numbers every entity from one counter: the ticket webhook is 1004, its field rows
			// (one per synced field, "display always") follow, then the note webhook.
			atWebhook("POST /v1.0/ticketwebhooks/{id}/fields"), atWebhook("POST /v1.0/ticketnotewebhooks/{id}/fields"),
			atWebhook("GET /v1.0/ticketwebhooks/{id}"), atWebhook("GET /v1.0/ticketnotewebhooks/{id}"),
			atWebhook("DELETE /v1.0/ticketwebhooks/{id}"), atWebhook("DELETE /v1.0/ticketnotewebhooks/{id}"),
			{Op: "GET /v1.0/tickets/{id}", Kind: specconform.Response, Match: "Value is not nullable",
				Reason: "Autotask answers an unset ticket field as null, which Swagger 2.0 cannot declare",
				Source: "live capture in pkg/autotask/testdata/ticket-get.json (contractika-org/contractika): description, projectID and 29 more are null"},
			{Op: "POST /v1.0/ticketnotes/query", Kind: specconform.Request, Match: "/value: value must be an object",
				Reason: "the document types a filter's value as the C# ValueItem wrapper; the API takes the plain value",
				Source: atHelp + `, "Basic query calls": {"op":"eq","field":"id","value":...}`},
			{Op: "POST /v1.0/billingcodes/query", Kind: specconform.Request, Match: "/value: value must be an object",
				Reason: "the document types a filter's value as the C# ValueItem wrapper; the API takes the plain value",
				Source: atHelp + `, "Basic query calls": {"op":"eq","field":"id","value":...}`},
		}),
}

// atFields excuses, on an entityInformation answer, the two ways every
// field's metadata departs from the document: isSupportedWebhookField, typed
// as an empty object, is a boolean, and a field that is not a picklist has
// picklistValues null.
func atFields(op string) []specconform.Allowance {
	return []specconform.Allowance{
		{Op: op, Kind: specconform.Response, Match: "/isSupportedWebhookField: value must be an object",
			Reason: "the document types isSupportedWebhookField as Object (an empty schema the generator made from a C# object); the API answers true or false",
			Source: atFieldsCapture},
		{Op: op, Kind: specconform.Response, Match: "/picklistValues: Value is not nullable",
			Reason: "a field that is not a picklist answers picklistValues null, which Swagger 2.0 cannot declare",
			Source: atFieldsCapture},
	}
}

func atWebhook(op string) specconform.Allowance {
	return specconform.Allowance{Op: op, Kind: specconform.Unknown, Match: "not in the specification", Reason: atWebhooks, Source: atWebhookHelp}
}

const (
	zdNulls = "airbytehq/airbyte source-zendesk-support schemas/shared/tickets.json (assignee_id, group_id, external_id, type " +
		"are null or a value); production capture pkg/zendesk/testdata/event-comment-added.json (assignee_id and external_id null)"
	zdCustomFields = "the same document's TicketObject.custom_fields (items {id, value}, example [{\"id\": 27642, \"value\": \"745\"}]) " +
		"and developer.zendesk.com 'Setting custom field values'"
)

var zendeskSpec = specconform.Vendor{
	Name: "Zendesk", Spec: "../zendesk/testdata/spec/zendesk-support.openapi.json",
	Allow: slices.Concat(zdTicketNulls("GET /api/v2/tickets/{ticket_id}"), zdTicketNulls("POST /api/v2/tickets"),
		zdTicketNulls("PUT /api/v2/tickets/{ticket_id}"), []specconform.Allowance{
			{Op: "PUT /api/v2/tickets/{ticket_id}", Kind: specconform.Request, Match: "/ticket/custom_fields/",
				Reason: "TicketUpdateInput.custom_fields points at CustomFieldObject, the ticket field definition (key, title, type " +
					"required, id read-only); a ticket's custom field values are {id, value} pairs",
				Source: zdCustomFields},
		}),
}

// zdTicketNulls excuses the ticket fields Zendesk answers as null while
// unset, which the document declares without nullable (type as an enum of
// the four ticket types).
func zdTicketNulls(op string) []specconform.Allowance {
	reason := "an unset ticket field is null; the document does not mark it nullable"
	return []specconform.Allowance{
		{Op: op, Kind: specconform.Response, Match: "/ticket/assignee_id: Value is not nullable", Reason: reason, Source: zdNulls},
		{Op: op, Kind: specconform.Response, Match: "/ticket/group_id: Value is not nullable", Reason: reason, Source: zdNulls},
		{Op: op, Kind: specconform.Response, Match: "/ticket/external_id: Value is not nullable", Reason: reason, Source: zdNulls},
		{Op: op, Kind: specconform.Response, Match: "/ticket/type: value is not one of the allowed values", Reason: reason, Source: zdNulls},
	}
}

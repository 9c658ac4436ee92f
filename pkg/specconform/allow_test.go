package specconform_test

import "github.com/tandemsync/tandem/pkg/specconform"

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
		{Op: "DELETE /system/callbacks/26001", Kind: specconform.Unknown, Match: "not in the specification", Reason: cwSystemAPI, Source: cwDevGuide + ", Callbacks"},
		{Op: "POST /system/documents", Kind: specconform.Unknown, Match: "not in the specification", Reason: cwSystemAPI, Source: cwDevGuide + ", Documents"},
		{Op: "GET /system/documents", Kind: specconform.Unknown, Match: "not in the specification", Reason: cwSystemAPI, Source: cwDevGuide + ", Documents"},
		{Op: "GET /system/documents/9001", Kind: specconform.Unknown, Match: "not in the specification", Reason: cwSystemAPI, Source: cwDevGuide + ", Documents"},
		{Op: "GET /system/documents/9001/download", Kind: specconform.Unknown, Match: "not in the specification", Reason: cwSystemAPI, Source: cwDevGuide + ", Documents"},
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

// Package specconform judges a platform client and its simulator by the
// vendor's published API specification: a Checker stands between the two as
// a proxy, finds each request's operation in the specification and checks
// the request (method, path, required parameters, body schema) and the
// simulator's answer (status, body schema) with kin-openapi, the maintained
// OpenAPI library, rather than a validator of our own.
//
// Specifications are trimmed copies of the vendors' own (Swagger 2.0 is
// converted with openapi2conv), kept in pkg/<platform>/testdata/spec with a
// provenance note. A mismatch fails the test unless an Allowance names it
// with a reason and a source; an Allowance that no longer matches anything
// fails too, so a fixed simulator or a corrected specification sheds it.
//
// Exercise drives any platform.Client through the operations Tandem uses, so
// a new platform is a table entry and a specification file.
package specconform

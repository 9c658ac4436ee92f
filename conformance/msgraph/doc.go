// Package msgraph drives the Graph simulator (pkg/graph/graphsim) with
// Microsoft's own Go SDK, github.com/microsoftgraph/msgraph-sdk-go, as a
// second referee nobody on the project wrote: the SDK's stock middleware
// (request compression included) and its serialisers decide what goes on the
// wire, so a simulator that only understands Tandem's client fails here.
//
// It is a module of its own because the SDK takes minutes to compile; `make
// test-graph-sdk` runs it and `make test` (so CI) includes that target.
package msgraph

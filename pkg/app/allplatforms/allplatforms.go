// Package allplatforms is the list of every partner platform Tandem syncs,
// for the functions that serve all of them (the API, the webhook receiver,
// the subscription renewal) and the local runner. A sync function wires
// its own platform alone (package syncfn), so it links no other platform's
// code.
package allplatforms

import (
	"github.com/tandemsync/tandem/pkg/app"
	"github.com/tandemsync/tandem/pkg/autotask"
	"github.com/tandemsync/tandem/pkg/connectwise"
	"github.com/tandemsync/tandem/pkg/graph"
	"github.com/tandemsync/tandem/pkg/halo"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/zendesk"
)

// Providers are the partner platforms Tandem syncs. Everything else finds a
// platform through this list: a new one is its package and one line here
// (plus its functions/ and infra entries).
var Providers = []platform.Provider{
	autotask.Provider,
	connectwise.Provider,
	halo.Provider,
	graph.Provider,
	zendesk.Provider,
}

// Init builds a Lambda function's dependencies with every platform wired
// (app.Init).
func Init(function string) *app.Deps { return app.Init(function, Providers...) }

package app_test

import (
	"github.com/tandemsync/tandem/pkg/autotask"
	"github.com/tandemsync/tandem/pkg/connectwise"
	"github.com/tandemsync/tandem/pkg/graph"
	"github.com/tandemsync/tandem/pkg/halo"
	"github.com/tandemsync/tandem/pkg/relay"
)

// Every platform keeps the marker a create carries and finds the ticket by
// it, so the engine can adopt a create whose answer was lost instead of
// creating a second ticket.
var (
	_ relay.TicketFinder = (*autotask.Client)(nil)
	_ relay.TicketFinder = (*connectwise.Client)(nil)
	_ relay.TicketFinder = (*halo.Client)(nil)
	_ relay.TicketFinder = (*graph.Client)(nil)
)

package app_test

import (
	"github.com/tandemsync/tandem/pkg/autotask"
	"github.com/tandemsync/tandem/pkg/connectwise"
	"github.com/tandemsync/tandem/pkg/halo"
	"github.com/tandemsync/tandem/pkg/relay"
)

// The platforms configuration lets take part in time entries
// (integration's timeSenders and timeReceivers) have the clients for it:
// Autotask and ConnectWise read and write time, Halo reads its actions'.
var (
	_ relay.TimeWriter = (*autotask.Client)(nil)
	_ relay.TimeWriter = (*connectwise.Client)(nil)
	_ relay.TimeReader = (*halo.Client)(nil)
)

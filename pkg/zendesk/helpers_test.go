package zendesk_test

import (
	"testing"

	"github.com/tandemsync/tandem/pkg/zendesk"
	"github.com/tandemsync/tandem/pkg/zendesk/zendesksim"
)

// newClient is an API-token client for user on s.
func newClient(t *testing.T, s *zendesksim.Server, u zendesksim.User) *zendesk.Client {
	t.Helper()
	creds, err := zendesk.ParseCredentials(s.Credentials(u), true)
	if err != nil {
		t.Fatal(err)
	}
	return zendesk.New(creds, zendesk.Options{AllowPrivate: true})
}

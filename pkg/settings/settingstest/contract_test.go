package settingstest_test

import (
	"testing"

	"github.com/tandemsync/tandem/pkg/settings"
	"github.com/tandemsync/tandem/pkg/settings/settingstest"
)

func TestMemAccountsContract(t *testing.T) {
	settingstest.RunAccountStoreContract(t, func(*testing.T) settings.AccountStore { return settingstest.NewMemAccounts() })
}

package secretstore_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/tandemsync/tandem/pkg/mototest"
	"github.com/tandemsync/tandem/pkg/secretstore"
	"github.com/tandemsync/tandem/pkg/secretstore/secretstoretest"
)

func TestMain(m *testing.M) { mototest.Main(m) }

// The adapter passes the contract the in-memory store passes
// (secretstoretest), over moto_server.
func TestSecretsManagerContract(t *testing.T) {
	secretstoretest.RunContract(t, func(t *testing.T) secretstoretest.Store {
		return secretstore.NewSecretsManager(secretsmanager.NewFromConfig(mototest.Shared(t).Config(t)))
	})
}

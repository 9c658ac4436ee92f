package dynamostore_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	minidyn "github.com/truora/minidyn/server"

	"github.com/tandemsync/tandem/pkg/configuration"
	"github.com/tandemsync/tandem/pkg/configuration/configurationtest"
	"github.com/tandemsync/tandem/pkg/dynamostore"
)

// On moto_server: the item layout and the version condition, over the wire.
// Not the concurrent-writers contract: moto checks conditions without a
// lock, so it cannot show atomicity (see RunConcurrentWritersContract).
func TestConfigStoreContract(t *testing.T) {
	configurationtest.RunStoreContract(t, func(t *testing.T) configuration.Store { return newStore(t) })
}

// On the local runner's embedded store, which serialises writes as DynamoDB
// does: the same adapter code lets exactly one of many writers win.
func TestConfigStoreContractOnMinidyn(t *testing.T) {
	newMinidyn := func(t *testing.T) configuration.Store {
		srv := httptest.NewServer(minidyn.NewServer())
		t.Cleanup(srv.Close)
		db := dynamodb.NewFromConfig(aws.Config{
			Region: "local", BaseEndpoint: aws.String(srv.URL),
			Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
		}, func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true })
		s := dynamostore.New(db, "tandem-local")
		if err := s.CreateTable(context.Background()); err != nil {
			t.Fatal(err)
		}
		return s
	}
	configurationtest.RunStoreContract(t, newMinidyn)
	configurationtest.RunConcurrentWritersContract(t, newMinidyn)
}

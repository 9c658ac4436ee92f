package tandem

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// newTable creates the single table every function shares, named after the
// stage (tandem-dev, tandem-prod) so `sam local` and operators can name it.
// Items carry their own expiry in `ttl` (verification codes, echo
// fingerprints, idempotency records); the code still checks expiry itself
// because TTL deletion lags.
func newTable(scope constructs.Construct, id string, stage stageSettings) awsdynamodb.Table {
	return awsdynamodb.NewTable(scope, jsii.String(id), &awsdynamodb.TableProps{
		TableName:           jsii.String("tandem-" + stage.name),
		PartitionKey:        &awsdynamodb.Attribute{Name: jsii.String("pk"), Type: awsdynamodb.AttributeType_STRING},
		SortKey:             &awsdynamodb.Attribute{Name: jsii.String("sk"), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:         awsdynamodb.BillingMode_PAY_PER_REQUEST,
		TimeToLiveAttribute: jsii.String("ttl"),
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		Encryption:         awsdynamodb.TableEncryption_AWS_MANAGED,
		DeletionProtection: jsii.Bool(stage.deletionProtection),
		RemovalPolicy:      stage.removal,
	})
}

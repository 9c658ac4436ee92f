package tandem

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// secretPrefix names every secret Tandem owns (one per organisation and
// platform, created at run time), so IAM can be scoped to it.
const secretPrefix = "tandem/"

type secretAccess []string

var (
	// readSecrets is for functions that call a platform or verify a webhook
	// with credentials someone else stored.
	readSecrets = secretAccess{"secretsmanager:GetSecretValue"}
	// manageSecrets is for the settings function, where admins enter, replace
	// and remove credentials and install webhooks with their signing secrets.
	// pkg/secretstore tags each secret as it creates it, hence TagResource.
	manageSecrets = secretAccess{
		"secretsmanager:GetSecretValue", "secretsmanager:CreateSecret",
		"secretsmanager:PutSecretValue", "secretsmanager:DeleteSecret",
		"secretsmanager:TagResource",
	}
)

// grantSecrets allows access to Tandem's secrets only. Secrets are created at
// run time, so there is no construct to call grantRead on: the grant is a name
// pattern, which cdk-nag flags as a wildcard, hence the suppression.
func grantSecrets(role awsiam.Role, access secretAccess) {
	stack := awscdk.Stack_Of(role)
	arn := stack.FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String("secretsmanager"),
		Resource:     jsii.String("secret"),
		ResourceName: jsii.String(secretPrefix + "*"),
		ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings(access...),
		Resources: jsii.Strings(*arn),
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("Secrets are created at run time, one per organisation and platform, so access is scoped " +
			"to the tandem/ name prefix; Secrets Manager appends a random suffix to every ARN, so a prefix needs *."),
		AppliesTo: &[]interface{}{
			"Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:" + secretPrefix + "*",
		},
	}}, jsii.Bool(true))
}

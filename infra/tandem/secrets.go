package tandem

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Secrets are created at run time, one per organisation and platform and one
// per installed webhook endpoint, under the stage's prefix (tandem/<stage>/,
// see stageSettings.secretPrefix):
//
//	tandem/<stage>/<org>/<platform>                  credentials
//	tandem/<stage>/<org>/<platform>/webhook/<id>     a webhook's signing secret
//	tandem/<stage>/config/zendesk-oauth              Tandem's Zendesk OAuth client (the operator creates it)
//
// Secrets Manager appends "-" and six random characters to every secret's
// ARN. Organisation ids contain no "/" (pkg/api validOrgID) and endpoint ids
// start with "wh_", so each pattern below matches one kind of secret only.

// credentialsOf matches the credentials of one platform, any organisation.
func (s stageSettings) credentialsOf(platform string) string {
	return s.secretPrefix() + "*/" + platform + "-??????"
}

// zendeskOAuthClient matches the deployment's Zendesk OAuth client
// (pkg/app ZendeskOAuthSecret under the stage's prefix).
func (s stageSettings) zendeskOAuthClient() string {
	return s.secretPrefix() + "config/zendesk-oauth-??????"
}

// webhookSecrets matches every endpoint's signing secret.
func (s stageSettings) webhookSecrets() string { return s.secretPrefix() + "*/*/webhook/*" }

// webhookSecretsOf matches the signing secrets of one platform's endpoints.
func (s stageSettings) webhookSecretsOf(platform string) string {
	return s.secretPrefix() + "*/" + platform + "/webhook/*"
}

// allSecrets matches everything the stage keeps.
func (s stageSettings) allSecrets() string { return s.secretPrefix() + "*" }

var (
	// readSecrets is for functions that call a platform or verify a webhook
	// with secrets someone else stored.
	readSecrets = []string{"secretsmanager:GetSecretValue"}
	// rotateSecrets is for functions that refresh Zendesk's OAuth tokens:
	// Zendesk replaces the refresh token at every use, so whoever refreshes
	// stores the new pair in the organisation's credentials.
	rotateSecrets = []string{"secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"}
	// manageSecrets is for the settings function, where admins enter, replace
	// and remove credentials and install webhooks with their signing secrets.
	// pkg/secretstore tags each secret as it creates it, hence TagResource.
	manageSecrets = []string{
		"secretsmanager:GetSecretValue", "secretsmanager:CreateSecret",
		"secretsmanager:PutSecretValue", "secretsmanager:DeleteSecret",
		"secretsmanager:TagResource",
	}
)

// secretARN is the ARN pattern of secrets named like pattern. The partition,
// region and account are always CloudFormation's pseudo parameters, so the
// template (and the cdk-nag suppression) reads the same whether or not the
// stage is pinned to an account.
func secretARN(pattern string) string {
	return "arn:" + *awscdk.Aws_PARTITION() + ":secretsmanager:" + *awscdk.Aws_REGION() + ":" +
		*awscdk.Aws_ACCOUNT_ID() + ":secret:" + pattern
}

// grantSecrets allows actions on the secrets matching patterns, and nothing
// else. Secrets are created at run time, so there is no construct to call
// grantRead on: the grant is a name pattern, which cdk-nag flags as a
// wildcard, hence the suppression for exactly these patterns.
func grantSecrets(role awsiam.Role, actions []string, patterns ...string) {
	resources := make([]string, len(patterns))
	appliesTo := make([]any, len(patterns))
	for i, p := range patterns {
		resources[i] = secretARN(p)
		appliesTo[i] = "Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:" + p
	}
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings(actions...),
		Resources: jsii.Strings(resources...),
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("Secrets are created at run time per organisation, platform and webhook endpoint, so access " +
			"is a name pattern under the stage's prefix, narrowed to the kind of secret this function needs; Secrets " +
			"Manager appends a random suffix to every ARN, so a pattern needs wildcards."),
		AppliesTo: &appliesTo,
	}}, jsii.Bool(true))
}

package tandem

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// filesKeys is where pkg/relay puts attachment content: attachments/
// <connection>/<command id>. Grants are scoped to it.
const filesKeys = "attachments/*"

// files is the scratch bucket attachment content crosses through when it is
// too large for a queue message: the source's sync function writes an
// object, the target's reads it and deletes it once applied.
type files struct {
	bucket awss3.Bucket
}

// newFiles creates the bucket: objects expire after one day (a crash between
// apply and delete leaves nothing for long), S3-managed encryption, TLS 1.2
// or later only, no public access, no ACLs, no versioning (an object is
// written once per command and read once).
func newFiles(scope constructs.Construct, id string) *files {
	b := awss3.NewBucket(scope, jsii.String(id), &awss3.BucketProps{
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		MinimumTLSVersion: jsii.Number(1.2),
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		Versioned:         jsii.Bool(false),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("expire-after-one-day"),
			Expiration:                          awscdk.Duration_Days(jsii.Number(1)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
		}},
		// CloudFormation cannot delete a bucket that still holds objects,
		// and emptying it on deletion takes a custom-resource function. The
		// bucket empties itself within a day, so it is kept, empty and free,
		// when the stack goes; delete it by hand.
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	// A fixed logical id, like the functions', keeps the grants' cdk-nag
	// suppressions stable.
	b.Node().DefaultChild().(awss3.CfnBucket).OverrideLogicalId(jsii.String("FilesBucket"))
	cdknag.NagSuppressions_AddResourceSuppressions(b, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-S1"),
		Reason: jsii.String("Scratch bucket for attachment content in transit: every object is written by one sync " +
			"function, read and deleted by another within minutes, and expires after a day. The sync log records " +
			"each file's outcome; access logs would outlive the data they describe."),
	}}, jsii.Bool(true))
	return &files{bucket: b}
}

// attach lets a sync function write, read and delete attachment content,
// and names the bucket in its environment (TANDEM_FILES_BUCKET).
func (f *files) attach(fn awslambda.Function, role awsiam.Role) {
	f.bucket.GrantPut(fn, jsii.String(filesKeys))
	f.bucket.GrantRead(fn, jsii.String(filesKeys))
	f.bucket.GrantDelete(fn, jsii.String(filesKeys))
	fn.AddEnvironment(jsii.String("TANDEM_FILES_BUCKET"), f.bucket.BucketName(), nil)
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("Attachment objects are created at run time, one per command, under attachments/ in the " +
			"files bucket, so the grant (from the bucket's grantPut, grantRead and grantDelete) names that prefix " +
			"with * and the S3 action groups those methods grant."),
		AppliesTo: &[]interface{}{
			"Resource::<FilesBucket.Arn>/" + filesKeys,
			"Action::s3:GetObject*", "Action::s3:GetBucket*", "Action::s3:List*",
			"Action::s3:DeleteObject*", "Action::s3:Abort*",
		},
	}}, jsii.Bool(true))
}

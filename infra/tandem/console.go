package tandem

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// The web console in AWS: the files of pkg/console/assets in a private S3
// bucket behind CloudFront (origin access control), which also forwards
// /v1/* to the HTTP API, so the console and the API share one origin (no
// CORS, and a CSP whose connect-src is 'self' plus the managed login). The
// page learns how to sign in from /console/config.json, which a CloudFront
// function answers with the user pool client and the Cognito managed login
// domain; the stack has no Lambda for the console.
//
// CloudFormation cannot put objects in a bucket without a custom-resource
// Lambda, so `make deploy` uploads the files after `cdk deploy`
// (infra/upload-console.sh: aws s3 sync, then a CloudFront invalidation).

// ConsoleConfigPath is where the page reads its runtime config
// (console.ConfigPath in the main module).
const ConsoleConfigPath = "/console/config.json"

// consoleScopes are what the console asks managed login for (console.Scopes).
const consoleScopes = "openid email profile"

// ConsoleCSP is the console's Content-Security-Policy with %s where the
// managed login's origin joins connect-src (" https://…" or ""). It must
// equal console.CSP in the main module: both modules' tests compare it with
// pkg/console/testdata/csp.txt.
const ConsoleCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'%s; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

type console struct {
	bucket       awss3.Bucket
	distribution awscloudfront.Distribution
	// authDomain is the managed login's base URL, nil while the user pool
	// has no domain.
	authDomain *string
}

// newConsole hosts the console for the API at apiURL (https://host/) and
// the user pool's app client and managed login.
func newConsole(scope constructs.Construct, id string, apiURL *string, users *identity) *console {
	c := constructs.NewConstruct(scope, jsii.String(id))
	logs := awss3.NewBucket(c, jsii.String("Logs"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		// CloudFront's standard logs are delivered with an object ACL.
		ObjectOwnership: awss3.ObjectOwnership_OBJECT_WRITER,
		LifecycleRules:  &[]*awss3.LifecycleRule{{Expiration: awscdk.Duration_Days(jsii.Number(90))}},
		// Emptying a bucket on deletion needs a custom-resource Lambda;
		// logs expire on their own instead.
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	cdknag.NagSuppressions_AddResourceSuppressions(logs, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("AwsSolutions-S1"),
		Reason: jsii.String("This is the access-log bucket of the console's bucket and distribution; logging it into itself would loop."),
	}}, jsii.Bool(true))

	site := awss3.NewBucket(c, jsii.String("Site"), &awss3.BucketProps{
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		Encryption:             awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:             jsii.Bool(true),
		Versioned:              jsii.Bool(true),
		ServerAccessLogsBucket: logs,
		ServerAccessLogsPrefix: jsii.String("s3/console/"),
		// The files are re-uploaded by make deploy; versions keep the last
		// ones for a rollback.
		LifecycleRules: &[]*awss3.LifecycleRule{{NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(30))}},
		RemovalPolicy:  awscdk.RemovalPolicy_RETAIN,
	})

	authDomain := managedLoginURL(users)
	domain := ""
	if authDomain != nil {
		domain = " " + *authDomain
	}
	headers := awscloudfront.NewResponseHeadersPolicy(c, jsii.String("Headers"), &awscloudfront.ResponseHeadersPolicyProps{
		Comment: jsii.String("Tandem console: CSP without unsafe-inline, no framing, no referrer"),
		SecurityHeadersBehavior: &awscloudfront.ResponseSecurityHeadersBehavior{
			ContentSecurityPolicy: &awscloudfront.ResponseHeadersContentSecurityPolicy{
				ContentSecurityPolicy: jsii.String(fmt.Sprintf(ConsoleCSP, domain)), Override: jsii.Bool(true),
			},
			ContentTypeOptions: &awscloudfront.ResponseHeadersContentTypeOptions{Override: jsii.Bool(true)},
			FrameOptions:       &awscloudfront.ResponseHeadersFrameOptions{FrameOption: awscloudfront.HeadersFrameOption_DENY, Override: jsii.Bool(true)},
			ReferrerPolicy:     &awscloudfront.ResponseHeadersReferrerPolicy{ReferrerPolicy: awscloudfront.HeadersReferrerPolicy_NO_REFERRER, Override: jsii.Bool(true)},
			StrictTransportSecurity: &awscloudfront.ResponseHeadersStrictTransportSecurity{
				AccessControlMaxAge: awscdk.Duration_Days(jsii.Number(365)), IncludeSubdomains: jsii.Bool(true), Override: jsii.Bool(true),
			},
		},
	})

	config := awscloudfront.NewFunction(c, jsii.String("Config"), &awscloudfront.FunctionProps{
		Comment: jsii.String("Tandem console sign-in config"),
		Runtime: awscloudfront.FunctionRuntime_JS_2_0(),
		Code:    awscloudfront.FunctionCode_FromInline(jsii.String(configFunction(authDomain, users.client.UserPoolClientId()))),
	})

	siteOrigin := awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(site, nil)
	// https://<api id>.execute-api.<region>.amazonaws.com/ → its host.
	apiHost := awscdk.Fn_Select(jsii.Number(2), awscdk.Fn_Split(jsii.String("/"), apiURL, nil))
	dist := awscloudfront.NewDistribution(c, jsii.String("Distribution"), &awscloudfront.DistributionProps{
		Comment:           jsii.String("Tandem console and API"),
		DefaultRootObject: jsii.String("index.html"),
		HttpVersion:       awscloudfront.HttpVersion_HTTP2_AND_3,
		PriceClass:        awscloudfront.PriceClass_PRICE_CLASS_100,
		EnableLogging:     jsii.Bool(true),
		LogBucket:         logs,
		LogFilePrefix:     jsii.String("cloudfront/"),
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin:                siteOrigin,
			ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			CachePolicy:           awscloudfront.CachePolicy_CACHING_OPTIMIZED(),
			ResponseHeadersPolicy: headers,
		},
		AdditionalBehaviors: &map[string]*awscloudfront.BehaviorOptions{
			ConsoleConfigPath: {
				// Answered by the function; the origin is never asked.
				Origin:                siteOrigin,
				ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_HTTPS_ONLY,
				CachePolicy:           awscloudfront.CachePolicy_CACHING_DISABLED(),
				ResponseHeadersPolicy: headers,
				FunctionAssociations: &[]*awscloudfront.FunctionAssociation{{
					Function: config, EventType: awscloudfront.FunctionEventType_VIEWER_REQUEST,
				}},
			},
			"/v1/*": {
				// The API, same-origin for the console. Nothing is cached, and
				// every header but Host (API Gateway routes by it) reaches
				// the API, Authorization included.
				Origin: awscloudfrontorigins.NewHttpOrigin(apiHost, &awscloudfrontorigins.HttpOriginProps{
					ProtocolPolicy:     awscloudfront.OriginProtocolPolicy_HTTPS_ONLY,
					OriginSslProtocols: &[]awscloudfront.OriginSslPolicy{awscloudfront.OriginSslPolicy_TLS_V1_2},
				}),
				ViewerProtocolPolicy: awscloudfront.ViewerProtocolPolicy_HTTPS_ONLY,
				AllowedMethods:       awscloudfront.AllowedMethods_ALLOW_ALL(),
				CachePolicy:          awscloudfront.CachePolicy_CACHING_DISABLED(),
				OriginRequestPolicy:  awscloudfront.OriginRequestPolicy_ALL_VIEWER_EXCEPT_HOST_HEADER(),
			},
		},
	})
	cdknag.NagSuppressions_AddResourceSuppressions(dist, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-CFR4"),
		Reason: jsii.String("The distribution uses the default *.cloudfront.net certificate, whose minimum TLS version CloudFront fixes; " +
			"browsers negotiate TLS 1.2 or 1.3. A custom domain with an ACM certificate would set TLSv1.2_2021."),
	}}, jsii.Bool(true))

	output := func(id, description string, value *string) {
		o := awscdk.NewCfnOutput(c, jsii.String(id), &awscdk.CfnOutputProps{Value: value, Description: jsii.String(description)})
		o.OverrideLogicalId(jsii.String(id))
	}
	output("ConsoleUrl", "The web console (register it as the app client's callback and sign-out URL)",
		jsii.String("https://"+*dist.DistributionDomainName()+"/"))
	output("ConsoleBucket", "Bucket the console's files are uploaded to (make deploy does it)", site.BucketName())
	output("ConsoleDistributionId", "CloudFront distribution of the console, invalidated after an upload", dist.DistributionId())
	return &console{bucket: site, distribution: dist, authDomain: authDomain}
}

// managedLoginURL is the base URL of the user pool's Cognito domain
// (managed login), or nil while the pool has none.
func managedLoginURL(users *identity) *string {
	for _, child := range *users.pool.Node().Children() {
		if d, ok := child.(awscognito.UserPoolDomain); ok {
			return d.BaseUrl(nil)
		}
	}
	return nil
}

// configFunction is the CloudFront function (cloudfront-js-2.0) that
// answers /console/config.json: the same document the local runner serves
// (console.Config), for Cognito managed login. Without a managed login
// domain authDomain is empty and the console says sign-in is not set up.
func configFunction(authDomain, clientID *string) string {
	domain := ""
	if authDomain != nil {
		domain = strings.TrimRight(*authDomain, "/")
	}
	cfg, err := json.Marshal(map[string]string{
		"mode": "cognito", "authDomain": domain, "clientId": *clientID, "scopes": consoleScopes,
	})
	if err != nil {
		panic(err)
	}
	return `var config = ` + string(cfg) + `;
function handler(event) {
  return {
    statusCode: 200,
    statusDescription: "OK",
    headers: {
      "content-type": { value: "application/json" },
      "cache-control": { value: "no-cache" }
    },
    body: { encoding: "text", data: JSON.stringify(config) }
  };
}
`
}

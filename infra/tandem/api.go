package tandem

import (
	"encoding/json"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Stage-wide limits: far above what admins and partner webhooks need, low
// enough that a runaway client cannot run up the Lambda bill.
const (
	throttleRate  = 50
	throttleBurst = 100
)

// accessLogFormat uses HTTP API context variables (routeKey, not the REST
// API's resourcePath) and records why a request failed before reaching code.
var accessLogFormat = map[string]string{
	"requestId":        "$context.requestId",
	"ip":               "$context.identity.sourceIp",
	"requestTime":      "$context.requestTime",
	"routeKey":         "$context.routeKey",
	"status":           "$context.status",
	"protocol":         "$context.protocol",
	"responseLength":   "$context.responseLength",
	"latencyMs":        "$context.responseLatency",
	"authorizerError":  "$context.authorizer.error",
	"integrationError": "$context.integrationErrorMessage",
}

// api is the HTTP API. It is created before the functions, which need its
// URL to register webhooks, and gets its routes once they exist.
type api struct {
	http       awsapigatewayv2.HttpApi
	stage      awsapigatewayv2.HttpStage
	authorizer awsapigatewayv2authorizers.HttpJwtAuthorizer
}

func newAPI(scope constructs.Construct, id string, users *identity, stage stageSettings) *api {
	c := constructs.NewConstruct(scope, jsii.String(id))
	http := awsapigatewayv2.NewHttpApi(c, jsii.String("HttpApi"), &awsapigatewayv2.HttpApiProps{
		ApiName: jsii.String("tandem"),
		// The default stage is created below, where throttling and access
		// logging can be set.
		CreateDefaultStage: jsii.Bool(false),
	})

	logs := awslogs.NewLogGroup(c, jsii.String("AccessLogs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String("/tandem/api/access"),
		Retention:     awslogs.RetentionDays_ONE_MONTH,
		RemovalPolicy: stage.removal,
	})
	format, err := json.Marshal(accessLogFormat)
	if err != nil {
		panic(err)
	}
	httpStage := http.AddStage(jsii.String("DefaultStage"), &awsapigatewayv2.HttpStageOptions{
		StageName:  jsii.String("$default"),
		AutoDeploy: jsii.Bool(true),
		Throttle: &awsapigatewayv2.ThrottleSettings{
			RateLimit:  jsii.Number(throttleRate),
			BurstLimit: jsii.Number(throttleBurst),
		},
		AccessLogSettings: &accessLogSettings{
			destination: awsapigatewayv2.NewLogGroupLogDestination(logs),
			format:      awsapigateway.AccessLogFormat_Custom(jsii.String(string(format))),
		},
	})

	authorizer := awsapigatewayv2authorizers.NewHttpJwtAuthorizer(
		jsii.String("CognitoJwt"),
		users.pool.UserPoolProviderUrl(),
		&awsapigatewayv2authorizers.HttpJwtAuthorizerProps{
			JwtAudience: jsii.Strings(*users.client.UserPoolClientId()),
		},
	)
	return &api{http: http, stage: httpStage, authorizer: authorizer}
}

// url is the API's base URL; it ends in a slash.
func (a *api) url() *string {
	return a.stage.Url()
}

// addRoutes wires the functions in. Every /v1 route needs a Cognito token
// except the API's public OpenAPI document; webhooks cannot carry one and
// are verified by signature in the function.
func (a *api) addRoutes(f *functions) {
	authorized := func(path string, method awsapigatewayv2.HttpMethod, integration awsapigatewayv2integrations.HttpLambdaIntegration) {
		a.http.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
			Path:        jsii.String(path),
			Methods:     &[]awsapigatewayv2.HttpMethod{method},
			Integration: integration,
			Authorizer:  a.authorizer,
		})
	}
	integration := func(id string, fn awslambda.Function) awsapigatewayv2integrations.HttpLambdaIntegration {
		return awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String(id), fn, nil)
	}

	settings := integration("Settings", f.settings)
	authorized("/v1/settings/{proxy+}", awsapigatewayv2.HttpMethod_ANY, settings)

	connections := integration("Connections", f.connections)
	authorized("/v1/connections", awsapigatewayv2.HttpMethod_ANY, connections)
	authorized("/v1/connections/{proxy+}", awsapigatewayv2.HttpMethod_ANY, connections)

	// The API's OpenAPI document, which every function's router serves.
	contract := a.http.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
		Path:        jsii.String("/v1/openapi.json"),
		Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_GET},
		Integration: connections,
	})
	for _, route := range *contract {
		cdknag.NagSuppressions_AddResourceSuppressions(route, &[]*cdknag.NagPackSuppression{{
			Id: jsii.String("AwsSolutions-APIG4"),
			Reason: jsii.String("The API's OpenAPI document is public by design: it describes the API and holds no " +
				"organisation's data, and integrators' tools fetch it without a token."),
		}}, nil)
	}

	config := integration("Config", f.config)
	authorized("/v1/connections/{id}/config", awsapigatewayv2.HttpMethod_ANY, config)
	authorized("/v1/connections/{id}/options/{kind}", awsapigatewayv2.HttpMethod_GET, config)

	webhooks := a.http.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
		Path:        jsii.String("/webhooks/{platform}/{endpointId}"),
		Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_POST},
		Integration: integration("Webhook", f.webhook),
	})
	for _, route := range *webhooks {
		cdknag.NagSuppressions_AddResourceSuppressions(route, &[]*cdknag.NagPackSuppression{{
			Id: jsii.String("AwsSolutions-APIG4"),
			Reason: jsii.String("Partner platforms cannot obtain a Cognito token; the webhook function verifies each " +
				"payload's signature against the endpoint's secret and the endpoint id is unguessable."),
		}}, nil)
	}
}

// accessLogSettings implements the jsii interface that HttpStage takes.
type accessLogSettings struct {
	destination awsapigatewayv2.IAccessLogDestination
	format      awsapigateway.AccessLogFormat
}

func (s *accessLogSettings) Destination() awsapigatewayv2.IAccessLogDestination { return s.destination }
func (s *accessLogSettings) Format() awsapigateway.AccessLogFormat              { return s.format }

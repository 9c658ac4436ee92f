package tandem

import (
	"encoding/json"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Stage-wide limits: far above what admins need, low enough that a runaway
// client cannot run up the Lambda bill.
const (
	throttleRate  = 50
	throttleBurst = 100
)

// The webhook route has limits of its own, set on the route, so partner
// platforms' deliveries (bursty: a bulk edit posts one per ticket) and the
// people using /v1 never draw on one bucket, and a noisy sender is refused
// with 429, which every platform retries, without starving the console.
const (
	webhookRoute         = "POST /webhooks/{platform}/{endpointId}"
	webhookThrottleRate  = 100
	webhookThrottleBurst = 200
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

// apiMethods are the methods the /v1 routes accept. They are listed rather
// than ANY because an ANY route with an authorizer also catches the
// browser's OPTIONS preflight, which carries no token and would get 401;
// with no OPTIONS route, API Gateway answers preflights itself from the
// CORS configuration.
var apiMethods = []awsapigatewayv2.HttpMethod{
	awsapigatewayv2.HttpMethod_GET, awsapigatewayv2.HttpMethod_POST, awsapigatewayv2.HttpMethod_PUT,
	awsapigatewayv2.HttpMethod_PATCH, awsapigatewayv2.HttpMethod_DELETE,
}

// api is the HTTP API. It is created before the functions, which need its
// URL to register webhooks, and gets its routes once they exist.
type api struct {
	http       awsapigatewayv2.HttpApi
	stage      awsapigatewayv2.HttpStage
	authorizer awsapigatewayv2authorizers.HttpJwtAuthorizer
	// domain is the optional custom domain (Config.APIDomain), nil without.
	domain     awsapigatewayv2.DomainName
	domainName string
}

func newAPI(scope constructs.Construct, id string, users *identity, stage stageSettings, cfg Config) *api {
	c := constructs.NewConstruct(scope, jsii.String(id))
	props := &awsapigatewayv2.HttpApiProps{
		ApiName: jsii.String("tandem-" + stage.name),
		// The default stage is created below, where throttling and access
		// logging can be set.
		CreateDefaultStage: jsii.Bool(false),
	}
	if len(cfg.ConsoleOrigins) > 0 {
		// Browsers send the token in Authorization, not in cookies, so
		// credentials stay off.
		props.CorsPreflight = &awsapigatewayv2.CorsPreflightOptions{
			AllowOrigins: jsii.Strings(cfg.ConsoleOrigins...),
			AllowMethods: &[]awsapigatewayv2.CorsHttpMethod{
				awsapigatewayv2.CorsHttpMethod_GET, awsapigatewayv2.CorsHttpMethod_POST, awsapigatewayv2.CorsHttpMethod_PUT,
				awsapigatewayv2.CorsHttpMethod_PATCH, awsapigatewayv2.CorsHttpMethod_DELETE,
			},
			AllowHeaders:     jsii.Strings("authorization", "content-type"),
			AllowCredentials: jsii.Bool(false),
			MaxAge:           awscdk.Duration_Hours(jsii.Number(1)),
		}
	}
	http := awsapigatewayv2.NewHttpApi(c, jsii.String("HttpApi"), props)

	logs := awslogs.NewLogGroup(c, jsii.String("AccessLogs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String("/aws/apigateway/tandem-" + stage.name + "/access"),
		Retention:     awslogs.RetentionDays_ONE_MONTH,
		RemovalPolicy: stage.removal,
	})
	format, err := json.Marshal(accessLogFormat)
	if err != nil {
		panic(err)
	}
	a := &api{http: http}
	if cfg.APIDomain != "" {
		// Webhook URLs are registered with the platforms under this domain,
		// so they survive a replacement of the API (a new execute-api id).
		a.domainName = cfg.APIDomain
		a.domain = awsapigatewayv2.NewDomainName(c, jsii.String("Domain"), &awsapigatewayv2.DomainNameProps{
			DomainName:     jsii.String(cfg.APIDomain),
			Certificate:    awscertificatemanager.Certificate_FromCertificateArn(c, jsii.String("Certificate"), jsii.String(cfg.APICertificateARN)),
			SecurityPolicy: awsapigatewayv2.SecurityPolicy_TLS_1_2,
		})
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

	if a.domain != nil {
		// The L1 mapping: the L2 one adds a DependsOn on the domain that its
		// Ref already implies (cfn-lint W3005). It names the stage by its
		// name, so it does depend on the stage explicitly.
		mapping := awsapigatewayv2.NewCfnApiMapping(c, jsii.String("DomainMapping"), &awsapigatewayv2.CfnApiMappingProps{
			ApiId:      http.ApiId(),
			DomainName: a.domain.Name(),
			Stage:      httpStage.StageName(),
		})
		mapping.Node().AddDependency(httpStage)
	}

	authorizer := awsapigatewayv2authorizers.NewHttpJwtAuthorizer(
		jsii.String("CognitoJwt"),
		users.pool.UserPoolProviderUrl(),
		&awsapigatewayv2authorizers.HttpJwtAuthorizerProps{
			JwtAudience: jsii.Strings(*users.client.UserPoolClientId()),
		},
	)
	a.stage, a.authorizer = httpStage, authorizer
	return a
}

// url is the API's execute-api URL; it ends in a slash.
func (a *api) url() *string {
	return a.stage.Url()
}

// publicURL is where platforms send webhooks: the custom domain if there is
// one, else the execute-api URL.
func (a *api) publicURL() *string {
	if a.domain != nil {
		return jsii.String("https://" + a.domainName + "/")
	}
	return a.url()
}

// addRoutes wires the functions in. Every /v1 route needs a Cognito token
// except the API's public OpenAPI document; webhooks cannot carry one and
// are verified by signature in the function.
func (a *api) addRoutes(f *functions) {
	authorized := func(path string, methods []awsapigatewayv2.HttpMethod, integration awsapigatewayv2integrations.HttpLambdaIntegration) {
		a.http.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
			Path:        jsii.String(path),
			Methods:     &methods,
			Integration: integration,
			Authorizer:  a.authorizer,
		})
	}
	get := []awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_GET}
	integration := func(id string, fn awslambda.Function) awsapigatewayv2integrations.HttpLambdaIntegration {
		return awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String(id), fn, nil)
	}

	settings := integration("Settings", f.settings)
	authorized("/v1/settings/{proxy+}", apiMethods, settings)

	// Zendesk's OAuth redirect lands here from the administrator's browser,
	// which carries no Cognito token: the settings function trusts only the
	// single-use state it issued to the organisation.
	callback := a.http.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
		Path:        jsii.String("/v1/oauth/zendesk/callback"),
		Methods:     &get,
		Integration: settings,
	})
	for _, route := range *callback {
		cdknag.NagSuppressions_AddResourceSuppressions(route, &[]*cdknag.NagPackSuppression{{
			Id: jsii.String("AwsSolutions-APIG4"),
			Reason: jsii.String("Zendesk redirects the administrator's browser here after consent, without a Cognito " +
				"token; the settings function accepts only a single-use, ten-minute state it issued to the organisation."),
		}}, nil)
	}

	connections := integration("Connections", f.connections)
	authorized("/v1/connections", apiMethods, connections)
	authorized("/v1/connections/{proxy+}", apiMethods, connections)
	authorized("/v1/log", get, connections)

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
	authorized("/v1/connections/{id}/config", apiMethods, config)
	authorized("/v1/connections/{id}/options/{kind}", get, config)
	authorized("/v1/connections/{id}/preview", []awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_POST}, config)

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
		// Route settings name a route that must exist when the stage is
		// updated.
		a.stage.Node().AddDependency(route)
	}
	cfnStage := a.stage.Node().DefaultChild().(awsapigatewayv2.CfnStage)
	cfnStage.AddPropertyOverride(jsii.String("RouteSettings"), map[string]any{
		webhookRoute: map[string]any{"ThrottlingRateLimit": webhookThrottleRate, "ThrottlingBurstLimit": webhookThrottleBurst},
	})
}

// accessLogSettings implements the jsii interface that HttpStage takes.
type accessLogSettings struct {
	destination awsapigatewayv2.IAccessLogDestination
	format      awsapigateway.AccessLogFormat
}

func (s *accessLogSettings) Destination() awsapigatewayv2.IAccessLogDestination { return s.destination }
func (s *accessLogSettings) Format() awsapigateway.AccessLogFormat              { return s.format }

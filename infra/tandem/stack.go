// Package tandem is the whole Tandem system as one CDK stack per stage: one
// table, a FIFO queue pair per platform, the Go functions, the HTTP API, the
// Cognito user pool and the alarms.
package tandem

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// DefaultAssetDir is where `make build` leaves the zips, relative to infra/,
// which is where the CDK CLI runs the app.
const DefaultAssetDir = "../build"

type StackProps struct {
	awscdk.StackProps
	// Stage is "dev" or "prod".
	Stage string
	// AssetDir holds <function>.zip for every name in FunctionNames;
	// DefaultAssetDir when empty.
	AssetDir string
	// Config is the operator's settings for the stage (cdk.json).
	Config Config
}

// NewStack checks the inputs first so a missing build or a mistyped stage is
// reported plainly rather than as a jsii stack trace.
func NewStack(scope constructs.Construct, id string, props *StackProps) (awscdk.Stack, error) {
	stage, err := settingsFor(props.Stage)
	if err != nil {
		return nil, err
	}
	if err := props.Config.validate(); err != nil {
		return nil, fmt.Errorf("stage %s: %w", props.Stage, err)
	}
	assetDir := props.AssetDir
	if assetDir == "" {
		assetDir = DefaultAssetDir
	}
	if err := checkAssets(assetDir); err != nil {
		return nil, err
	}

	stack := awscdk.NewStack(scope, jsii.String(id), &props.StackProps)
	awscdk.Tags_Of(stack).Add(jsii.String("tandem:stage"), jsii.String(props.Stage), nil)

	users := newIdentity(stack, "Identity", stage, props.Config)
	table := newTable(stack, "Table", stage)
	queues := newQueues(stack, "Queues", stage, syncSize.timeout)
	api := newAPI(stack, "Api", users, stage, props.Config)
	fns := newFunctions(stack, "Functions", functionsProps{
		assetDir:          assetDir,
		table:             table,
		queues:            queues,
		files:             newFiles(stack, "Files"),
		webhookBaseURL:    api.publicURL(),
		stage:             stage,
		traceEveryChange:  props.Config.TraceEveryChange,
		reportEveryChange: props.Config.ReportEveryChange,
	})
	api.addRoutes(fns)
	newConsole(stack, "Console", api.url(), users)
	alarms := newAlarms(stack, "Alarms", stage, alarmsProps{queues: queues, functions: fns, api: api})

	output := func(id, description string, value *string) {
		awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{Value: value, Description: jsii.String(description)})
	}
	output("ApiUrl", "The API's execute-api URL", api.url())
	output("WebhookBaseUrl", "The base of every webhook URL registered with a platform", api.publicURL())
	if api.domain != nil {
		output("ApiDomainTarget", "Point the custom domain's DNS record (CNAME or alias) here",
			api.domain.RegionalDomainName())
	}
	output("UserPoolId", "Cognito user pool of the organisation admins", users.pool.UserPoolId())
	output("UserPoolClientId", "App client for the console and `tandem login`", users.client.UserPoolClientId())
	output("AuthDomain", "Cognito managed login (OAuth 2.0 authorization code with PKCE)", users.domain.BaseUrl(nil))
	output("TableName", "The DynamoDB table", table.TableName())
	output("AlarmTopicArn", "Every alarm notifies this SNS topic", alarms.topic.TopicArn())
	return stack, nil
}

func checkAssets(dir string) error {
	var missing []error
	for _, name := range FunctionNames() {
		zip := filepath.Join(dir, name+".zip")
		if _, err := os.Stat(zip); err != nil {
			missing = append(missing, err)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("function zips missing (run `make build` first): %w", errors.Join(missing...))
	}
	return nil
}

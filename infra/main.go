// Command infra is the CDK app for Tandem. From this directory:
//
//	cdk synth -c stage=prod [-c assetDir=/path/to/zips]
package main

import (
	"log"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
	"github.com/tandemsync/tandem/infra/tandem"
)

func main() {
	if err := synth(); err != nil {
		log.Fatal(err)
	}
}

func synth() error {
	defer jsii.Close()

	app := awscdk.NewApp(nil)
	context := func(key, fallback string) string {
		if v, ok := app.Node().TryGetContext(jsii.String(key)).(string); ok && v != "" {
			return v
		}
		return fallback
	}
	stage := context("stage", "dev")
	_, err := tandem.NewStack(app, "Tandem", &tandem.StackProps{
		StackProps: awscdk.StackProps{
			StackName:   jsii.String("Tandem"),
			Description: jsii.String("Tandem cross-organisation ticket sync (" + stage + ")"),
		},
		Stage:    stage,
		AssetDir: context("assetDir", tandem.DefaultAssetDir),
	})
	if err != nil {
		return err
	}
	// The same checks as the tests, so a synth never hands a failing
	// template to a deploy.
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(nil), nil)
	app.Synth(nil)
	return nil
}

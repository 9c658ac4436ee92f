// Command infra is the CDK app for Tandem. It synthesizes one stage's stack,
// Tandem-<stage>; the stage is always explicit. From this directory:
//
//	cdk synth -c stage=prod [-c account=123456789012] [-c assetDir=/path/to/zips]
//
// Per-stage settings (account pin, console origins, sign-in URLs, custom
// API domain) live in cdk.json under "tandem:stages"; -c account overrides
// the pin.
package main

import (
	"errors"
	"log"
	"os"

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
	context := func(key string) string {
		v, _ := app.Node().TryGetContext(jsii.String(key)).(string)
		return v
	}
	stage := context("stage")
	if stage == "" {
		// No default: a deploy with production credentials must never
		// become a dev deploy (no deletion protection, DESTROY policies).
		return errors.New("no stage given: run `cdk synth -c stage=dev` or `cdk deploy -c stage=prod` (make synth STAGE=…)")
	}
	cfg, err := tandem.ConfigFrom(app.Node().TryGetContext(jsii.String("tandem:stages")), stage)
	if err != nil {
		return err
	}
	if account := context("account"); account != "" {
		cfg.Account = account
	}
	// The CDK CLI sets CDK_DEFAULT_ACCOUNT from the credentials it found.
	if err := tandem.CheckAccount(stage, cfg.Account, os.Getenv("CDK_DEFAULT_ACCOUNT")); err != nil {
		return err
	}
	var env *awscdk.Environment
	if cfg.Account != "" {
		// Bound to the account, the stack cannot be deployed with other
		// credentials even when the synth ran without any.
		env = &awscdk.Environment{Account: jsii.String(cfg.Account)}
	}

	assetDir := context("assetDir")
	_, err = tandem.NewStack(app, tandem.StackName(stage), &tandem.StackProps{
		StackProps: awscdk.StackProps{
			StackName:   jsii.String(tandem.StackName(stage)),
			Description: jsii.String("Tandem cross-organisation ticket sync (" + stage + ")"),
			Env:         env,
		},
		Stage:    stage,
		AssetDir: assetDir,
		Config:   cfg,
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

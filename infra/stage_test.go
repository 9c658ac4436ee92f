package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/jsii-runtime-go"

	"github.com/tandemsync/tandem/infra/lambdazip"
	"github.com/tandemsync/tandem/infra/tandem"
)

// Every stage is its own stack, and every physical name carries the stage,
// so dev and prod fit in one account and region.
func TestStacksAndNamesPerStage(t *testing.T) {
	for stage, s := range stacks {
		if got := *s.stack.StackName(); got != "Tandem-"+stage {
			t.Errorf("stack name %q, want Tandem-%s", got, stage)
		}
	}
	names := map[string]string{} // physical name -> stage
	for stage, s := range stacks {
		for id, r := range s.resources {
			p := props(r)
			for _, key := range []string{"FunctionName", "QueueName", "TableName", "LogGroupName", "TopicName", "AlarmName", "UserPoolName", "Name"} {
				name, ok := p[key].(string)
				// Only an API's Name is unique in the account; an
				// authorizer's is unique within its API.
				if !ok || key == "Name" && r["Type"] != "AWS::ApiGatewayV2::Api" {
					continue
				}
				if !strings.Contains(name, "tandem-"+stage) {
					t.Errorf("%s %s: %s %q does not carry the stage", stage, id, key, name)
				}
				if other, dup := names[name]; dup && other != stage {
					t.Errorf("%s %q is used by %s and %s", key, name, other, stage)
				}
				names[name] = stage
			}
		}
	}
}

func TestStageIsAClosedSet(t *testing.T) {
	app := awscdk.NewApp(nil)
	if _, err := tandem.NewStack(app, "Typo", &tandem.StackProps{Stage: "production", AssetDir: assetDir}); err == nil {
		t.Error("stage \"production\" was accepted; a typo must not get dev's DESTROY policies")
	}
	if _, err := tandem.NewStack(app, "NoStage", &tandem.StackProps{AssetDir: assetDir}); err == nil {
		t.Error("an empty stage was accepted")
	}
}

// A stage pinned to an account refuses credentials of another; without a
// pin, or without credentials (the stack is then bound to the account), the
// synth goes ahead.
func TestAccountPin(t *testing.T) {
	for _, tc := range []struct {
		pinned, current string
		ok              bool
	}{
		{"", "111111111111", true},
		{"123456789012", "", true},
		{"123456789012", "123456789012", true},
		{"123456789012", "111111111111", false},
	} {
		err := tandem.CheckAccount("prod", tc.pinned, tc.current)
		if (err == nil) != tc.ok {
			t.Errorf("pinned %q, credentials %q: %v", tc.pinned, tc.current, err)
		}
		if err != nil && !strings.Contains(err.Error(), tc.pinned) {
			t.Errorf("error %q does not name the pinned account", err)
		}
	}
	// The pinned stack (prod here) is bound to its account.
	if got := *stacks["prod"].stack.Account(); got != prodConfig.Account {
		t.Errorf("prod stack account %q, want %s", got, prodConfig.Account)
	}
}

func TestStageConfig(t *testing.T) {
	stages := map[string]any{
		"dev":  map[string]any{"consoleOrigins": []any{"http://localhost:8080"}},
		"prod": map[string]any{"account": "123456789012", "apiDomain": "api.example.com", "apiCertificateArn": prodConfig.APICertificateARN},
	}
	cfg, err := tandem.ConfigFrom(stages, "prod")
	if err != nil || cfg.Account != "123456789012" || cfg.APIDomain != "api.example.com" {
		t.Errorf("prod: %+v, %v", cfg, err)
	}
	if cfg, err := tandem.ConfigFrom(nil, "dev"); err != nil || len(cfg.ConsoleOrigins) != 0 {
		t.Errorf("no context: %+v, %v", cfg, err)
	}
	for name, bad := range map[string]any{
		"unknown stage":       map[string]any{"production": map[string]any{}},
		"misspelt field":      map[string]any{"prod": map[string]any{"acount": "123456789012"}},
		"short account":       map[string]any{"prod": map[string]any{"account": "1234"}},
		"http origin":         map[string]any{"prod": map[string]any{"consoleOrigins": []any{"http://console.example.com"}}},
		"origin with a path":  map[string]any{"prod": map[string]any{"consoleOrigins": []any{"https://console.example.com/app"}}},
		"http callback":       map[string]any{"prod": map[string]any{"callbackUrls": []any{"http://console.example.com/cb"}}},
		"domain without cert": map[string]any{"prod": map[string]any{"apiDomain": "api.example.com"}},
		"reserved prefix":     map[string]any{"prod": map[string]any{"authDomainPrefix": "my-cognito"}},
	} {
		if _, err := tandem.ConfigFrom(bad, "prod"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// Two builds of unchanged code give the same asset hash, so `cdk diff`
// after a rebuild shows no code change and a deploy updates no function.
// lambdazip (run by `make build`) stores no file times; Go builds with
// -trimpath and -buildvcs=false are reproducible themselves.
func TestRebuildKeepsAssetHashes(t *testing.T) {
	tmp := t.TempDir()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(filepath.Join(tmp, "cdk.out"))})
	stack := awscdk.NewStack(app, jsii.String("Assets"), nil)
	var hashes []string
	for i, at := range []time.Time{time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC), time.Date(2026, 5, 1, 9, 30, 0, 0, time.UTC)} {
		build := filepath.Join(tmp, "build", string(rune('a'+i)))
		dir := filepath.Join(build, "settings")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		bootstrap := filepath.Join(dir, "bootstrap")
		if err := os.WriteFile(bootstrap, []byte("\x7fELF unchanged code"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(bootstrap, at, at); err != nil {
			t.Fatal(err)
		}
		zip := filepath.Join(build, "settings.zip")
		if err := lambdazip.Dir(zip, dir); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(zip, at, at); err != nil {
			t.Fatal(err)
		}
		asset := awss3assets.NewAsset(stack, jsii.String("Build"+string(rune('A'+i))), &awss3assets.AssetProps{Path: jsii.String(zip)})
		hashes = append(hashes, *asset.AssetHash())
	}
	if hashes[0] != hashes[1] {
		t.Errorf("asset hashes %v: a rebuild without code changes would redeploy every function", hashes)
	}
}

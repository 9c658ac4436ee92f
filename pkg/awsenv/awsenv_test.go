package awsenv_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/tandemsync/tandem/pkg/awsenv"
)

// resolved is what a function's clients end up with.
type resolved struct {
	Region, AccessKey, Secret, Token, Account string
	// Endpoints by service: "" is the SDK's default endpoint for the region.
	DynamoDB, SQS, SecretsManager, S3 string
}

func resolve(t *testing.T, cfg aws.Config) resolved {
	t.Helper()
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatalf("credentials: %v", err)
	}
	deref := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	return resolved{
		Region: cfg.Region, AccessKey: creds.AccessKeyID, Secret: creds.SecretAccessKey, Token: creds.SessionToken, Account: creds.AccountID,
		DynamoDB:       deref(dynamodb.NewFromConfig(cfg).Options().BaseEndpoint),
		SQS:            deref(sqs.NewFromConfig(cfg).Options().BaseEndpoint),
		SecretsManager: deref(secretsmanager.NewFromConfig(cfg).Options().BaseEndpoint),
		S3:             deref(s3.NewFromConfig(cfg).Options().BaseEndpoint),
	}
}

// TestConfigMatchesTheSDK sets each environment and holds awsenv.Config to
// what the SDK's config.LoadDefaultConfig makes of it (no shared config
// files: HOME is empty), as seen by the four service clients Tandem uses.
func TestConfigMatchesTheSDK(t *testing.T) {
	lambda := map[string]string{
		"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1",
		"AWS_ACCESS_KEY_ID": "ASIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token",
	}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range lambda {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name string
		env  map[string]string
		want resolved
	}{
		{"what Lambda sets", lambda,
			resolved{Region: "eu-west-1", AccessKey: "ASIAEXAMPLE", Secret: "secret", Token: "token"}},
		{"AWS_REGION wins over AWS_DEFAULT_REGION", with(map[string]string{"AWS_DEFAULT_REGION": "us-east-2"}),
			resolved{Region: "eu-west-1", AccessKey: "ASIAEXAMPLE", Secret: "secret", Token: "token"}},
		{"AWS_DEFAULT_REGION alone", with(map[string]string{"AWS_REGION": "", "AWS_DEFAULT_REGION": "us-east-2"}),
			resolved{Region: "us-east-2", AccessKey: "ASIAEXAMPLE", Secret: "secret", Token: "token"}},
		{"long-term keys, no token, account id", with(map[string]string{"AWS_SESSION_TOKEN": "", "AWS_ACCOUNT_ID": "123456789012"}),
			resolved{Region: "eu-west-1", AccessKey: "ASIAEXAMPLE", Secret: "secret", Account: "123456789012"}},
		{"the older key names", with(map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_ACCESS_KEY": "AKIAOLD", "AWS_SECRET_KEY": "old"}),
			resolved{Region: "eu-west-1", AccessKey: "AKIAOLD", Secret: "old", Token: "token"}},
		{"AWS_ENDPOINT_URL for every service", with(map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:5000"}),
			resolved{Region: "eu-west-1", AccessKey: "ASIAEXAMPLE", Secret: "secret", Token: "token",
				DynamoDB: "http://127.0.0.1:5000", SQS: "http://127.0.0.1:5000", SecretsManager: "http://127.0.0.1:5000", S3: "http://127.0.0.1:5000"}},
		{"AWS_ENDPOINT_URL_<SERVICE> over AWS_ENDPOINT_URL", with(map[string]string{
			"AWS_ENDPOINT_URL": "http://127.0.0.1:5000", "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000",
			"AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://127.0.0.1:4566", "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9000"}),
			resolved{Region: "eu-west-1", AccessKey: "ASIAEXAMPLE", Secret: "secret", Token: "token",
				DynamoDB: "http://127.0.0.1:8000", SQS: "http://127.0.0.1:5000", SecretsManager: "http://127.0.0.1:4566", S3: "http://127.0.0.1:9000"}},
		{"one service's endpoint alone", with(map[string]string{"AWS_ENDPOINT_URL_SQS": "http://127.0.0.1:9324"}),
			resolved{Region: "eu-west-1", AccessKey: "ASIAEXAMPLE", Secret: "secret", Token: "token", SQS: "http://127.0.0.1:9324"}},
		{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", with(map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
			"AWS_ENDPOINT_URL_SQS": "http://127.0.0.1:9324", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}),
			resolved{Region: "eu-west-1", AccessKey: "ASIAEXAMPLE", Secret: "secret", Token: "token"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			setEnv(t, tc.env)
			cfg, err := awsenv.Config(os.Getenv)
			if err != nil {
				t.Fatal(err)
			}
			got := resolve(t, cfg)
			if got != tc.want {
				t.Errorf("awsenv.Config resolves\n%+v, want\n%+v", got, tc.want)
			}
			sdk, err := config.LoadDefaultConfig(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if s := resolve(t, sdk); got != s {
				t.Errorf("awsenv.Config resolves\n%+v, config.LoadDefaultConfig\n%+v", got, s)
			}
		})
	}
}

// TestRetrySettingsMatchTheSDK holds the retry variables to what
// config.LoadDefaultConfig makes of them, as the DynamoDB client's options
// show them: its retry mode and its retryer's attempts.
func TestRetrySettingsMatchTheSDK(t *testing.T) {
	base := map[string]string{"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "ASIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret"}
	retryer := func(cfg aws.Config) string {
		o := dynamodb.NewFromConfig(cfg).Options()
		return fmt.Sprintf("mode %q, %d attempts", o.RetryMode, o.Retryer.MaxAttempts())
	}
	tests := []struct {
		name    string
		env     map[string]string
		want    string // "" for the client's default, whatever it is
		wantErr string
	}{
		{"neither set", nil, "", ""},
		{"AWS_MAX_ATTEMPTS", map[string]string{"AWS_MAX_ATTEMPTS": "7"}, `mode "standard", 7 attempts`, ""},
		{"AWS_RETRY_MODE adaptive", map[string]string{"AWS_RETRY_MODE": "adaptive", "AWS_MAX_ATTEMPTS": "2"}, `mode "adaptive", 2 attempts`, ""},
		{"AWS_RETRY_MODE standard", map[string]string{"AWS_RETRY_MODE": "standard", "AWS_MAX_ATTEMPTS": "5"}, `mode "standard", 5 attempts`, ""},
		{"malformed attempts", map[string]string{"AWS_MAX_ATTEMPTS": "many"}, "", "AWS_MAX_ATTEMPTS"},
		{"unknown mode", map[string]string{"AWS_RETRY_MODE": "eager"}, "", "AWS_RETRY_MODE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			for k, v := range tc.env {
				env[k] = v
			}
			setEnv(t, env)
			cfg, err := awsenv.Config(os.Getenv)
			_, sdkErr := config.LoadDefaultConfig(context.Background())
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || sdkErr == nil {
					t.Fatalf("awsenv err = %v, SDK err = %v; want both to refuse %s", err, sdkErr, tc.wantErr)
				}
				return
			}
			if err != nil || sdkErr != nil {
				t.Fatalf("awsenv err = %v, SDK err = %v", err, sdkErr)
			}
			sdk, _ := config.LoadDefaultConfig(context.Background())
			got := retryer(cfg)
			if tc.want != "" && got != tc.want {
				t.Errorf("awsenv.Config gives %s, want %s", got, tc.want)
			}
			if s := retryer(sdk); got != s {
				t.Errorf("awsenv.Config gives %s, config.LoadDefaultConfig %s", got, s)
			}
		})
	}
}

func TestConfigNeedsRegionAndCredentials(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"no region", map[string]string{"AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "s"}, "AWS_REGION"},
		{"no secret key", map[string]string{"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "A"}, "AWS_SECRET_ACCESS_KEY"},
		{"no access key", map[string]string{"AWS_REGION": "eu-west-1", "AWS_SECRET_ACCESS_KEY": "s"}, "AWS_ACCESS_KEY_ID"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := awsenv.Config(func(k string) string { return tc.env[k] })
			if !errors.Is(err, awsenv.ErrIncomplete) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want ErrIncomplete naming %s", err, tc.want)
			}
		})
	}
}

// setEnv replaces every AWS_ variable with env's, and points HOME at an
// empty directory so the SDK finds no shared config.
func setEnv(t *testing.T, env map[string]string) {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	t.Setenv("HOME", t.TempDir())
	for k, v := range env {
		t.Setenv(k, v)
		if v == "" {
			os.Unsetenv(k)
		}
	}
}

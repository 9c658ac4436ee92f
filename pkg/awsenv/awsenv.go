// Package awsenv builds a Lambda function's aws.Config from the
// environment Lambda gives it, without the SDK's config package: that
// package brings the STS, SSO, SSO OIDC and Sign-In clients (their schemas
// and endpoint tables are built at package init) for credential sources a
// Lambda function never has. BENCHMARKS.md ("Import graphs per function")
// has the measurement.
//
// It reads what the SDK's environment configuration reads for these
// settings, with the same precedence:
//   - region: AWS_REGION, else AWS_DEFAULT_REGION;
//   - credentials: AWS_ACCESS_KEY_ID (else AWS_ACCESS_KEY),
//     AWS_SECRET_ACCESS_KEY (else AWS_SECRET_KEY), AWS_SESSION_TOKEN and
//     AWS_ACCOUNT_ID, as static credentials (Lambda sets them for the
//     execution role, valid for the life of the execution environment);
//   - endpoints: AWS_ENDPOINT_URL for every service, AWS_ENDPOINT_URL_<SERVICE>
//     for one (the service's SDK id upper-cased, spaces as underscores, e.g.
//     AWS_ENDPOINT_URL_SECRETS_MANAGER), both off when
//     AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true;
//   - retries: AWS_MAX_ATTEMPTS and AWS_RETRY_MODE (standard or adaptive),
//     refused when malformed, as the SDK refuses them.
//
// Shared config files, profiles, web identity, SSO and container or
// instance credentials are not read: a process that needs them (the CLI
// tools, the local runner) uses config.LoadDefaultConfig.
package awsenv

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// ErrIncomplete means the environment lacks a region or credentials.
var ErrIncomplete = errors.New("aws environment incomplete")

// Config builds the configuration from getenv (os.Getenv in a function).
func Config(getenv func(string) string) (aws.Config, error) {
	first := func(keys ...string) string {
		for _, k := range keys {
			if v := getenv(k); v != "" {
				return v
			}
		}
		return ""
	}
	region := first("AWS_REGION", "AWS_DEFAULT_REGION")
	if region == "" {
		return aws.Config{}, errors.Join(ErrIncomplete, errors.New("neither AWS_REGION nor AWS_DEFAULT_REGION is set"))
	}
	creds := aws.Credentials{
		AccessKeyID:     first("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY"),
		SecretAccessKey: first("AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY"),
		SessionToken:    getenv("AWS_SESSION_TOKEN"),
		AccountID:       getenv("AWS_ACCOUNT_ID"),
	}
	if !creds.HasKeys() {
		return aws.Config{}, errors.Join(ErrIncomplete, errors.New("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set"))
	}
	ep := endpoints{getenv: getenv, ignore: strings.EqualFold(getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true")}
	cfg := aws.Config{
		Region: region,
		// As config.LoadDefaultConfig provides environment credentials.
		Credentials: credentials.StaticCredentialsProvider{Value: creds, Source: []aws.CredentialSource{aws.CredentialSourceEnvVars}},
		// Each service client asks its config sources for its own
		// endpoint (GetServiceBaseEndpoint) when AWS_ENDPOINT_URL_<SERVICE>
		// is set.
		ConfigSources: []any{ep},
	}
	if u := getenv("AWS_ENDPOINT_URL"); u != "" && !ep.ignore {
		cfg.BaseEndpoint = aws.String(u)
	}
	if v := getenv("AWS_MAX_ATTEMPTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return aws.Config{}, fmt.Errorf("AWS_MAX_ATTEMPTS=%s: %w", v, err)
		}
		cfg.RetryMaxAttempts = n
	}
	if v := getenv("AWS_RETRY_MODE"); v != "" {
		mode, err := aws.ParseRetryMode(v)
		if err != nil {
			return aws.Config{}, fmt.Errorf("AWS_RETRY_MODE=%s: %w", v, err)
		}
		cfg.RetryMode = mode
	}
	return cfg, nil
}

// endpoints answers the service clients' question for a service's own
// endpoint.
type endpoints struct {
	getenv func(string) string
	ignore bool
}

// GetServiceBaseEndpoint is the interface the SDK's service clients look
// for in aws.Config.ConfigSources.
func (e endpoints) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	if e.ignore {
		return "", false, nil
	}
	v := e.getenv("AWS_ENDPOINT_URL_" + strings.ReplaceAll(strings.ToUpper(sdkID), " ", "_"))
	return v, v != "", nil
}

// Package app builds Tandem's dependencies once per process — from the
// environment in Lambda, from embedded defaults in the local runner — and
// hands out what every function shares: the store, secrets, queues,
// platforms, the webhook installer, the sync engine, the scheduled
// handlers. The functions that need more import it from a package of
// their own, so each binary links only what it runs: apifn (the HTTP API
// and the webhook receiver, every platform) and syncfn (one platform's
// sync function, with the attachment store); allplatforms lists the
// platforms. TestFunctionImports pins who imports what.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/tandemsync/tandem/pkg/awsenv"
	"github.com/tandemsync/tandem/pkg/budget"
	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/dynamostore"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/queue"
	"github.com/tandemsync/tandem/pkg/queue/sqsqueue"
	"github.com/tandemsync/tandem/pkg/relay"
	"github.com/tandemsync/tandem/pkg/secretstore"
	"github.com/tandemsync/tandem/pkg/settings"
)

// Deps are the long-lived parts every handler shares.
type Deps struct {
	Log         *slog.Logger
	Clock       clock.Clock
	Store       *dynamostore.Store
	Secrets     settings.SecretStore
	Settings    *settings.Service
	Connections *connection.Service
	// DevBearer accepts the dev bearer token (api.Auth.DevBearer): the
	// local runner, tests, and sam local (localdev.go).
	DevBearer bool
	// AWS is the Lambda environment's AWS configuration; zero outside
	// Lambda.
	AWS aws.Config
	// Queue sends to the FIFO queues; nil in functions that send nothing.
	Queue queue.Sender
	// Files holds attachment content too large for a queue message; nil
	// outside the sync functions.
	Files relay.Files
	// WebhookBaseURL is the public API URL that platforms call back.
	WebhookBaseURL string
	// Meter counts every organisation's platform calls and holds sync
	// near the hourly budget.
	Meter      *budget.Meter
	providers  *Platforms
	platforms  *OrgPlatforms
	syncCache  *syncCache
	zendeskApp *zendeskApp
	localMode  bool
}

// Options choose the adapters; FromEnv fills them from the environment.
type Options struct {
	Table          string
	DynamoDB       *dynamodb.Client
	Secrets        settings.SecretStore
	Queue          queue.Sender
	Files          relay.Files
	WebhookBaseURL string
	Clock          clock.Clock
	Log            *slog.Logger
	// LocalMode allows http and private addresses for platform URLs and the
	// dev bearer token. Only the local runner and tests set it.
	LocalMode bool
	// Providers are the platforms to wire (allplatforms.Providers, or a
	// sync function's one).
	Providers []platform.Provider
}

// New wires Deps from explicit adapters.
func New(o Options) *Deps {
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewJSONHandler(os.Stdout, nil))
	}
	store := dynamostore.New(o.DynamoDB, o.Table)
	reg := NewPlatforms(o.Providers, o.LocalMode)
	d := &Deps{
		Log:            o.Log,
		Clock:          o.Clock,
		Store:          store,
		Secrets:        o.Secrets,
		providers:      reg,
		Settings:       settings.NewService(store, o.Secrets, reg, o.Clock, o.Log),
		Connections:    connection.NewService(store, o.Clock, o.Log),
		DevBearer:      o.LocalMode,
		Queue:          o.Queue,
		Files:          o.Files,
		WebhookBaseURL: strings.TrimRight(o.WebhookBaseURL, "/"),
		zendeskApp:     &zendeskApp{secrets: o.Secrets, name: zendeskOAuthSecretName()},
		localMode:      o.LocalMode,
		Meter:          budget.NewMeter(store, o.Clock),
	}
	reg.keep = d.keepTokens
	reg.track = func(org string, c platform.Client) { d.Meter.Track(org, c) }
	d.platforms = newOrgPlatforms(d.Settings, reg)
	d.syncCache = newSyncCache(d.Store)
	d.Settings.Endpoints = d.Installer()
	d.Settings.Changed = d.platforms.forget
	d.Connections.Ready = d.Settings
	return d
}

// FromEnv builds Deps for a Lambda function wiring providers, with the
// AWS configuration Lambda's environment gives (package awsenv: region,
// credentials, AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>).
func FromEnv(providers []platform.Provider) (*Deps, error) {
	table := os.Getenv("TANDEM_TABLE")
	if table == "" {
		return nil, errors.New("TANDEM_TABLE is not set: it names the DynamoDB table")
	}
	cfg, err := awsenv.Config(os.Getenv)
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	var q queue.Sender
	if urls := sqsqueue.URLsFromEnv(); len(urls) > 0 {
		q = sqsqueue.New(sqs.NewFromConfig(cfg), urls)
	}
	// Each stage keeps its secrets under its own prefix (tandem/<stage>/);
	// the dev bearer is for sam local start-api only (localdev.go).
	d := New(Options{
		Table:          table,
		DynamoDB:       dynamodb.NewFromConfig(cfg, dynamostore.Retries),
		Secrets:        settings.PrefixedSecrets(secretstore.NewSecretsManager(secretsmanager.NewFromConfig(cfg)), os.Getenv("TANDEM_SECRET_PREFIX")),
		Queue:          q,
		WebhookBaseURL: os.Getenv("TANDEM_WEBHOOK_BASE_URL"),
		Providers:      providers,
	})
	d.AWS = cfg
	d.DevBearer = localDevAuth(os.Getenv)
	return d, nil
}

// FlushCalls writes the calls counted when the last write is
// budget.FlushInterval old; a failure is logged and the calls are kept for
// the next flush. Each handler calls it before the function is frozen.
func (d *Deps) FlushCalls(ctx context.Context) {
	if err := d.Meter.FlushDue(ctx); err != nil {
		d.Log.WarnContext(ctx, "platform calls not counted yet", "error", err)
	}
}

// Init builds a Lambda function's dependencies from the environment, once,
// at cold start, wiring providers (none for a function that calls no
// platform). A function that cannot start exits, so Lambda reports the
// init error instead of serving half-built handlers.
func Init(function string, providers ...platform.Provider) *Deps {
	deps, err := FromEnv(providers)
	if err != nil {
		slog.Error(function+": cannot start", "error", err)
		os.Exit(1)
	}
	return deps
}

// Kinds lists the wired platforms: one sync function and one pair of
// queues each.
func (d *Deps) Kinds() []platform.Kind { return d.providers.Kinds() }

// Providers are the wired platforms, looked up by kind.
func (d *Deps) Providers() *Platforms { return d.providers }

// OrgPlatforms gives each organisation's platform and a client for it.
func (d *Deps) OrgPlatforms() *OrgPlatforms { return d.platforms }

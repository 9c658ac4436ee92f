// Package app builds Tandem's dependencies once per process — from the
// environment in Lambda, from embedded defaults in the local runner — and
// hands out the handlers each function serves.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/tandemsync/tandem/pkg/api"
	"github.com/tandemsync/tandem/pkg/budget"
	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/dynamostore"
	"github.com/tandemsync/tandem/pkg/filestore"
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
	Auth        api.Auth
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
	platforms  *orgPlatforms
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
	// Providers are the platforms to wire; nil is Providers.
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
	if o.Providers == nil {
		o.Providers = Providers
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
		Auth:           api.Auth{DevBearer: o.LocalMode},
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

// FromEnv builds Deps for a Lambda function. The AWS SDK reads region,
// credentials and AWS_ENDPOINT_URL the standard way.
func FromEnv(ctx context.Context) (*Deps, error) {
	table := os.Getenv("TANDEM_TABLE")
	if table == "" {
		return nil, errors.New("TANDEM_TABLE is not set: it names the DynamoDB table")
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	var q queue.Sender
	if urls := sqsqueue.URLsFromEnv(); len(urls) > 0 {
		q = sqsqueue.New(sqs.NewFromConfig(cfg), urls)
	}
	var files relay.Files
	if bucket := os.Getenv("TANDEM_FILES_BUCKET"); bucket != "" {
		files = filestore.NewFromConfig(cfg, bucket)
	}
	// Each stage keeps its secrets under its own prefix (tandem/<stage>/);
	// the dev bearer is for sam local start-api only (localdev.go).
	d := New(Options{
		Table:          table,
		DynamoDB:       dynamodb.NewFromConfig(cfg),
		Secrets:        settings.PrefixedSecrets(secretstore.NewSecretsManager(secretsmanager.NewFromConfig(cfg)), os.Getenv("TANDEM_SECRET_PREFIX")),
		Queue:          q,
		Files:          files,
		WebhookBaseURL: os.Getenv("TANDEM_WEBHOOK_BASE_URL"),
	})
	d.Auth.DevBearer = localDevAuth(os.Getenv)
	return d, nil
}

// Router returns a router with every API route; the Lambda functions serve
// their slice of it and the local runner serves all of it.
func (d *Deps) Router() *api.Router {
	rt := api.NewRouter(d.Auth, d.Log)
	d.settingsRoutes(rt)
	api.ConnectionRoutes(rt, d.Connections)
	api.ConfigRoutes(rt, d.NewConfiguration())
	api.PreviewRoutes(rt, d.NewPreview())
	api.LogRoutes(rt, d.Connections, d.Store, d.Store)
	api.FailureRoutes(rt, d.Connections, d.Store, d.Queue, d.Clock)
	api.AttentionRoutes(rt, d.Connections, d.Store, d.Store)
	api.InitialSyncRoutes(rt, d.Connections, d.Store, d.platforms, d.Queue, d.Clock)
	return rt
}

func (d *Deps) settingsRoutes(rt *api.Router) {
	api.SettingsRoutes(rt, d.Settings)
	api.WebhookRoutes(rt, d.Installer())
	api.OAuthRoutes(rt, d.OAuthFlow())
	api.UsageRoutes(rt, usage{d.platforms, d.Store}, d.Clock)
}

// usage reads an organisation's platform and its hourly calls for the
// usage page.
type usage struct {
	*orgPlatforms
	*dynamostore.Store
}

// SettingsHandler serves functions/settings.
func (d *Deps) SettingsHandler() api.Handler {
	rt := api.NewRouter(d.Auth, d.Log)
	d.settingsRoutes(rt)
	return d.Metered(rt.Handler())
}

// ConnectionsHandler serves functions/connections, sync log, failures,
// replays and the attention list included.
func (d *Deps) ConnectionsHandler() api.Handler {
	rt := api.NewRouter(d.Auth, d.Log)
	api.ConnectionRoutes(rt, d.Connections)
	api.LogRoutes(rt, d.Connections, d.Store, d.Store)
	api.FailureRoutes(rt, d.Connections, d.Store, d.Queue, d.Clock)
	api.AttentionRoutes(rt, d.Connections, d.Store, d.Store)
	api.InitialSyncRoutes(rt, d.Connections, d.Store, d.platforms, d.Queue, d.Clock)
	return d.Metered(rt.Handler())
}

// Metered writes the platform calls h's requests made to the shared
// counter (budget.Meter.FlushDue) before the function is frozen.
func (d *Deps) Metered(h api.Handler) api.Handler {
	return func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		resp, err := h(ctx, req)
		d.flushCalls(ctx)
		return resp, err
	}
}

// flushCalls writes the calls counted when the last write is
// budget.FlushInterval old; a failure is logged and the calls are kept for
// the next flush.
func (d *Deps) flushCalls(ctx context.Context) {
	if err := d.Meter.FlushDue(ctx); err != nil {
		d.Log.WarnContext(ctx, "platform calls not counted yet", "error", err)
	}
}

// Init builds a Lambda function's dependencies from the environment, once,
// at cold start. A function that cannot start exits, so Lambda reports the
// init error instead of serving half-built handlers.
func Init(function string) *Deps {
	deps, err := FromEnv(context.Background())
	if err != nil {
		slog.Error(function+": cannot start", "error", err)
		os.Exit(1)
	}
	return deps
}

// Kinds lists the wired platforms: one sync function and one pair of
// queues each.
func (d *Deps) Kinds() []platform.Kind { return d.providers.Kinds() }

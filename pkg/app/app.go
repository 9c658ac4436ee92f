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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/tandemsync/tandem/pkg/api"
	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/dynamostore"
	"github.com/tandemsync/tandem/pkg/platforms"
	"github.com/tandemsync/tandem/pkg/secretstore"
	"github.com/tandemsync/tandem/pkg/settings"
)

// Deps are the long-lived parts every handler shares.
type Deps struct {
	Log         *slog.Logger
	Store       *dynamostore.Store
	Settings    *settings.Service
	Connections *connection.Service
	Auth        api.Auth
}

// Options choose the adapters; FromEnv fills them from the environment.
type Options struct {
	Table    string
	DynamoDB *dynamodb.Client
	Secrets  settings.SecretStore
	Clock    clock.Clock
	Log      *slog.Logger
	// LocalMode allows http and private addresses for platform URLs and the
	// dev bearer token. Only the local runner and tests set it.
	LocalMode bool
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
	reg := platforms.New(platforms.Options{AllowPrivate: o.LocalMode})
	return &Deps{
		Log:         o.Log,
		Store:       store,
		Settings:    settings.NewService(store, o.Secrets, reg, o.Clock, o.Log),
		Connections: connection.NewService(store, o.Clock, o.Log),
		Auth:        api.Auth{DevBearer: o.LocalMode},
	}
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
	return New(Options{
		Table:    table,
		DynamoDB: dynamodb.NewFromConfig(cfg),
		Secrets:  secretsFromConfig(cfg),
	}), nil
}

func secretsFromConfig(cfg aws.Config) settings.SecretStore {
	return secretstore.NewSecretsManager(secretsmanager.NewFromConfig(cfg))
}

// Router returns a router with every API route; the Lambda functions serve
// their slice of it and the local runner serves all of it.
func (d *Deps) Router() *api.Router {
	rt := api.NewRouter(d.Auth, d.Log)
	api.SettingsRoutes(rt, d.Settings)
	api.ConnectionRoutes(rt, d.Connections)
	return rt
}

// SettingsHandler serves functions/settings.
func (d *Deps) SettingsHandler() api.Handler {
	rt := api.NewRouter(d.Auth, d.Log)
	api.SettingsRoutes(rt, d.Settings)
	return rt.Handler()
}

// ConnectionsHandler serves functions/connections.
func (d *Deps) ConnectionsHandler() api.Handler {
	rt := api.NewRouter(d.Auth, d.Log)
	api.ConnectionRoutes(rt, d.Connections)
	return rt.Handler()
}

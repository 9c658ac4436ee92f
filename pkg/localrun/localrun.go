// Package localrun runs Tandem in one process on a developer's machine: the
// API routes of every function behind one HTTP listener, an embedded
// DynamoDB-compatible endpoint reached through the real SDK adapter, and an
// in-memory secret store. With AWS_ENDPOINT_URL set it uses that endpoint
// (for example a moto_server) for DynamoDB and Secrets Manager instead.
package localrun

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	minidyn "github.com/truora/minidyn/server"

	"github.com/tandemsync/tandem/pkg/app"
	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/secretstore"
	"github.com/tandemsync/tandem/pkg/settings"
)

// Options configure a Runner.
type Options struct {
	Addr  string // listen address, e.g. 127.0.0.1:8080
	Table string // default "tandem-local"
	Log   *slog.Logger
	Clock clock.Clock
	// EndpointURL, when set, replaces the embedded store with that AWS
	// endpoint (DynamoDB and Secrets Manager). Defaults to AWS_ENDPOINT_URL.
	EndpointURL string
}

// Runner is a running local Tandem.
type Runner struct {
	Deps     *app.Deps
	URL      string
	Embedded bool
	srv      *http.Server
	ln       net.Listener
	closers  []func()
}

// Start builds everything and starts serving.
func Start(ctx context.Context, o Options) (*Runner, error) {
	if o.Table == "" {
		o.Table = "tandem-local"
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	if o.EndpointURL == "" {
		o.EndpointURL = os.Getenv("AWS_ENDPOINT_URL")
	}
	r := &Runner{}
	var db *dynamodb.Client
	var secrets settings.SecretStore
	if o.EndpointURL == "" {
		r.Embedded = true
		ddb := httptest.NewServer(minidyn.NewServer())
		r.closers = append(r.closers, ddb.Close)
		cfg := aws.Config{
			Region:       "local",
			Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
			BaseEndpoint: aws.String(ddb.URL),
		}
		// minidyn sends no CRC32 header; real DynamoDB does.
		db = dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true })
		secrets = secretstore.NewMemory()
	} else {
		cfg, err := config.LoadDefaultConfig(ctx, config.WithBaseEndpoint(o.EndpointURL))
		if err != nil {
			return nil, fmt.Errorf("load AWS config: %w", err)
		}
		if cfg.Region == "" {
			cfg.Region = "us-east-1"
		}
		db = dynamodb.NewFromConfig(cfg)
		secrets = secretstore.NewSecretsManager(secretsmanager.NewFromConfig(cfg))
	}
	r.Deps = app.New(app.Options{Table: o.Table, DynamoDB: db, Secrets: secrets, Clock: o.Clock, Log: o.Log, LocalMode: true})
	if err := r.Deps.Store.CreateTable(ctx); err != nil {
		r.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("listen on %s: %w", o.Addr, err)
	}
	r.ln = ln
	r.URL = "http://" + ln.Addr().String()
	r.srv = &http.Server{Handler: r.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

// Handler serves every route of every API function.
func (r *Runner) Handler() http.Handler {
	return HTTPHandler(LambdaHandler(r.Deps.Router().Handler()))
}

// Close stops serving and releases the embedded services.
func (r *Runner) Close() {
	if r.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = r.srv.Shutdown(ctx)
		cancel()
	}
	for i := len(r.closers) - 1; i >= 0; i-- {
		r.closers[i]()
	}
}

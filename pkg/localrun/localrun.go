// Package localrun runs Tandem in one process on a developer's machine: the
// API routes of every function and the webhook receiver behind one HTTP
// listener, the sync functions fed by in-process FIFO queues with the same
// batch, ordering, redelivery and DLQ semantics as SQS behind Lambda, an
// embedded DynamoDB-compatible endpoint reached through the real SDK
// adapter, an in-memory secret store, an in-memory file store for
// attachments too large for a queue message, and a simulator of each partner
// platform. With AWS_ENDPOINT_URL set it uses that endpoint (for example a
// moto_server) for DynamoDB and Secrets Manager instead.
package localrun

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/tandemsync/tandem/pkg/app"
	"github.com/tandemsync/tandem/pkg/app/allplatforms"
	"github.com/tandemsync/tandem/pkg/app/apifn"
	"github.com/tandemsync/tandem/pkg/app/syncfn"
	"github.com/tandemsync/tandem/pkg/clock"
	"github.com/tandemsync/tandem/pkg/console"
	"github.com/tandemsync/tandem/pkg/dynamostore"
	"github.com/tandemsync/tandem/pkg/filestore/filestoretest"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/queue/memqueue"
	"github.com/tandemsync/tandem/pkg/relay"
	"github.com/tandemsync/tandem/pkg/secretstore"
	"github.com/tandemsync/tandem/pkg/secretstore/secretstoretest"
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
	// ManualQueues leaves queue delivery to the caller (Broker.Drain/Tick),
	// for deterministic tests; otherwise consumers run in the background.
	ManualQueues bool
	// Queue shapes every queue's delivery (batch size, retries, visibility).
	Queue memqueue.QueueConfig
	// WrapSync lets tests wrap each sync function's handler (to inject a
	// crash mid-batch, say).
	WrapSync func(platform.Kind, memqueue.Handler) memqueue.Handler
	// Simulators starts a simulator of every platform, served by Sims.
	Simulators bool
	// WrapHTTP lets tests wrap the listener's handler (to redeliver or
	// reorder webhook deliveries, say).
	WrapHTTP func(http.Handler) http.Handler
	// Providers replaces allplatforms.Providers, to wire a platform under
	// test.
	Providers []platform.Provider
	// Files replaces the in-memory file store (Runner.Files stays nil).
	Files relay.Files
	// WrapDynamoDB lets tests stand between Tandem and DynamoDB (to fail a
	// write, say); it wraps the SDK's HTTP client.
	WrapDynamoDB func(dynamodb.HTTPClient) dynamodb.HTTPClient
}

// Runner is a running local Tandem.
type Runner struct {
	Deps   *app.Deps
	Broker *memqueue.Broker
	Sims   *Simulators
	// Files is the embedded store large attachments cross through, unless
	// Options.Files replaced it.
	Files    *filestoretest.Memory
	URL      string
	Embedded bool
	srv      *http.Server
	closers  []func()
	cancel   context.CancelFunc
	// dynamoRequests counts HTTP requests the DynamoDB client sent.
	dynamoRequests atomic.Int64
	wrapDynamoDB   func(dynamodb.HTTPClient) dynamodb.HTTPClient
}

// DynamoDBRequests is the number of HTTP requests Tandem's DynamoDB client
// has sent so far (SDK retries included), to the embedded store or to
// EndpointURL alike: the measure behind "DynamoDB requests per change".
func (r *Runner) DynamoDBRequests() int64 { return r.dynamoRequests.Load() }

// countingHTTPClient counts the requests an AWS SDK client sends.
type countingHTTPClient struct {
	next interface {
		Do(*http.Request) (*http.Response, error)
	}
	n *atomic.Int64
}

func (c countingHTTPClient) Do(req *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.Do(req)
}

// countRequests is a dynamodb option that wraps the resolved HTTP client.
func (r *Runner) countRequests(o *dynamodb.Options) {
	o.HTTPClient = countingHTTPClient{next: o.HTTPClient, n: &r.dynamoRequests}
	if r.wrapDynamoDB != nil {
		o.HTTPClient = r.wrapDynamoDB(o.HTTPClient)
	}
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
	r := &Runner{wrapDynamoDB: o.WrapDynamoDB}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", o.Addr, err)
	}
	r.URL = "http://" + ln.Addr().String()
	r.closers = append(r.closers, func() { ln.Close() })

	db, secrets, err := r.stores(ctx, o)
	if err != nil {
		r.Close()
		return nil, err
	}
	r.Broker = memqueue.New(memqueue.Options{Clock: o.Clock, Log: o.Log})
	files := o.Files
	if files == nil {
		r.Files = filestoretest.NewMemory()
		files = r.Files
	}
	providers := o.Providers
	if providers == nil {
		providers = allplatforms.Providers
	}
	// One process runs every function: each kind's sync function (syncfn)
	// and the API and webhook functions (apifn) share these Deps.
	r.Deps = app.New(app.Options{
		Table: o.Table, DynamoDB: db, Secrets: secrets, Queue: r.Broker, Files: files, WebhookBaseURL: r.URL,
		Clock: o.Clock, Log: o.Log, LocalMode: true, Providers: providers,
	})
	if err := r.Deps.Store.CreateTable(ctx); err != nil {
		r.Close()
		return nil, err
	}
	for _, k := range r.Deps.Kinds() {
		h := memqueue.Handler(syncfn.Deps{Deps: r.Deps, Kind: k}.Handler())
		if o.WrapSync != nil {
			h = o.WrapSync(k, h)
		}
		for _, q := range []string{relay.EventsQueue(k), relay.CommandsQueue(k)} {
			if err := r.Broker.Subscribe(q, h, o.Queue); err != nil {
				r.Close()
				return nil, err
			}
		}
	}
	if o.Simulators {
		r.Sims = startSimulators()
		r.closers = append(r.closers, r.Sims.Close)
		if err := r.Sims.zendeskOAuth(ctx, secrets, r.URL); err != nil {
			r.Close()
			return nil, err
		}
	}
	if !o.ManualQueues {
		runCtx, cancel := context.WithCancel(context.Background())
		r.cancel = cancel
		go func() { _ = r.Broker.Run(runCtx) }()
	}
	h := r.Handler()
	if o.WrapHTTP != nil {
		h = o.WrapHTTP(h)
	}
	r.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

func (r *Runner) stores(ctx context.Context, o Options) (*dynamodb.Client, settings.SecretStore, error) {
	if o.EndpointURL != "" {
		cfg, err := config.LoadDefaultConfig(ctx, config.WithBaseEndpoint(o.EndpointURL))
		if err != nil {
			return nil, nil, fmt.Errorf("load AWS config: %w", err)
		}
		if cfg.Region == "" {
			cfg.Region = "us-east-1"
		}
		return dynamodb.NewFromConfig(cfg, dynamostore.Retries, r.countRequests), secretstore.NewSecretsManager(secretsmanager.NewFromConfig(cfg)), nil
	}
	r.Embedded = true
	db, stop := EmbeddedDynamoDB(r.countRequests)
	r.closers = append(r.closers, stop)
	return db, secretstoretest.NewMemory(), nil
}

// Handler serves every route of every API function, the webhook receiver,
// the web console, and the simulators' credentials for the walk-through.
func (r *Runner) Handler() http.Handler {
	fns := apifn.Deps{Deps: r.Deps}
	api := HTTPHandler(LambdaHandler(fns.Metered(fns.Router().Handler())))
	hooks := HTTPHandler(LambdaHandler(fns.WebhookHandler()))
	// The web console at /, with the local sign-in (dev bearer).
	ui := console.Handler(console.Options{Local: true, Organisations: []string{DemoCustomer, DemoMSP}})
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		switch {
		case console.Serves(req.URL.Path):
			ui.ServeHTTP(w, req)
		case strings.HasPrefix(req.URL.Path, "/webhooks/"):
			hooks.ServeHTTP(w, req)
		case strings.HasPrefix(req.URL.Path, "/dev/simulators/"):
			r.serveSimulators(w, req)
		default:
			api.ServeHTTP(w, req)
		}
	})
}

// Close stops serving and releases the embedded services.
func (r *Runner) Close() {
	if r.cancel != nil {
		r.cancel()
	}
	if r.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = r.srv.Shutdown(ctx)
		cancel()
	}
	for i := len(r.closers) - 1; i >= 0; i-- {
		r.closers[i]()
	}
}

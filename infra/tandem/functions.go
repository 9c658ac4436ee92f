package tandem

import (
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// smallestMemoryMB is set from the measured peak RSS (`make bench`, BENCHMARKS.md
// "Function binaries"): every function peaks under 20 MB on the bench's load,
// so 128 MB, Lambda's smallest size, leaves more than 100 MB of headroom for
// the functions that handle one request or one schedule tick at a time. Less
// memory also means a smaller CPU share, but their work waits on DynamoDB and
// the platforms rather than the CPU, and a GB-second costs the same whichever
// size does the work. The sync functions keep 512 MB for attachments (below).
const smallestMemoryMB = 128

// functionSize is memory and timeout. Memory also buys CPU on Lambda.
type functionSize struct {
	memoryMB float64
	timeout  awscdk.Duration
}

var (
	// apiSize stays under API Gateway's 30 s integration limit with room for
	// the client's own retry.
	apiSize = functionSize{memoryMB: smallestMemoryMB, timeout: awscdk.Duration_Seconds(jsii.Number(10))}
	// settingsSize fits a connection test (settings.DefaultTestTimeout, 20 s)
	// and saving its outcome (settings.DefaultRecordTime, 2 s) inside API
	// Gateway's 30 s; the test also ends before the invocation's own deadline
	// whatever its timeout (settings.Service.RecordTime).
	settingsSize = functionSize{memoryMB: smallestMemoryMB, timeout: awscdk.Duration_Seconds(jsii.Number(25))}
	// syncSize fits a batch of ten records, each a few platform round trips
	// (one attempt may take up to 30 s) and an attachment in memory: up to
	// relay.DefaultMaxAttachment (40 MB), held several times over while it is
	// decoded and encoded, which the bench's load (no files) does not show. The
	// handler stops taking records sqsbatch.DefaultMargin (5 s) before the
	// deadline, so its partial-batch response is always returned.
	syncSize = functionSize{memoryMB: 512, timeout: awscdk.Duration_Seconds(jsii.Number(120))}
	// renewSize fits a few calls per mailbox (renew, or recreate with its
	// validation handshake) for many mailboxes.
	renewSize = functionSize{memoryMB: smallestMemoryMB, timeout: awscdk.Duration_Seconds(jsii.Number(300))}
	// sweepSize lists the active connections and reads a few records per
	// side on each tick; a minute covers thousands of connections.
	sweepSize = functionSize{memoryMB: smallestMemoryMB, timeout: awscdk.Duration_Seconds(jsii.Number(60))}
)

// syncConcurrency caps the concurrent invocations of each event source
// mapping, so a platform's API sees at most two callers per queue however deep
// the backlog. Two is the lowest value SQS event sources accept.
const syncConcurrency = 2

// FunctionNames are the directories under functions/; `make build` zips each
// into <asset dir>/<name>.zip.
func FunctionNames() []string {
	names := []string{"settings", "connections", "config", "webhook"}
	for _, p := range Platforms {
		names = append(names, "sync-"+p)
	}
	return append(names, "renew-subscriptions", "sweep")
}

type functionsProps struct {
	assetDir       string
	table          awsdynamodb.Table
	queues         *queues
	files          *files
	webhookBaseURL *string
	stage          stageSettings
	// traceEveryChange: Config.TraceEveryChange.
	traceEveryChange bool
	// reportEveryChange: Config.ReportEveryChange.
	reportEveryChange bool
}

// perChange tells the functions that run once per synced change.
func perChange(name string) bool { return name == "webhook" || strings.HasPrefix(name, "sync-") }

// tracing is X-Ray's mode for a function: active, except for the functions
// that run once per synced change unless the stage traces every change
// (Config.TraceEveryChange says why).
func (p functionsProps) tracing(name string) awslambda.Tracing {
	if perChange(name) && !p.traceEveryChange {
		return awslambda.Tracing_PASS_THROUGH
	}
	return awslambda.Tracing_ACTIVE
}

// logging sets Lambda's advanced logging controls on the functions that run
// once per synced change: the JSON format, which Lambda needs to filter by
// level, and the system log level WARN, which keeps Lambda's failure events
// and drops the START, END and REPORT lines of every invocation (about 300
// bytes each; Config.ReportEveryChange keeps them). The functions' own
// lines are slog JSON already, which Lambda passes on as they are; their
// level stays INFO. The other functions keep Lambda's text format.
func (p functionsProps) logging(name string, fp *awslambda.FunctionProps) {
	if !perChange(name) {
		return
	}
	fp.LoggingFormat = awslambda.LoggingFormat_JSON
	fp.ApplicationLogLevelV2 = awslambda.ApplicationLogLevel_INFO
	fp.SystemLogLevelV2 = awslambda.SystemLogLevel_WARN
	if p.reportEveryChange {
		fp.SystemLogLevelV2 = awslambda.SystemLogLevel_INFO
	}
}

type functions struct {
	settings, connections, config, webhook awslambda.Function
	// renew runs on a schedule and renews expiring subscriptions (Graph).
	renew awslambda.Function
	// sync is sync-<platform> in Platforms order.
	sync []awslambda.Function
	// sweep is the reconciliation sweep's schedule.
	sweep awslambda.Function
	// all is every function in FunctionNames order, for the alarms, with
	// names and log groups alongside.
	all   []awslambda.Function
	names []string
	logs  []awslogs.LogGroup
}

func newFunctions(scope constructs.Construct, id string, props functionsProps) *functions {
	c := constructs.NewConstruct(scope, jsii.String(id))
	f := &functions{}
	add := func(name string, size functionSize) (awslambda.Function, awsiam.Role) {
		fn, role, logs := newFunction(c, name, size, props)
		f.all = append(f.all, fn)
		f.names = append(f.names, name)
		f.logs = append(f.logs, logs)
		return fn, role
	}

	// Settings: admins enter, test and remove credentials and install
	// webhooks with their signing secrets.
	var role awsiam.Role
	f.settings, role = add("settings", settingsSize)
	props.table.GrantReadWriteData(f.settings)
	grantSecrets(role, manageSecrets, props.stage.allSecrets())

	// Connections also serves the failures: a retry or skip is queued on
	// the refusing platform's commands queue, a replay on the events
	// queues; the sync functions do the platform calls.
	f.connections, _ = add("connections", apiSize)
	props.table.GrantReadWriteData(f.connections)
	for _, p := range Platforms {
		own := props.queues.byPlatform[p]
		f.connections.AddEnvironment(queueEnv(p, "events"), own.events.QueueUrl(), nil)
		f.connections.AddEnvironment(queueEnv(p, "commands"), own.commands.QueueUrl(), nil)
		own.events.GrantSendMessages(f.connections)
		own.commands.GrantSendMessages(f.connections)
	}

	// Validating a mapping and listing live picklists call the platform of
	// either side of a connection, so config reads any platform's
	// credentials, and no webhook secret.
	f.config, role = add("config", apiSize)
	props.table.GrantReadWriteData(f.config)
	credentials := make([]string, len(Platforms))
	for i, p := range Platforms {
		credentials[i] = props.stage.credentialsOf(p)
	}
	grantSecrets(role, readSecrets, credentials...)
	grantZendeskRefresh(role, props.stage)

	// The webhook is public: it only resolves an endpoint id and verifies a
	// signature before queueing, so it reads signing secrets, plus
	// ConnectWise credentials, which its signature check needs to fetch the
	// signing key from the organisation's own site. All writes happen in
	// the sync functions.
	f.webhook, role = add("webhook", apiSize)
	props.table.GrantReadData(f.webhook)
	grantSecrets(role, readSecrets, props.stage.webhookSecrets(), props.stage.credentialsOf("connectwise"))
	for _, p := range Platforms {
		events := props.queues.byPlatform[p].events
		f.webhook.AddEnvironment(queueEnv(p, "events"), events.QueueUrl(), nil)
		events.GrantSendMessages(f.webhook)
	}

	// sync-<platform> makes every call to its platform, and only to it: it
	// reads the credentials of that platform alone.
	for _, p := range Platforms {
		fn, role := add("sync-"+p, syncSize)
		f.sync = append(f.sync, fn)
		props.table.GrantReadWriteData(fn)
		grantSecrets(role, readSecrets, props.stage.credentialsOf(p))
		if p == "zendesk" {
			grantZendeskRefresh(role, props.stage)
		}
		if p == "graph" {
			// subscriptionRemoved recreates the subscription with the
			// endpoint's clientState (pkg/webhook Recreate).
			grantSecrets(role, readSecrets, props.stage.webhookSecretsOf(p))
		}
		props.files.attach(fn, role)
		// Any platform's change may become a command for any other.
		for _, target := range Platforms {
			commands := props.queues.byPlatform[target].commands
			fn.AddEnvironment(queueEnv(target, "commands"), commands.QueueUrl(), nil)
			commands.GrantSendMessages(fn)
		}
		own := props.queues.byPlatform[p]
		for _, q := range []queue{own.events, own.commands} {
			fn.AddEventSource(awslambdaeventsources.NewSqsEventSource(q.Queue, &awslambdaeventsources.SqsEventSourceProps{
				BatchSize:               jsii.Number(10),
				ReportBatchItemFailures: jsii.Bool(true),
				MaxConcurrency:          jsii.Number(syncConcurrency),
			}))
		}
	}

	// renew-subscriptions renews Microsoft Graph's subscriptions before they
	// lapse, on a schedule: it reads and updates the endpoints, calls Graph
	// with the mailbox organisations' credentials, reads an endpoint's
	// secret to recreate a removed subscription, and queues the catch-up on
	// graph-events for sync-graph.
	f.renew, role = add("renew-subscriptions", renewSize)
	props.table.GrantReadWriteData(f.renew)
	grantSecrets(role, readSecrets, props.stage.credentialsOf("graph"), props.stage.webhookSecretsOf("graph"))
	graphEvents := props.queues.byPlatform["graph"].events
	f.renew.AddEnvironment(queueEnv("graph", "events"), graphEvents.QueueUrl(), nil)
	graphEvents.GrantSendMessages(f.renew)
	awsevents.NewRule(c, jsii.String("RenewSchedule"), &awsevents.RuleProps{
		Description: jsii.String("Renews expiring Microsoft Graph subscriptions (they live under 3 days) every 6 hours"),
		Schedule:    awsevents.Schedule_Rate(awscdk.Duration_Hours(jsii.Number(renewEveryHours))),
		Targets:     &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(f.renew, &awseventstargets.LambdaFunctionProps{RetryAttempts: jsii.Number(2)})},
	})
	// The sweep's schedule reads connections, configurations and sweep
	// marks, and queues each due side's sweep on that platform's events
	// queue; the sync function runs it. It calls no platform.
	f.sweep, _ = add("sweep", sweepSize)
	props.table.GrantReadData(f.sweep)
	for _, p := range Platforms {
		events := props.queues.byPlatform[p].events
		f.sweep.AddEnvironment(queueEnv(p, "events"), events.QueueUrl(), nil)
		events.GrantSendMessages(f.sweep)
	}
	// Every five minutes: the shortest sweep interval a connection may
	// configure (integration.MinSweepMinutes); sides not yet due are
	// skipped.
	awsevents.NewRule(c, jsii.String("SweepSchedule"), &awsevents.RuleProps{
		RuleName:    jsii.String(props.stage.resourceName("sweep")),
		Description: jsii.String("Tandem's reconciliation sweep: queues the sweeps that are due"),
		Schedule:    awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(5))),
		Targets:     &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(f.sweep, &awseventstargets.LambdaFunctionProps{RetryAttempts: jsii.Number(2)})},
	})
	return f
}

// grantZendeskRefresh lets a function that builds Zendesk clients (config
// for picklists, sync-zendesk) refresh an organisation's OAuth tokens: it
// stores the rotated pair and reads Tandem's OAuth client to refresh.
func grantZendeskRefresh(role awsiam.Role, stage stageSettings) {
	grantSecrets(role, rotateSecrets, stage.credentialsOf("zendesk"))
	grantSecrets(role, readSecrets, stage.zendeskOAuthClient())
}

// renewEveryHours is the renewal schedule's period; app.RenewBefore (48 h)
// leaves several missed runs before an Outlook subscription (70.5 h) lapses.
const renewEveryHours = 6

// newFunction creates one Go function with its own role and log group. The
// role is built here rather than by Lambda so it gets write access to its log
// group only, instead of the AWSLambdaBasicExecutionRole managed policy's
// logs:* on every group.
func newFunction(scope constructs.Construct, name string, size functionSize, props functionsProps) (awslambda.Function, awsiam.Role, awslogs.LogGroup) {
	id := logicalID(name)
	fnName := props.stage.resourceName(name)
	role := awsiam.NewRole(scope, jsii.String(id+"Role"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
	})
	logs := awslogs.NewLogGroup(scope, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String("/aws/lambda/" + fnName),
		Retention:     awslogs.RetentionDays_ONE_MONTH,
		RemovalPolicy: props.stage.removal,
	})
	logs.GrantWrite(role)

	fp := &awslambda.FunctionProps{
		FunctionName: jsii.String(fnName),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         awslambda.Code_FromAsset(jsii.String(filepath.Join(props.assetDir, name+".zip")), nil),
		MemorySize:   jsii.Number(size.memoryMB),
		Timeout:      size.timeout,
		Tracing:      props.tracing(name),
		Role:         role,
		LogGroup:     logs,
		// Nothing here may accept the dev bearer: TANDEM_LOCAL_DEV_AUTH is
		// for events/env.json and sam local only (the tests check).
		Environment: &map[string]*string{
			"TANDEM_TABLE":            props.table.TableName(),
			"TANDEM_SECRET_PREFIX":    jsii.String(props.stage.secretPrefix()),
			"TANDEM_WEBHOOK_BASE_URL": props.webhookBaseURL,
		},
	}
	props.logging(name, fp)
	fn := awslambda.NewFunction(scope, jsii.String(id), fp)
	// A fixed logical id keeps `sam local invoke <id>` commands valid when
	// constructs move around.
	fn.Node().DefaultChild().(awslambda.CfnFunction).OverrideLogicalId(jsii.String(id))

	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id:        jsii.String("AwsSolutions-IAM5"),
		Reason:    jsii.String("X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level permissions."),
		AppliesTo: &[]interface{}{"Resource::*"},
	}}, jsii.Bool(true))
	return fn, role, logs
}

// logicalID turns "sync-autotask" into "SyncAutotaskFunction".
func logicalID(name string) string {
	var b strings.Builder
	for _, part := range strings.Split(name, "-") {
		b.WriteString(title(part))
	}
	return b.String() + "Function"
}

// queueEnv is the variable naming a queue's URL, e.g. TANDEM_QUEUE_HALO_EVENTS.
func queueEnv(platform, kind string) *string {
	return jsii.String("TANDEM_QUEUE_" + strings.ToUpper(platform) + "_" + strings.ToUpper(kind))
}

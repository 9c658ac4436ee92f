package tandem

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Platforms are the partner platforms, each with its own queues and sync
// function. The order fixes the order of resources in the template.
var Platforms = []string{"autotask", "connectwise", "halo", "graph", "zendesk"}

const (
	// maxReceiveCount is how often a message is retried before it is parked in
	// the DLQ for an operator to inspect and replay. With the visibility
	// timeout below (6 × 120 s) a failing message is retried for about an
	// hour, which rides out a platform's short outage.
	maxReceiveCount = 5
	// visibilityFactor follows the Lambda guidance for SQS event sources: a
	// visibility timeout of six times the function timeout leaves room for the
	// poller's own retries when a function is throttled.
	visibilityFactor = 6
	// retentionDays is the longest SQS allows, for the source queues and
	// their DLQs alike: a backlog behind a long outage, or a failure found
	// after a long weekend, is still there to process or replay. The
	// oldest-message alarms fire long before anything expires.
	retentionDays = 14
)

// queue is one FIFO queue with the names the alarms and the runbook use.
type queue struct {
	awssqs.Queue
	// name is the queue name without .fifo: tandem-prod-halo-events(-dlq).
	name string
}

// platformQueues are one platform's inbound changes (events) and the writes
// other sync functions ask it to make (commands).
type platformQueues struct {
	events   queue
	commands queue
}

type queues struct {
	byPlatform map[string]platformQueues
	// sources and deadLetters are every source queue and every DLQ, in
	// template order, for the alarms.
	sources, deadLetters []queue
}

// newQueues creates the FIFO queues; consumerTimeout is the timeout of the
// function that consumes them, which the visibility timeout must outlast.
func newQueues(scope constructs.Construct, id string, stage stageSettings, consumerTimeout awscdk.Duration) *queues {
	c := constructs.NewConstruct(scope, jsii.String(id))
	q := &queues{byPlatform: map[string]platformQueues{}}
	for _, p := range Platforms {
		q.byPlatform[p] = platformQueues{
			events:   q.newFifo(c, stage, p, "events", consumerTimeout),
			commands: q.newFifo(c, stage, p, "commands", consumerTimeout),
		}
	}
	return q
}

func (q *queues) newFifo(scope constructs.Construct, stage stageSettings, platform, kind string, consumerTimeout awscdk.Duration) queue {
	name := stage.resourceName(platform, kind)
	id := title(platform) + title(kind)
	dlq := queue{name: name + "-dlq", Queue: awssqs.NewQueue(scope, jsii.String(id+"DLQ"), &awssqs.QueueProps{
		QueueName:       jsii.String(name + "-dlq.fifo"),
		Fifo:            jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(retentionDays)),
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
	})}
	q.deadLetters = append(q.deadLetters, dlq)
	source := queue{name: name, Queue: awssqs.NewQueue(scope, jsii.String(id), &awssqs.QueueProps{
		QueueName: jsii.String(name + ".fifo"),
		Fifo:      jsii.Bool(true),
		// Senders set a deduplication id per change or command; hashing the
		// body would merge distinct changes that happen to look alike.
		ContentBasedDeduplication: jsii.Bool(false),
		VisibilityTimeout:         awscdk.Duration_Seconds(jsii.Number(visibilityFactor * *consumerTimeout.ToSeconds(nil))),
		RetentionPeriod:           awscdk.Duration_Days(jsii.Number(retentionDays)),
		DeadLetterQueue:           &awssqs.DeadLetterQueue{Queue: dlq.Queue, MaxReceiveCount: jsii.Number(maxReceiveCount)},
		Encryption:                awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:                jsii.Bool(true),
	})}
	q.sources = append(q.sources, source)
	return source
}

func title(s string) string {
	return strings.ToUpper(s[:1]) + s[1:]
}

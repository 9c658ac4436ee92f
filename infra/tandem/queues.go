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
var Platforms = []string{"autotask", "connectwise", "halo", "graph"}

const (
	// maxReceiveCount is how often a message is retried before it is parked in
	// the DLQ for an operator to inspect and replay.
	maxReceiveCount = 5
	// visibilityFactor follows the Lambda guidance for SQS event sources: a
	// visibility timeout of six times the function timeout leaves room for the
	// poller's own retries when a function is throttled.
	visibilityFactor = 6
)

// platformQueues are one platform's inbound changes (events) and the writes
// other sync functions ask it to make (commands).
type platformQueues struct {
	events   awssqs.Queue
	commands awssqs.Queue
}

type queues struct {
	byPlatform map[string]platformQueues
	// deadLetters is every DLQ, for the alarms.
	deadLetters []awssqs.Queue
}

// newQueues creates the FIFO queues; consumerTimeout is the timeout of the
// function that consumes them, which the visibility timeout must outlast.
func newQueues(scope constructs.Construct, id string, consumerTimeout awscdk.Duration) *queues {
	c := constructs.NewConstruct(scope, jsii.String(id))
	q := &queues{byPlatform: map[string]platformQueues{}}
	for _, p := range Platforms {
		q.byPlatform[p] = platformQueues{
			events:   q.newFifo(c, p, "events", consumerTimeout),
			commands: q.newFifo(c, p, "commands", consumerTimeout),
		}
	}
	return q
}

func (q *queues) newFifo(scope constructs.Construct, platform, kind string, consumerTimeout awscdk.Duration) awssqs.Queue {
	name := "tandem-" + platform + "-" + kind
	id := title(platform) + title(kind)
	dlq := awssqs.NewQueue(scope, jsii.String(id+"DLQ"), &awssqs.QueueProps{
		QueueName: jsii.String(name + "-dlq.fifo"),
		Fifo:      jsii.Bool(true),
		// The longest SQS allows, so a failure found after a long weekend
		// can still be replayed.
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
	})
	q.deadLetters = append(q.deadLetters, dlq)
	return awssqs.NewQueue(scope, jsii.String(id), &awssqs.QueueProps{
		QueueName: jsii.String(name + ".fifo"),
		Fifo:      jsii.Bool(true),
		// Senders set a deduplication id per change or command; hashing the
		// body would merge distinct changes that happen to look alike.
		ContentBasedDeduplication: jsii.Bool(false),
		VisibilityTimeout:         awscdk.Duration_Seconds(jsii.Number(visibilityFactor * *consumerTimeout.ToSeconds(nil))),
		DeadLetterQueue:           &awssqs.DeadLetterQueue{Queue: dlq, MaxReceiveCount: jsii.Number(maxReceiveCount)},
		Encryption:                awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:                jsii.Bool(true),
	})
}

func title(s string) string {
	return strings.ToUpper(s[:1]) + s[1:]
}

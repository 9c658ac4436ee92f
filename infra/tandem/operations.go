package tandem

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Alarm thresholds. Every alarm is documented in the README's runbook under
// its name; a new one needs an entry there.
const (
	// sourceAgeSeconds: a healthy message is consumed within seconds, and a
	// failing one comes back every visibility timeout (12 min); after half an
	// hour something is stuck — a platform down, a poison message holding
	// its ticket's group, or the consumer switched off — and a human should
	// look long before the 14 days of retention run out.
	sourceAgeSeconds = 30 * 60
	// deadLetterAgeSeconds: a dead letter a week old has a week left before
	// SQS deletes it.
	deadLetterAgeSeconds = 7 * 24 * 60 * 60
)

// DroppedMessage is the text pkg/app's sync handler logs when it drops a
// message for good ("message dropped: it cannot succeed", "unreadable
// message dropped"); a metric filter on every sync log group counts it.
const DroppedMessage = "message dropped"

type alarmsProps struct {
	queues    *queues
	functions *functions
	api       *api
}

type alarms struct {
	// topic receives every alarm and every return to OK.
	topic awssns.Topic
}

// newAlarms raises an alarm whenever something needs an operator, and sends
// each to one SNS topic, which the AlarmEmail parameter subscribes an
// address to (or subscribe a pager or chat integration to the topic). None
// of these states is normal, so most fire on the first occurrence.
func newAlarms(scope constructs.Construct, id string, stage stageSettings, props alarmsProps) *alarms {
	c := constructs.NewConstruct(scope, jsii.String(id))
	stack := awscdk.Stack_Of(c)

	topic := awssns.NewTopic(c, jsii.String("Topic"), &awssns.TopicProps{
		TopicName:   jsii.String(stage.resourceName("alarms")),
		DisplayName: jsii.String("Tandem " + stage.name + " alarms"),
		EnforceSSL:  jsii.Bool(true),
	})
	// The topic policy that enforces TLS replaces SNS's default one, so
	// CloudWatch is let in explicitly, for this account's alarms only.
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchAlarms"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  jsii.Strings(*topic.TopicArn()),
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()},
			"ArnLike": map[string]any{"aws:SourceArn": "arn:" + *stack.Partition() + ":cloudwatch:" + *stack.Region() + ":" +
				*stack.Account() + ":alarm:" + stage.resourceName("*")},
		},
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(topic, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-SNS2"),
		Reason: jsii.String("Alarm notifications carry alarm names and metric values, no customer data. CloudWatch " +
			"cannot publish to a topic under the AWS-managed SNS key, and a customer-managed key would cost more " +
			"than the alarms for nothing to protect."),
	}}, nil)

	email := awscdk.NewCfnParameter(stack, jsii.String("AlarmEmail"), &awscdk.CfnParameterProps{
		Type:        jsii.String("String"),
		Default:     jsii.String(""),
		Description: jsii.String("E-mail address that receives every Tandem alarm (confirm the subscription e-mail). Empty for none."),
		// Empty, or one address.
		AllowedPattern:        jsii.String(`^$|^[^\s@]+@[^\s@]+\.[^\s@]+$`),
		ConstraintDescription: jsii.String("one e-mail address, or empty"),
	})
	hasEmail := awscdk.NewCfnCondition(stack, jsii.String("HasAlarmEmail"), &awscdk.CfnConditionProps{
		Expression: awscdk.Fn_ConditionNot(awscdk.Fn_ConditionEquals(email.ValueAsString(), jsii.String(""))),
	})
	sub := awssns.NewCfnSubscription(c, jsii.String("Email"), &awssns.CfnSubscriptionProps{
		TopicArn: topic.TopicArn(),
		Protocol: jsii.String("email"),
		Endpoint: email.ValueAsString(),
	})
	sub.CfnOptions().SetCondition(hasEmail)

	action := awscloudwatchactions.NewSnsAction(topic)
	every := func(minutes float64, statistic string) *awscloudwatch.MetricOptions {
		return &awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(minutes)), Statistic: jsii.String(statistic)}
	}
	alarm := func(metric awscloudwatch.Metric, alarmID, name, description string, threshold float64) {
		a := metric.CreateAlarm(c, jsii.String(alarmID), &awscloudwatch.CreateAlarmOptions{
			AlarmName:          jsii.String(name),
			AlarmDescription:   jsii.String(description + " Runbook: README, Operations, " + name + "."),
			Threshold:          jsii.Number(threshold),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			EvaluationPeriods:  jsii.Number(1),
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
		a.AddAlarmAction(action)
		a.AddOkAction(action)
	}

	for _, q := range props.queues.sources {
		alarm(q.MetricApproximateAgeOfOldestMessage(every(5, "Maximum")), *q.Node().Id()+"AgeAlarm",
			q.name+"-oldest-message",
			"A message has waited more than 30 minutes in "+q.name+".fifo: its sync is failing or not running.", sourceAgeSeconds)
	}
	for _, q := range props.queues.deadLetters {
		alarm(q.MetricApproximateNumberOfMessagesVisible(every(5, "Maximum")), *q.Node().Id()+"Alarm",
			q.name+"-messages",
			"Messages are waiting in "+q.name+".fifo: changes that will not sync until replayed.", 0)
		alarm(q.MetricApproximateAgeOfOldestMessage(every(60, "Maximum")), *q.Node().Id()+"AgeAlarm",
			q.name+"-oldest-message",
			"A dead letter in "+q.name+".fifo is a week old; SQS deletes it after 14 days.", deadLetterAgeSeconds)
	}
	for i, fn := range props.functions.all {
		name := props.functions.names[i]
		alarm(fn.MetricErrors(every(5, "Sum")), *fn.Node().Id()+"ErrorsAlarm", stage.resourceName(name, "errors"),
			"An invocation of "+stage.resourceName(name)+" failed; see its log group.", 0)
		alarm(fn.MetricThrottles(every(5, "Sum")), *fn.Node().Id()+"ThrottlesAlarm", stage.resourceName(name, "throttles"),
			"Lambda refused to run "+stage.resourceName(name)+": the account's concurrency is used up.", 0)
	}
	alarm(props.api.http.MetricServerError(every(5, "Sum")), "Api5xxAlarm", stage.resourceName("api", "5xx"),
		"The API answered with a 5xx status.", 0)

	// Dropped messages are logged, not failed: count them from the sync
	// functions' logs.
	namespace := "Tandem/" + stage.name
	for i, fn := range props.functions.all {
		name := props.functions.names[i]
		if !strings.HasPrefix(name, "sync-") {
			continue
		}
		props.functions.logs[i].AddMetricFilter(jsii.String(*fn.Node().Id()+"Dropped"), &awslogs.MetricFilterOptions{
			FilterPattern:   awslogs.FilterPattern_Literal(jsii.String(`"` + DroppedMessage + `"`)),
			MetricNamespace: jsii.String(namespace),
			MetricName:      jsii.String("MessagesDropped"),
			MetricValue:     jsii.String("1"),
		})
	}
	dropped := awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace: jsii.String(namespace), MetricName: jsii.String("MessagesDropped"),
		Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String("Sum"),
	})
	alarm(dropped, "DroppedAlarm", stage.resourceName("messages-dropped"),
		"A sync function dropped a message that can never succeed; its change did not cross.", 0)

	return &alarms{topic: topic}
}

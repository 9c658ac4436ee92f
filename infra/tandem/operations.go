package tandem

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// newAlarms raises an alarm whenever something needs an operator: a message
// parked in a DLQ (a change that will not sync until replayed) or a function
// error. Both fire on the first occurrence; neither state is normal. The
// alarms have no actions yet: subscribe them where the operator is paged.
func newAlarms(scope constructs.Construct, id string, deadLetters []awssqs.Queue, fns []awslambda.Function) {
	c := constructs.NewConstruct(scope, jsii.String(id))
	over := func(statistic string) *awscloudwatch.MetricOptions {
		return &awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String(statistic)}
	}
	anyAtAll := func(metric awscloudwatch.Metric, alarmID, description string) {
		metric.CreateAlarm(c, jsii.String(alarmID), &awscloudwatch.CreateAlarmOptions{
			AlarmDescription:   jsii.String(description),
			Threshold:          jsii.Number(0),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			EvaluationPeriods:  jsii.Number(1),
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
	}

	for _, q := range deadLetters {
		anyAtAll(q.MetricApproximateNumberOfMessagesVisible(over("Maximum")), *q.Node().Id()+"Alarm",
			"Messages are waiting in a dead-letter queue; inspect and replay them.")
	}
	for _, fn := range fns {
		anyAtAll(fn.MetricErrors(over("Sum")), *fn.Node().Id()+"ErrorsAlarm",
			"A function invocation failed; see its log group.")
	}
}

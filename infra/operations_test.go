package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/tandemsync/tandem/infra/tandem"
)

// alarmKinds counts each stage's alarms by what they watch; every alarm
// notifies the one topic, on alarm and on recovery.
func TestAlarms(t *testing.T) {
	forEachStage(t, func(t *testing.T, s *synthesized) {
		stage := stageOf(s)
		topics := s.ofType("AWS::SNS::Topic")
		if len(topics) != 1 {
			t.Fatalf("%d SNS topics, want 1", len(topics))
		}
		var topicID string
		for id := range topics {
			topicID = id
		}

		count := map[string]int{}
		queueAges := map[string]float64{}
		for id, a := range s.ofType("AWS::CloudWatch::Alarm") {
			p := props(a)
			name, _ := p["AlarmName"].(string)
			if !strings.HasPrefix(name, "tandem-"+stage+"-") {
				t.Errorf("%s: alarm name %q does not carry the stage", id, name)
			}
			for _, actions := range []string{"AlarmActions", "OKActions"} {
				if l := asList(p[actions]); len(l) != 1 || refTo(l[0]) != topicID {
					t.Errorf("%s: %s %v, want the alarm topic", name, actions, p[actions])
				}
			}
			if p["ComparisonOperator"] != "GreaterThanThreshold" || p["TreatMissingData"] != "notBreaching" {
				t.Errorf("%s: %v, missing data %v", name, p["ComparisonOperator"], p["TreatMissingData"])
			}
			kind := fmt.Sprint(p["Namespace"], "/", p["MetricName"])
			count[kind]++
			switch kind {
			case "AWS/SQS/ApproximateAgeOfOldestMessage":
				queue := s.resources[refTo(dimension(p, "QueueName"))]
				queueAges[props(queue)["QueueName"].(string)] = p["Threshold"].(float64)
			case "AWS/SQS/ApproximateNumberOfMessagesVisible", "AWS/Lambda/Errors", "AWS/Lambda/Throttles",
				"AWS/ApiGateway/5xx", "Tandem/" + stage + "/MessagesDropped":
				if p["Threshold"] != 0.0 {
					t.Errorf("%s: threshold %v, want > 0", name, p["Threshold"])
				}
			}
		}
		n := len(functionIDs)
		want := map[string]int{
			"AWS/SQS/ApproximateNumberOfMessagesVisible": 2 * len(tandem.Platforms), // DLQs
			"AWS/SQS/ApproximateAgeOfOldestMessage":      4 * len(tandem.Platforms), // every queue
			"AWS/Lambda/Errors":                          n,
			"AWS/Lambda/Throttles":                       n,
			"AWS/ApiGateway/5xx":                         1,
			"Tandem/" + stage + "/MessagesDropped":       1,
		}
		for kind, w := range want {
			if count[kind] != w {
				t.Errorf("%d alarms on %s, want %d", count[kind], kind, w)
			}
		}
		if len(count) != len(want) {
			t.Errorf("alarms on %v, want only %v", count, want)
		}
		// Oldest message: half an hour on a source queue (a failing message
		// returns every 12 minutes), a week on a DLQ (SQS keeps 14 days).
		for name, threshold := range queueAges {
			want := 1800.0
			if strings.HasSuffix(name, "-dlq.fifo") {
				want = 7 * 24 * 3600
			}
			if threshold != want {
				t.Errorf("%s: oldest-message alarm at %v s, want %v", name, threshold, want)
			}
		}
	})
}

func dimension(alarm map[string]any, name string) any {
	for _, d := range asList(alarm["Dimensions"]) {
		if m, _ := d.(map[string]any); m["Name"] == name {
			return m["Value"]
		}
	}
	return nil
}

// The topic takes an optional e-mail subscription from a stack parameter
// and is an output; it accepts only TLS and only this account's alarms.
func TestAlarmTopic(t *testing.T) {
	forEachStage(t, func(t *testing.T, s *synthesized) {
		assert(t, func() {
			s.template.HasParameter(jsii.String("AlarmEmail"), map[string]any{"Type": "String", "Default": ""})
			s.template.HasCondition(jsii.String("HasAlarmEmail"), map[string]any{
				"Fn::Not": []any{map[string]any{"Fn::Equals": []any{map[string]any{"Ref": "AlarmEmail"}, ""}}},
			})
			s.template.HasResource(jsii.String("AWS::SNS::Subscription"), map[string]any{
				"Condition":  "HasAlarmEmail",
				"Properties": map[string]any{"Protocol": "email", "Endpoint": map[string]any{"Ref": "AlarmEmail"}},
			})
			s.template.HasResourceProperties(jsii.String("AWS::SNS::Topic"), map[string]any{"TopicName": "tandem-" + stageOf(s) + "-alarms"})
			s.template.HasOutput(jsii.String("AlarmTopicArn"), map[string]any{})
		})
		for _, policy := range s.ofType("AWS::SNS::TopicPolicy") {
			doc := props(policy)["PolicyDocument"].(map[string]any)
			var tls, cloudwatch bool
			for _, st := range asList(doc["Statement"]) {
				st := st.(map[string]any)
				b := fmt.Sprint(st)
				tls = tls || st["Effect"] == "Deny" && strings.Contains(b, "aws:SecureTransport:false")
				cloudwatch = cloudwatch || st["Effect"] == "Allow" && strings.Contains(b, "cloudwatch.amazonaws.com") &&
					strings.Contains(b, "aws:SourceAccount") && strings.Contains(b, ":alarm:tandem-"+stageOf(s)+"-*")
			}
			if !tls || !cloudwatch {
				t.Errorf("topic policy: TLS enforced %v, CloudWatch alarms of this stage allowed %v: %v", tls, cloudwatch, doc)
			}
		}
	})
}

// Dropped messages are only log lines, so each sync log group counts
// them into one metric, which the dropped-messages alarm watches. The
// filter's text must match what pkg/app/sync.go logs.
func TestDroppedMessagesAreCounted(t *testing.T) {
	forEachStage(t, func(t *testing.T, s *synthesized) {
		filtered := map[string]bool{}
		for id, f := range s.ofType("AWS::Logs::MetricFilter") {
			p := props(f)
			tr := asList(p["MetricTransformations"])[0].(map[string]any)
			if p["FilterPattern"] != `"message dropped"` || tr["MetricName"] != "MessagesDropped" || tr["MetricNamespace"] != "Tandem/"+stageOf(s) {
				t.Errorf("%s: %v", id, p)
			}
			filtered[refTo(p["LogGroupName"])] = true
		}
		for name, id := range functionIDs {
			logs := refTo(props(s.resources[id])["LoggingConfig"].(map[string]any)["LogGroup"])
			if filtered[logs] != strings.HasPrefix(name, "sync-") {
				t.Errorf("%s: log group filtered = %v, want it for sync functions only", id, filtered[logs])
			}
		}
	})
	// What the Go code logs when it drops a message, wherever it lives.
	dropped := regexp.MustCompile(`\.(?:ErrorContext|Error|WarnContext|Warn)\(ctx, "([^"]*dropped[^"]*)"`)
	var lines []string
	err := filepath.WalkDir("../pkg", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		for _, m := range dropped.FindAllStringSubmatch(string(src), -1) {
			lines = append(lines, path+": "+m[1])
			if !strings.Contains(m[1], tandem.DroppedMessage) {
				t.Errorf("%s logs %q, which the metric filter %q does not count", path, m[1], tandem.DroppedMessage)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) == 0 {
		t.Fatal("no Go code under pkg/ logs a dropped message: update the metric filter (tandem.DroppedMessage)")
	}
	t.Logf("counted log lines: %v", lines)
}

// Every alarm has a runbook entry in the README under its name pattern.
func TestRunbookCoversEveryAlarm(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, a := range stacks["prod"].ofType("AWS::CloudWatch::Alarm") {
		name := props(a)["AlarmName"].(string)
		pattern := runbookName(name)
		// Inside a Markdown table, "|" is written "\|".
		if !strings.Contains(strings.ReplaceAll(string(readme), `\|`, "|"), "`"+pattern+"`") {
			missing = append(missing, pattern)
		}
	}
	sort.Strings(missing)
	missing = slices.Compact(missing)
	if len(missing) > 0 {
		t.Errorf("README runbook has no entry for %v", missing)
	}
}

// runbookName turns tandem-prod-halo-events-dlq-messages into
// tandem-<stage>-<platform>-<events|commands>-dlq-messages.
func runbookName(name string) string {
	parts := strings.Split(name, "-")
	parts[1] = "<stage>"
	for i, p := range parts {
		if slices.Contains(tandem.Platforms, p) && i+1 < len(parts) && (parts[i+1] == "events" || parts[i+1] == "commands") {
			parts[i], parts[i+1] = "<platform>", "<events|commands>"
		}
		if i == 2 && slices.Contains(tandem.FunctionNames(), strings.Join(parts[2:len(parts)-1], "-")) {
			return strings.Join(append(parts[:2], "<function>", parts[len(parts)-1]), "-")
		}
	}
	return strings.Join(parts, "-")
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tandemsync/tandem/pkg/api"
	"github.com/tandemsync/tandem/pkg/localrun"
)

// rssResult is one function binary's memory under the replayed load.
type rssResult struct {
	name             string
	events, failed   int
	initKB, peakKB   int64 // VmHWM after init, and after the load
	firstErr         string
	partnerUnreached bool
}

// vmHWM is the peak resident set of pid, in KB, from /proc/<pid>/status.
func vmHWM(pid int) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// measureRSS runs each function binary against the runtime API stub and
// feeds it the events the costed run recorded for it (webhook deliveries as
// API Gateway events, each sync function's SQS batches; API reads for the
// API functions; scheduled events for the sweep and the renewal), n events
// each, cycling through what was recorded, and reads its peak RSS. The
// binaries reach the local runner's DynamoDB store (capacityMeter.serve) and, through awsStub,
// its secrets; what they queue is accepted and dropped. Production binaries
// refuse loopback addresses for partner platforms (the SSRF policy), so a
// sync function's partner calls fail here: its figure covers decoding,
// store reads and writes and clients, not a partner's response.
func (b *bench) measureRSS(ctx context.Context, fns []builtFunction, n int) ([]rssResult, error) {
	if b.ddb.url() == "" {
		return nil, fmt.Errorf("no DynamoDB endpoint seen")
	}
	home, err := os.MkdirTemp("", "tandem-bench-home-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(home)
	stub := newAWSStub(b.r.Deps.Secrets.GetSecret)
	defer stub.Close()
	ddb, err := b.ddb.serve()
	if err != nil {
		return nil, err
	}
	defer ddb.Close()
	env := slices.DeleteFunc(functionEnv(home), func(kv string) bool {
		return strings.HasPrefix(kv, "TANDEM_TABLE=") || strings.HasPrefix(kv, "TANDEM_SECRET_PREFIX=") ||
			strings.HasPrefix(kv, "TANDEM_WEBHOOK_BASE_URL=")
	})
	env = append(env, "TANDEM_TABLE=tandem-local", "TANDEM_SECRET_PREFIX=", "TANDEM_WEBHOOK_BASE_URL="+b.r.URL,
		"AWS_ENDPOINT_URL_DYNAMODB="+ddb.URL, "AWS_ENDPOINT_URL_SECRETS_MANAGER="+stub.srv.URL,
		"AWS_ENDPOINT_URL_SQS="+stub.srv.URL)
	var out []rssResult
	for _, f := range fns {
		evs := b.loadFor(f.name)
		if len(evs) == 0 {
			continue
		}
		var logs bytes.Buffer
		s, err := startFunction(ctx, f.path, env, &logs)
		if err != nil {
			return nil, err
		}
		res := rssResult{name: f.name, initKB: vmHWM(s.cmd.Process.Pid)}
		for i := range n {
			// A function that dies mid-invocation never answers.
			ictx, cancel := context.WithTimeout(ctx, time.Minute)
			_, err := s.rt.invoke(ictx, evs[i%len(evs)], 30*time.Second)
			cancel()
			res.events++
			if err != nil {
				res.failed++
				if res.firstErr == "" {
					res.firstErr = err.Error()
				}
			}
		}
		res.peakKB = vmHWM(s.cmd.Process.Pid)
		res.partnerUnreached = strings.Contains(logs.String(), "destination not allowed")
		s.stop()
		out = append(out, res)
	}
	return out, nil
}

// loadFor is the replayed load of one function.
func (b *bench) loadFor(fn string) [][]byte {
	switch fn {
	case helloName:
		return [][]byte{[]byte(`{}`)}
	case "sweep", "renew-subscriptions":
		ev, _ := json.Marshal(events.EventBridgeEvent{Version: "0", ID: "bench", DetailType: "Scheduled Event",
			Source: "aws.events", AccountID: "123456789012", Region: "us-east-1", Detail: json.RawMessage(`{}`)})
		return [][]byte{ev}
	case "connections", "config", "settings":
		path := map[string]string{"connections": "/v1/connections", "config": "/v1/connections/" + b.connID + "/config",
			"settings": "/v1/settings/platform"}[fn]
		ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "$default", RawPath: path,
			Headers: map[string]string{"accept": "application/json"},
			RequestContext: events.APIGatewayV2HTTPRequestContext{
				RequestID: "bench", Stage: "$default",
				HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: path},
				Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
					JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
						Claims: map[string]string{api.ClaimOrgID: localrun.DemoMSP, api.ClaimOrgName: "Bench MSP"}}},
			}}
		raw, _ := json.Marshal(ev)
		return [][]byte{raw}
	}
	return b.lambda.events(fn)
}

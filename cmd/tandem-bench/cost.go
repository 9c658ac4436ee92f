package main

import (
	"fmt"
	"math"
)

// Prices in us-east-1, USD, as published on AWS's pricing pages (sources and
// the date read are in BENCHMARKS.md, "Price table"). Free tiers are left
// out: the figure is the marginal price of a million changes.
const (
	priceHTTPAPIPerM      = 1.00         // API Gateway HTTP API, per million requests (first 300 M; 512 KB units)
	priceLambdaReqPerM    = 0.20         // Lambda, per million requests
	priceLambdaArmGBs     = 0.0000133334 // Lambda on Arm (the stack's architecture), per GB-second
	priceSQSFIFOPerM      = 0.50         // SQS FIFO, per million requests (64 KB units)
	priceDDBWRUPerM       = 0.625        // DynamoDB on-demand, per million write request units
	priceDDBRRUPerM       = 0.125        // DynamoDB on-demand, per million read request units
	priceDDBStorageGBMo   = 0.25         // DynamoDB Standard table storage, per GB-month
	priceDDBPITRGBMo      = 0.20         // DynamoDB continuous backup (PITR), per GB-month
	priceSecretsPer10k    = 0.05         // Secrets Manager, per 10,000 API calls
	priceSecretMonth      = 0.40         // Secrets Manager, per secret per month
	priceLogsIngestGB     = 0.50         // CloudWatch Logs standard ingestion, per GB
	priceLogsStoreGBMo    = 0.03         // CloudWatch Logs storage, per GB-month
	priceAlarmMonth       = 0.10         // CloudWatch standard-resolution alarm metric, per month
	priceCustomMetricMo   = 0.30         // CloudWatch custom metric (first 10,000), per month
	priceXRayTracesPerM   = 5.00         // X-Ray, per million traces recorded
	lambdaReportLineBytes = 300          // START, END and REPORT lines Lambda writes per invocation (with X-Ray's trace id), where the stack keeps them
	accessLogLineBytes    = 400          // one API Gateway access log line in the stack's format (infra api.go)
)

// usage is what one costed run counted, over changes synced changes.
type usage struct {
	changes int
	// API Gateway requests: webhook deliveries (echoes included).
	apiRequests int64
	// Lambda: invocations and billed milliseconds (each rounded up to 1 ms)
	// times memory, per function.
	invocations map[string]int64
	billedMS    map[string]int64
	memoryMB    map[string]float64
	// platformLines: the functions whose START, END and REPORT lines the
	// stack keeps (stackPlatformLines).
	platformLines map[string]bool
	// messages are the queue messages sent (events and commands);
	// echoesDropped the events the webhook acknowledged as Tandem's own
	// echoes without queueing them. Reported, not priced: the requests are.
	messages, echoesDropped int64
	// SQS requests, each in 64 KB units: sends, and per batch one receive
	// and one delete.
	sqsRequests int64
	// DynamoDB request units.
	rru, wru float64
	// Secrets Manager API calls.
	secretCalls int64
	// Log bytes the functions wrote (Lambda's own lines and the access log
	// are added from invocations and requests).
	logBytes int64
}

// costLine is one row of the cost table: per million synced changes.
type costLine struct {
	item     string
	quantity float64 // per million changes
	unit     string
	usd      float64
}

// costPerMillion multiplies what a run counted by the prices, scaled to a
// million synced changes.
func costPerMillion(u usage) []costLine {
	if u.changes == 0 {
		return nil
	}
	scale := 1e6 / float64(u.changes)
	var lines []costLine
	add := func(item string, q float64, unit string, usd float64) {
		lines = append(lines, costLine{item, q * scale, unit, usd * scale})
	}
	add("API Gateway HTTP API requests", float64(u.apiRequests), "requests", float64(u.apiRequests)*priceHTTPAPIPerM/1e6)
	var inv, reported int64
	var gbs float64
	for fn, n := range u.invocations {
		inv += n
		gbs += float64(u.billedMS[fn]) / 1000 * u.memoryMB[fn] / 1024
		if u.platformLines[fn] {
			reported += n
		}
	}
	add("Lambda requests", float64(inv), "invocations", float64(inv)*priceLambdaReqPerM/1e6)
	add("Lambda duration (Arm)", gbs, "GB-s", gbs*priceLambdaArmGBs)
	add("SQS FIFO requests", float64(u.sqsRequests), "requests", float64(u.sqsRequests)*priceSQSFIFOPerM/1e6)
	add("DynamoDB read request units", u.rru, "RRU", u.rru*priceDDBRRUPerM/1e6)
	add("DynamoDB write request units", u.wru, "WRU", u.wru*priceDDBWRUPerM/1e6)
	add("Secrets Manager API calls", float64(u.secretCalls), "calls", float64(u.secretCalls)*priceSecretsPer10k/1e4)
	logGB := float64(u.logBytes+reported*lambdaReportLineBytes+u.apiRequests*accessLogLineBytes) / (1 << 30)
	// Kept a month (the log groups' retention), so stored about one month.
	add("CloudWatch Logs ingestion + 1 month storage", logGB, "GB", logGB*(priceLogsIngestGB+priceLogsStoreGBMo))
	return lines
}

// xrayPerMillion is what X-Ray would add for a stage that traces every
// change (the stack's traceEveryChange; by default the per-change functions
// pass tracing through and add nothing): not in issue 14's list, reported
// apart. Lambda records the first invocation each second and 5 % of the
// rest per function, so at a few changes per second nearly every
// invocation is a trace.
func xrayPerMillion(u usage) costLine {
	var inv int64
	for _, n := range u.invocations {
		inv += n
	}
	scale := 1e6 / float64(max(1, u.changes))
	return costLine{"X-Ray traces with traceEveryChange (every invocation sampled; off by default)", float64(inv) * scale, "traces", float64(inv) * scale * priceXRayTracesPerM / 1e6}
}

func totalUSD(lines []costLine) float64 {
	var t float64
	for _, l := range lines {
		t += l.usd
	}
	return t
}

// restModel is what the stack costs with nothing to sync, per month.
type restModel struct {
	// orgs with one platform connected each, and their secrets: the
	// platform credentials and a webhook signing secret.
	orgs, secretsPerOrg int
	// connections swept; sweepMinutes is the default per-side interval.
	connections                 int
	sweepEveryMin, renewEveryHr float64
	sweepMS, renewMS            float64 // billed duration of one scheduled run
	sweepMemMB, renewMemMB      float64
	// The DynamoDB requests one sweep tick makes: the active-connection
	// query, and per side not due its configuration and mark.
	sweepTickRRU float64
	// Event source mappings: one per queue with a sync function.
	queuesPolled int
	// Lambda's SQS poller keeps long polls (20 s) open on each queue with
	// an event source mapping, pollersPerQueue at a time while idle.
	pollersPerQueue int
	alarms          int
	tableGB         float64
	logGBStored     float64
}

func atRestPerMonth(m restModel) []costLine {
	const month = 30 * 24 * 60.0 // minutes
	var lines []costLine
	add := func(item string, q float64, unit string, usd float64) {
		lines = append(lines, costLine{item, q, unit, usd})
	}
	secrets := float64(m.orgs * m.secretsPerOrg)
	add(fmt.Sprintf("Secrets Manager secrets (%d orgs × %d)", m.orgs, m.secretsPerOrg), secrets, "secrets", secrets*priceSecretMonth)
	sweeps := month / m.sweepEveryMin
	renews := month / 60 / m.renewEveryHr
	inv := sweeps + renews
	gbs := sweeps*m.sweepMS/1000*m.sweepMemMB/1024 + renews*m.renewMS/1000*m.renewMemMB/1024
	add("Lambda: sweep and renewal schedules", inv, "invocations", inv*priceLambdaReqPerM/1e6+gbs*priceLambdaArmGBs)
	rru := sweeps * m.sweepTickRRU
	add("DynamoDB: the sweep's reads", rru, "RRU", rru*priceDDBRRUPerM/1e6)
	polls := float64(m.queuesPolled*m.pollersPerQueue) * month * 60 / 20
	add(fmt.Sprintf("SQS: idle long polls (%d queues × %d pollers, 20 s)", m.queuesPolled, m.pollersPerQueue), polls, "requests", polls*priceSQSFIFOPerM/1e6)
	add("CloudWatch alarms, and the dropped-messages custom metric", float64(m.alarms), "alarms", float64(m.alarms)*priceAlarmMonth+priceCustomMetricMo)
	add("DynamoDB storage + PITR", m.tableGB, "GB", m.tableGB*(priceDDBStorageGBMo+priceDDBPITRGBMo))
	add("CloudWatch Logs storage", m.logGBStored, "GB", m.logGBStored*priceLogsStoreGBMo)
	return lines
}

// ceilMS is Lambda's billed duration of a handler that ran d milliseconds.
func ceilMS(d float64) int64 { return int64(math.Max(1, math.Ceil(d))) }

// defaultRest is the at-rest model BENCHMARKS.md describes: ten
// organisations on five connections, nothing changing.
func defaultRest(memory map[string]float64) restModel {
	return restModel{
		orgs: 10, secretsPerOrg: 2, connections: 5,
		sweepEveryMin: 5, renewEveryHr: 6,
		// A tick with no side due: a few store reads (BENCHMARKS.md,
		// issue 13); a renewal with no Graph mailbox lists none.
		sweepMS: 20, renewMS: 20,
		sweepMemMB: memory["sweep"], renewMemMB: memory["renew-subscriptions"],
		// One Query of the active connections plus a configuration and a
		// mark read per side not due (eventually consistent, small items).
		sweepTickRRU: 0.5 + 5*2*2*0.5,
		queuesPolled: 10, pollersPerQueue: 5,
		// infra operations.go: an age alarm per source queue (10), a
		// depth and an age alarm per dead-letter queue (20), errors and
		// throttles per function, the API's 5xx and the dropped messages.
		alarms:  10 + 20 + 2*len(memory) + 2,
		tableGB: 0.01, logGBStored: 0.05,
	}
}

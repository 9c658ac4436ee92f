package main

import (
	"cmp"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// ---- output -----------------------------------------------------------------

func (b *bench) print(total time.Duration) {
	// Per-change costs: the creates of the latency run plus the workload.
	all := append([]stepCost{b.creates}, b.steps...)
	var n int
	var calls, ddb int64
	var rru, wru float64
	for _, c := range all {
		n += c.n
		calls += c.calls
		ddb += c.ddb
		rru, wru = rru+c.rru, wru+c.wru
	}
	rows := b.rows
	b.rows = nil
	b.add("partner API calls per synced change, average", "calls/change", "%.2f", float64(calls)/float64(n))
	for _, c := range all {
		detail := ""
		if c.atCalls+c.haloCalls > 0 {
			detail = fmt.Sprintf(" [Autotask %.2f + Halo %.2f]", float64(c.atCalls)/float64(c.n), float64(c.haloCalls)/float64(c.n))
		}
		b.add("  "+c.name+detail, "calls/change", "%.2f", float64(c.calls)/float64(c.n))
	}
	for _, e := range b.echoes {
		b.add(fmt.Sprintf("partner API calls per echo queued to the sync function: %s (%d)", e.name, e.n), "calls/echo", "%.2f", div(e.calls, e.n))
	}
	b.add("DynamoDB requests per synced change, average", "requests/change", "%.1f", float64(ddb)/float64(n))
	for _, c := range all {
		b.add("  "+c.name, "requests/change", "%.1f", float64(c.ddb)/float64(c.n))
	}
	b.add("DynamoDB read / write capacity units per synced change, average (on-demand; transactions doubled)", "RRU / WRU", "%.1f / %.1f", rru/float64(n), wru/float64(n))
	for _, c := range all {
		b.add("  "+c.name, "RRU / WRU", "%.1f / %.1f", c.rru/float64(c.n), c.wru/float64(c.n))
	}
	for _, e := range b.echoes {
		// Approximate: the echo's batch overlaps the tail of the command's
		// bookkeeping; the webhook handler's endpoint read is not included.
		b.add(fmt.Sprintf("DynamoDB requests per echo in the sync function (approx.): %s", e.name), "requests/echo", "%.1f", div(e.ddb, e.n))
	}
	b.rows = append(rows, b.rows...)
	b.usage.changes = n
	b.functionRows()
	b.costRows()

	fmt.Printf("\ncommand:  %s\n", strings.Join(append([]string{"go run ./cmd/tandem-bench"}, os.Args[1:]...), " "))
	fmt.Printf("go:       %s %s/%s, GOMAXPROCS %d\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0))
	fmt.Printf("nproc:    %s\n", nproc())
	fmt.Printf("cpu:      %s\n", cpuModel())
	fmt.Printf("load:     %s (load average at the end)\n", loadAvg())
	fmt.Printf("run time: %s (synced changes counted: %d)\n\n", total.Round(100*time.Millisecond), n)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "metric\tvalue\tunit")
	fmt.Fprintln(tw, "------\t-----\t----")
	for _, r := range b.rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.metric, r.value, r.unit)
	}
	_ = tw.Flush()
	b.printBreakdown(all)
	if len(b.inits) > 0 {
		fmt.Println("\nwhere the start-up time went (one run each with GODEBUG=inittrace=1):")
		for _, r := range b.inits {
			fmt.Printf("  %-20s %s\n", r.fn.name, r.profile)
		}
	}
}

func div(a int64, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(a) / float64(n)
}

func nproc() string {
	if out, err := exec.Command("nproc").Output(); err == nil {
		return strings.TrimSpace(string(out))
	}
	return strconv.Itoa(runtime.NumCPU())
}

func cpuModel() string {
	raw, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100 // nearest rank
	return s[max(0, min(len(s)-1, i-1))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func loadAvg() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(raw))
	return strings.Join(f[:min(3, len(f))], " ")
}

const (
	targetInitRatio = 1.5
	targetSizeMB    = 10
	targetRSSMB     = 64
	targetCostUSD   = 5
)

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

// functionRows reports the binaries: start-up against the hello-world,
// sizes, peak RSS.
func (b *bench) functionRows() {
	if len(b.inits) == 0 {
		return
	}
	hello := b.inits[0]
	b.add(fmt.Sprintf("init, exec → first /next poll, median of %d: hello-world", len(hello.wall)), "ms", "%.2f (CPU %.2f)", ms(hello.medWall), ms(hello.medCPU))
	worst := 0.0
	for _, r := range b.inits[1:] {
		name := r.fn.name
		if name == floorName {
			name += " (hello-world + the DynamoDB, SQS, Secrets Manager clients every function builds)"
		} else {
			worst = max(worst, r.ratioWall)
		}
		b.add("  "+name, "ms (× hello-world)", "%.2f (%.2f×); CPU %.2f (%.2f×)", ms(r.medWall), r.ratioWall, ms(r.medCPU), r.ratioCPU)
	}
	b.add(fmt.Sprintf("init ratio, worst function / hello-world (target ≤ %.1f×: %s)", targetInitRatio, verdict(worst <= targetInitRatio)), "×", "%.2f", worst)
	var schemas []string
	for _, r := range b.inits {
		for _, p := range r.profile.schemas {
			if !slices.Contains(schemas, p) {
				schemas = append(schemas, p)
			}
		}
	}
	b.add("SDK generated schemas initialised at start-up (go.mod pins the releases before them)", "packages", "%s", cmp.Or(strings.Join(schemas, ", "), "none"))
	// The target is judged on what the stack deploys, linux/arm64; the
	// linux/amd64 builds exist because this machine can only run those for
	// the start-up times, and are reported beside them.
	largest, largestAMD := int64(0), int64(0)
	for i, f := range b.fns {
		arm := b.arm64[i]
		if f.name != floorName {
			largest, largestAMD = max(largest, arm.size), max(largestAMD, f.size)
		}
		b.add("binary size, linux/arm64 (linux/amd64): "+f.name, "MB", "%.2f (%.2f)", float64(arm.size)/1e6, float64(f.size)/1e6)
	}
	b.add(fmt.Sprintf("largest function binary, linux/arm64 as deployed (target ≤ %d MB: %s); linux/amd64", targetSizeMB, verdict(largest <= targetSizeMB*1e6)),
		"MB", "%.2f; %.2f", float64(largest)/1e6, float64(largestAMD)/1e6)
	peak := int64(0)
	for _, r := range b.rss {
		note := ""
		if r.failed > 0 {
			note = fmt.Sprintf("; %d of %d invocations failed, first: %.120s", r.failed, r.events, r.firstErr)
		}
		if r.partnerUnreached {
			note += "; partner calls refused by the SSRF policy (simulators on loopback)"
		}
		if r.name != helloName {
			peak = max(peak, r.peakKB)
		}
		if mb, ok := b.memory[r.name]; ok {
			note = fmt.Sprintf("; stack memory %.0f MB", mb) + note
		}
		b.add(fmt.Sprintf("peak RSS (VmHWM) after %d events: %s", r.events, r.name), "MB", "%.1f (after init %.1f%s)",
			float64(r.peakKB)/1024, float64(r.initKB)/1024, note)
	}
	if len(b.rss) > 0 {
		b.add(fmt.Sprintf("largest peak RSS of a function (target ≤ %d MB: %s)", targetRSSMB, verdict(peak <= targetRSSMB*1024)), "MB", "%.1f", float64(peak)/1024)
	}
}

// costRows prices what the costed runs counted.
func (b *bench) costRows() {
	lines := costPerMillion(b.usage)
	if len(lines) == 0 {
		return
	}
	per := func(v int64) float64 { return float64(v) / float64(b.usage.changes) }
	var inv int64
	for _, n := range b.usage.invocations {
		inv += n
	}
	b.add("counted per synced change: API Gateway requests / Lambda invocations / SQS requests", "per change", "%.2f / %.2f / %.2f",
		per(b.usage.apiRequests), per(inv), per(b.usage.sqsRequests))
	b.add("counted per synced change: queue messages sent (events and commands) / echoes the webhook dropped unqueued", "per change", "%.2f / %.2f (%d echoes)",
		per(b.usage.messages), per(b.usage.echoesDropped), b.usage.echoesDropped)
	b.add("counted per synced change: DynamoDB RRU / WRU (transactions doubled)", "per change", "%.2f / %.2f",
		b.usage.rru/float64(b.usage.changes), b.usage.wru/float64(b.usage.changes))
	b.add("counted per synced change: Secrets Manager calls / function log bytes", "per change", "%.3f / %.0f",
		per(b.usage.secretCalls), per(b.usage.logBytes))
	for fn, n := range b.usage.invocations {
		lines := "START/END/REPORT lines kept"
		if !b.usage.platformLines[fn] {
			lines = "no START/END/REPORT lines"
		}
		b.add(fmt.Sprintf("  %s: invocations per change, billed ms per invocation (at %.0f MB; %s)", fn, b.memory[fn], lines), "", "%.2f, %.2f",
			per(n), float64(b.usage.billedMS[fn])/float64(n))
	}
	for _, l := range lines {
		b.add("cost per million synced changes: "+l.item, "USD", "%.3f (%.4g %s)", l.usd, l.quantity, l.unit)
	}
	total := totalUSD(lines)
	b.add(fmt.Sprintf("COST PER MILLION SYNCED CHANGES (target ≤ $%d: %s)", targetCostUSD, verdict(total <= targetCostUSD)), "USD", "%.2f", total)
	x := xrayPerMillion(b.usage)
	b.add("  plus, outside the issue's list: "+x.item, "USD", "%.2f (%.4g %s)", x.usd, x.quantity, x.unit)
	rest := atRestPerMonth(defaultRest(b.memory))
	for _, l := range rest {
		b.add("cost at rest per month: "+l.item, "USD", "%.2f (%.4g %s)", l.usd, l.quantity, l.unit)
	}
	b.add("COST AT REST PER MONTH (the model in BENCHMARKS.md)", "USD", "%.2f", totalUSD(rest))
}

// printBreakdown lists, for each kind of change, the DynamoDB requests it
// made (webhook, event, command and echo together) by what each read or
// wrote (requestLabel), per change, with their capacity units and, for
// writes, the average size of the largest item each one wrote.
func (b *bench) printBreakdown(all []stepCost) {
	fmt.Println("\nwhere the DynamoDB requests of a synced change go (per change; webhook, event, command and echo together):")
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	for _, c := range all {
		var n int64
		for _, u := range c.by {
			n += u.n
		}
		fmt.Fprintf(tw, "  %s\t%.2f requests\tRRU %.1f\tWRU %.1f\titem bytes written\n", c.name, float64(n)/float64(c.n), c.rru/float64(c.n), c.wru/float64(c.n))
		for _, k := range slices.Sorted(maps.Keys(c.by)) {
			u := c.by[k]
			size := ""
			if u.wru > 0 {
				size = fmt.Sprintf("%.0f", u.bytes/float64(u.n))
			}
			fmt.Fprintf(tw, "    %s\t%.2f\t%.1f\t%.1f\t%s\n", k, float64(u.n)/float64(c.n), u.rru/float64(c.n), u.wru/float64(c.n), size)
		}
	}
	_ = tw.Flush()
}

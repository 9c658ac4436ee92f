package main

import (
	"fmt"
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
		b.add(fmt.Sprintf("partner API calls per echo: %s (%d)", e.name, e.n), "calls/echo", "%.2f", div(e.calls, e.n))
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

	fmt.Printf("\ncommand:  %s\n", strings.Join(append([]string{"go run ./cmd/tandem-bench"}, os.Args[1:]...), " "))
	fmt.Printf("go:       %s %s/%s, GOMAXPROCS %d\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0))
	fmt.Printf("nproc:    %s\n", nproc())
	fmt.Printf("cpu:      %s\n", cpuModel())
	fmt.Printf("run time: %s (synced changes counted: %d)\n\n", total.Round(100*time.Millisecond), n)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "metric\tvalue\tunit")
	fmt.Fprintln(tw, "------\t-----\t----")
	for _, r := range b.rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.metric, r.value, r.unit)
	}
	_ = tw.Flush()
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

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The flags of the Makefile's build target (one bootstrap per function, as
// the CDK stack deploys it), but for linux/amd64 so this machine can run
// them; TestBuildFlagsMatchTheMakefile keeps the two in step.
var buildFlags = []string{"-tags", "lambda.norpc", "-trimpath", "-buildvcs=false", "-ldflags=-s -w"}

// helloPkg is the baseline: the smallest aws-lambda-go function.
const helloPkg = "./cmd/tandem-bench/hellolambda"

// floorPkg is the hello-world with the three AWS clients every function
// builds: what the SDK alone costs at start-up, timed beside the functions
// to say how much of theirs is the SDK's.
const floorPkg = "./cmd/tandem-bench/sdkfloor"

// builtFunction is one function's binary.
type builtFunction struct {
	name string // directory under functions/, or "hello-world"
	path string
	size int64 // bytes, uncompressed
}

// functionNames lists the directories of functions/.
func functionNames(root string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(root, "functions"))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// buildFunctions builds every function, the hello-world baseline and the
// SDK floor for linux/goarch into dir, in one go build, and returns them
// with their sizes; the baseline comes first, the floor second.
func buildFunctions(ctx context.Context, root, dir, goarch string, names []string) ([]builtFunction, error) {
	args := append([]string{"build"}, buildFlags...)
	args = append(args, "-o", dir+string(filepath.Separator), helloPkg, floorPkg)
	for _, n := range names {
		args = append(args, "./functions/"+n)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+goarch)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build (%s): %w\n%s", goarch, err, out)
	}
	out := []builtFunction{
		{name: helloName, path: filepath.Join(dir, filepath.Base(helloPkg))},
		{name: floorName, path: filepath.Join(dir, filepath.Base(floorPkg))},
	}
	for _, n := range names {
		out = append(out, builtFunction{name: n, path: filepath.Join(dir, n)})
	}
	for i := range out {
		st, err := os.Stat(out[i].path)
		if err != nil {
			return nil, err
		}
		out[i].size = st.Size()
	}
	return out, nil
}

const (
	helloName = "hello-world"
	floorName = "sdk-floor"
)

// unreachable is where every AWS endpoint points during init: a closed
// port, so a function that calls out at init fails or stalls visibly
// instead of reaching anything.
const unreachable = "http://127.0.0.1:9"

// functionEnv is what Lambda and the stack give every function (infra
// newFunction, plus the queues and bucket the sync functions get), with
// every endpoint unreachable; home is an empty directory, so the SDK finds
// no shared config files.
func functionEnv(home string) []string {
	env := []string{
		"PATH=/usr/bin:/bin", "HOME=" + home, "TZ=:UTC", "LANG=en_US.UTF-8",
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=AKIDBENCH", "AWS_SECRET_ACCESS_KEY=bench", "AWS_SESSION_TOKEN=bench",
		"AWS_ENDPOINT_URL=" + unreachable,
		"AWS_LAMBDA_FUNCTION_NAME=tandem-bench", "AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128", "AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/tandem-bench",
		"_HANDLER=bootstrap", "LAMBDA_TASK_ROOT=/var/task",
		"TANDEM_TABLE=tandem-bench", "TANDEM_SECRET_PREFIX=tandem/bench/",
		"TANDEM_WEBHOOK_BASE_URL=https://bench.invalid",
		"TANDEM_FILES_BUCKET=tandem-bench-files",
	}
	for _, p := range []string{"AUTOTASK", "CONNECTWISE", "HALO", "ZENDESK", "GRAPH"} {
		for _, k := range []string{"EVENTS", "COMMANDS"} {
			env = append(env, fmt.Sprintf("TANDEM_QUEUE_%s_%s=%s/123456789012/tandem-bench-%s-%s.fifo",
				p, k, unreachable, strings.ToLower(p), strings.ToLower(k)))
		}
	}
	return env
}

// started is a function process that has made its first poll.
type started struct {
	wall time.Duration // exec → first poll of .../next
	cpu  time.Duration // CPU time of all its threads by then
	rt   *runtimeAPI
	cmd  *exec.Cmd
	stop func()
}

// startFunction runs bin against a fresh runtime API stub and returns once
// it first polls .../next, with the process still running (stop it with
// started.stop). out receives the process's stdout and stderr.
func startFunction(ctx context.Context, bin string, env []string, out io.Writer) (*started, error) {
	rt := newRuntimeAPI()
	cmd := exec.Command(bin)
	cmd.Env = append(slices.Clone(env), "AWS_LAMBDA_RUNTIME_API="+rt.URL)
	cmd.Stdout, cmd.Stderr = out, out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		rt.Close()
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			_ = cmd.Process.Kill()
			<-exited
			rt.Close()
		})
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	type polled struct {
		at  time.Time
		err error
	}
	got := make(chan polled, 1)
	go func() {
		at, err := rt.firstPoll(ctx)
		got <- polled{at, err}
	}()
	select {
	case p := <-got:
		if p.err != nil {
			stop()
			return nil, fmt.Errorf("%s: %w", filepath.Base(bin), p.err)
		}
		return &started{wall: p.at.Sub(start), cpu: cpuTime(cmd.Process.Pid), rt: rt, cmd: cmd, stop: stop}, nil
	case err := <-exited:
		exited <- err
		stop()
		return nil, fmt.Errorf("%s exited before its first poll: %v", filepath.Base(bin), err)
	}
}

// cpuTime sums the time on CPU of every thread of pid, from
// /proc/<pid>/task/*/schedstat (nanoseconds): unlike wall time it hardly
// moves with the machine's load. 0 where /proc has no schedstat.
func cpuTime(pid int) time.Duration {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	var sum time.Duration
	for _, t := range tasks {
		raw, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		if f := strings.Fields(string(raw)); len(f) > 0 {
			n, _ := strconv.ParseInt(f[0], 10, 64)
			sum += time.Duration(n)
		}
	}
	return sum
}

// initResult is one function's start-up.
type initResult struct {
	fn                  builtFunction
	wall, cpu           []time.Duration
	medWall, medCPU     time.Duration
	ratioWall, ratioCPU float64 // medians over the hello-world's
	profile             initProfile
}

// measureInit times rounds start-ups of each binary, interleaved (every
// round runs every binary once, so a load spike hits all alike), then runs
// each once more with GODEBUG=inittrace=1 to say where the time went. The
// first result is the baseline (fns[0], the hello-world).
func measureInit(ctx context.Context, fns []builtFunction, rounds int) ([]initResult, error) {
	home, err := os.MkdirTemp("", "tandem-bench-home-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(home)
	env := functionEnv(home)
	res := make([]initResult, len(fns))
	for i, f := range fns {
		res[i].fn = f
	}
	for range rounds {
		for i, f := range fns {
			s, err := startFunction(ctx, f.path, env, io.Discard)
			if err != nil {
				return nil, err
			}
			s.stop()
			res[i].wall = append(res[i].wall, s.wall)
			res[i].cpu = append(res[i].cpu, s.cpu)
		}
	}
	for i := range res {
		res[i].medWall, res[i].medCPU = pct(res[i].wall, 50), pct(res[i].cpu, 50)
		var trace bytes.Buffer
		s, err := startFunction(ctx, res[i].fn.path, append(slices.Clone(env), "GODEBUG=inittrace=1"), &trace)
		if err != nil {
			return nil, err
		}
		s.stop()
		res[i].profile = parseInitTrace(trace.String(), s.wall)
	}
	for i := range res {
		res[i].ratioWall = float64(res[i].medWall) / float64(res[0].medWall)
		res[i].ratioCPU = float64(res[i].medCPU) / float64(max(1, res[0].medCPU))
	}
	return res, nil
}

// initProfile splits one start-up: the package initialisers (their wall
// clock, summed, and the costliest), and the rest (runtime start, main up
// to the first poll).
type initProfile struct {
	total    time.Duration // exec → first poll of this run
	inits    time.Duration // Σ package init wall clock
	initKB   int64
	top      []pkgInit
	mainDone time.Duration // the end of the last package init, since process start
	// schemas are the SDK services' generated schemas initialised, which
	// go.mod's pins keep out (3-7 ms of start-up when they come back).
	schemas []string
}

type pkgInit struct {
	pkg   string
	clock time.Duration
	bytes int64
}

// inittrace lines: "init internal/bytealg @0.008 ms, 0 ms clock, 0 bytes, 0 allocs".
var initTraceLine = regexp.MustCompile(`^init (\S+) @([0-9.]+) ms, ([0-9.]+) ms clock, ([0-9]+) bytes, ([0-9]+) allocs`)

func parseInitTrace(out string, total time.Duration) initProfile {
	p := initProfile{total: total}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		m := initTraceLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		at, _ := strconv.ParseFloat(m[2], 64)
		clock, _ := strconv.ParseFloat(m[3], 64)
		b, _ := strconv.ParseInt(m[4], 10, 64)
		d := time.Duration(clock * float64(time.Millisecond))
		p.inits += d
		p.initKB += b / 1024
		p.top = append(p.top, pkgInit{m[1], d, b})
		if strings.HasPrefix(m[1], "github.com/aws/aws-sdk-go-v2/service/") && strings.HasSuffix(m[1], "/schemas") {
			p.schemas = append(p.schemas, strings.TrimPrefix(m[1], "github.com/aws/aws-sdk-go-v2/"))
		}
		if end := time.Duration((at + clock) * float64(time.Millisecond)); end > p.mainDone {
			p.mainDone = end
		}
	}
	slices.SortStableFunc(p.top, func(a, b pkgInit) int { return int(b.clock - a.clock) })
	p.top = p.top[:min(3, len(p.top))]
	return p
}

func (p initProfile) String() string {
	var top []string
	for _, t := range p.top {
		top = append(top, fmt.Sprintf("%s %.2f", t.pkg, ms(t.clock)))
	}
	return fmt.Sprintf("package inits %.2f ms (%d KB; costliest: %s), inits done at %.2f ms, first poll at %.2f ms",
		ms(p.inits), p.initKB, strings.Join(top, ", "), ms(p.mainDone), ms(p.total))
}

// functions builds the function binaries (linux/amd64 to run here; and
// linux/arm64, what the stack deploys, for their sizes), reads
// the stack's memory sizes and times every start-up.
func (b *bench) functions(ctx context.Context) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	b.root = root
	names, err := functionNames(root)
	if err != nil {
		return err
	}
	if b.memory, err = stackMemoryMB(root, names); err != nil {
		return err
	}
	if b.platformLines, err = stackPlatformLines(root, names); err != nil {
		return err
	}
	if b.quick {
		// Linking dominates the build: the quick mode builds the functions
		// the bench's connection runs through (the other sync functions
		// differ only in the platform package they link).
		names = slices.DeleteFunc(names, func(n string) bool { return !slices.Contains(quickFunctions, n) })
	}
	dir, err := os.MkdirTemp("", "tandem-bench-bin-")
	if err != nil {
		return err
	}
	// The binaries stay until the RSS replay is done (run removes them).
	b.binDir = dir
	b.progress("building %d functions and the hello-world for linux/amd64", len(names))
	if b.fns, err = buildFunctions(ctx, root, filepath.Join(dir, "amd64"), "amd64", names); err != nil {
		return err
	}
	b.progress("building them for linux/arm64 (the stack's architecture) for their sizes")
	if b.arm64, err = buildFunctions(ctx, root, filepath.Join(dir, "arm64"), "arm64", names); err != nil {
		return err
	}
	b.progress("init: %d start-ups of each binary against the runtime API stub", b.initRounds)
	b.inits, err = measureInit(ctx, b.fns, b.initRounds)
	return err
}

// quickFunctions are the functions -quick builds and measures.
var quickFunctions = []string{"webhook", "sync-autotask", "sync-halo"}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("run tandem-bench inside the module")
	}
	return filepath.Dir(mod), nil
}

package main

import (
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The runtime API stub speaks the protocol aws-lambda-go's client uses: a
// poll gets the event with its request id and deadline, the answer goes to
// .../response or .../error by that id, and the first poll is recorded.
func TestRuntimeAPIStub(t *testing.T) {
	rt := newRuntimeAPI()
	defer rt.Close()
	base := "http://" + rt.URL + "/2018-06-01/runtime/"

	tests := []struct {
		name     string
		answer   string // "response" or "error"
		body     string
		wantErr  bool
		wantBody string
	}{
		{"response", "response", `{"ok":true}`, false, `{"ok":true}`},
		{"error", "error", `{"errorType":"boom"}`, true, `{"errorType":"boom"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The function side, as aws-lambda-go does it.
			go func() {
				resp, err := http.Get(base + "invocation/next")
				if err != nil {
					return
				}
				ev, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				id := resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
				if string(ev) != `{"n":1}` || resp.Header.Get("Lambda-Runtime-Deadline-Ms") == "" {
					id = "wrong-event"
				}
				post, err := http.Post(base+"invocation/"+id+"/"+tt.answer, "application/json", strings.NewReader(tt.body))
				if err == nil {
					post.Body.Close()
				}
			}()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			got, err := rt.invoke(ctx, []byte(`{"n":1}`), time.Minute)
			if (err != nil) != tt.wantErr || string(got) != tt.wantBody {
				t.Fatalf("invoke = %q, %v; want %q, error %v", got, err, tt.wantBody, tt.wantErr)
			}
		})
	}
	at, err := rt.firstPoll(context.Background())
	if err != nil || at.IsZero() {
		t.Fatalf("firstPoll = %v, %v; want the time of the first poll", at, err)
	}
	resp, err := http.Post(base+"invocation/unknown/response", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("answer to an unknown request id: status %d, want 400", resp.StatusCode)
	}
}

// An init error posted before the first poll fails firstPoll with its body.
func TestRuntimeAPIInitError(t *testing.T) {
	rt := newRuntimeAPI()
	defer rt.Close()
	resp, err := http.Post("http://"+rt.URL+"/2018-06-01/runtime/init/error", "application/json", strings.NewReader(`{"errorMessage":"no table"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := rt.firstPoll(ctx); err == nil || !strings.Contains(err.Error(), "no table") {
		t.Fatalf("firstPoll = %v; want the init error", err)
	}
}

func TestCostPerMillion(t *testing.T) {
	u := usage{
		changes:     4,
		apiRequests: 8, // 2 per change
		invocations: map[string]int64{"webhook": 8, "sync-halo": 4},
		billedMS:    map[string]int64{"webhook": 80, "sync-halo": 400},
		memoryMB:    map[string]float64{"webhook": 128, "sync-halo": 512},
		// The webhook keeps Lambda's START/END/REPORT lines here, the sync
		// function does not.
		platformLines: map[string]bool{"webhook": true},
		sqsRequests:   12,
		rru:           20, wru: 40,
		secretCalls: 4,
		logBytes:    4 << 20,
	}
	got := map[string]costLine{}
	for _, l := range costPerMillion(u) {
		got[l.item] = l
	}
	gbs := (0.080*128 + 0.400*512) / 1024 // per 4 changes
	logGB := (float64(4<<20) + 8*lambdaReportLineBytes + 8*accessLogLineBytes) / (1 << 30)
	want := map[string]float64{ // USD per million changes
		"API Gateway HTTP API requests":               2 * priceHTTPAPIPerM,
		"Lambda requests":                             3 * priceLambdaReqPerM,
		"Lambda duration (Arm)":                       gbs / 4 * 1e6 * priceLambdaArmGBs,
		"SQS FIFO requests":                           3 * priceSQSFIFOPerM,
		"DynamoDB read request units":                 5 * priceDDBRRUPerM,
		"DynamoDB write request units":                10 * priceDDBWRUPerM,
		"Secrets Manager API calls":                   1e6 * priceSecretsPer10k / 1e4,
		"CloudWatch Logs ingestion + 1 month storage": logGB / 4 * 1e6 * (priceLogsIngestGB + priceLogsStoreGBMo),
	}
	if len(got) != len(want) {
		t.Fatalf("%d cost lines, want %d: %v", len(got), len(want), got)
	}
	var sum float64
	for item, usd := range want {
		l, ok := got[item]
		if !ok || math.Abs(l.usd-usd) > 1e-9 {
			t.Errorf("%s: $%v, want $%v", item, l.usd, usd)
		}
		sum += usd
	}
	if math.Abs(totalUSD(costPerMillion(u))-sum) > 1e-9 {
		t.Errorf("total $%v, want $%v", totalUSD(costPerMillion(u)), sum)
	}
	if x := xrayPerMillion(u); math.Abs(x.usd-3*priceXRayTracesPerM) > 1e-9 {
		t.Errorf("X-Ray $%v, want $%v", x.usd, 3*priceXRayTracesPerM)
	}
	if costPerMillion(usage{}) != nil {
		t.Error("a run with no changes has a cost")
	}
}

func TestAtRest(t *testing.T) {
	m := restModel{orgs: 10, secretsPerOrg: 2, sweepEveryMin: 5, renewEveryHr: 6, sweepMS: 1000, renewMS: 1000,
		sweepMemMB: 1024, renewMemMB: 1024, sweepTickRRU: 2, queuesPolled: 10, pollersPerQueue: 5, alarms: 10, tableGB: 1, logGBStored: 1}
	got := map[string]float64{}
	for _, l := range atRestPerMonth(m) {
		got[strings.SplitN(l.item, " (", 2)[0]] = l.usd
	}
	sweeps, renews := 8640.0, 120.0 // a 30-day month
	want := map[string]float64{
		"Secrets Manager secrets":                                   20 * priceSecretMonth,
		"Lambda: sweep and renewal schedules":                       (sweeps+renews)*priceLambdaReqPerM/1e6 + (sweeps+renews)*priceLambdaArmGBs,
		"DynamoDB: the sweep's reads":                               sweeps * 2 * priceDDBRRUPerM / 1e6,
		"SQS: idle long polls":                                      50 * 30 * 24 * 180 * priceSQSFIFOPerM / 1e6,
		"CloudWatch alarms, and the dropped-messages custom metric": 10*priceAlarmMonth + priceCustomMetricMo,
		"DynamoDB storage + PITR":                                   priceDDBStorageGBMo + priceDDBPITRGBMo,
		"CloudWatch Logs storage":                                   priceLogsStoreGBMo,
	}
	for item, usd := range want {
		if math.Abs(got[item]-usd) > 1e-9 {
			t.Errorf("%s: $%v, want $%v", item, got[item], usd)
		}
	}
}

func TestItemSize(t *testing.T) {
	tests := []struct {
		item string
		want float64
	}{
		{`{"pk":{"S":"abc"}}`, 2 + 3},
		{`{"n":{"N":"12345"}}`, 1 + 3 + 1},
		{`{"b":{"B":"AAAA"}}`, 1 + 3},
		{`{"ok":{"BOOL":true},"x":{"NULL":true}}`, 2 + 1 + 1 + 1},
		{`{"l":{"L":[{"S":"ab"},{"N":"1"}]}}`, 1 + 3 + (1 + 2) + (1 + 2)},
		{`{"m":{"M":{"k":{"S":"v"}}}}`, 1 + 3 + 1 + 1 + 1},
		{`{"ss":{"SS":["a","bc"]}}`, 2 + 3},
	}
	for _, tt := range tests {
		var item map[string]json.RawMessage
		if err := json.Unmarshal([]byte(tt.item), &item); err != nil {
			t.Fatal(err)
		}
		if got := itemSize(item); got != tt.want {
			t.Errorf("itemSize(%s) = %v, want %v", tt.item, got, tt.want)
		}
	}
}

// The bench reads the stack's memory sizes from infra's source: every
// function resolves, sync-<platform> through the loop's "sync-"+p.
func TestStackMemoryMB(t *testing.T) {
	root := filepath.Join("..", "..")
	names, err := functionNames(root)
	if err != nil {
		t.Fatal(err)
	}
	got, err := stackMemoryMB(root, names)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if got[n] < 128 || got[n] > 10240 {
			t.Errorf("%s: %v MB, not a Lambda memory size", n, got[n])
		}
	}
	if got["sync-halo"] != got["sync-autotask"] {
		t.Errorf("sync functions differ: %v", got)
	}
	if _, err := stackMemoryMB(root, []string{"no-such-function"}); err == nil {
		t.Error("an unknown function resolved")
	}
}

// The bench reads from infra's source which functions keep Lambda's
// START/END/REPORT lines: at the stack's defaults the ones that run once per
// change (webhook, sync-*) do not, the others do.
func TestStackPlatformLines(t *testing.T) {
	root := filepath.Join("..", "..")
	names, err := functionNames(root)
	if err != nil {
		t.Fatal(err)
	}
	got, err := stackPlatformLines(root, names)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		perChange := n == "webhook" || strings.HasPrefix(n, "sync-")
		if got[n] == perChange {
			t.Errorf("%s: lines kept %v, want %v", n, got[n], !perChange)
		}
	}
	for _, tc := range []struct {
		expr string
		want bool
	}{
		{`name == "webhook" || strings.HasPrefix(name, "sync-")`, true},
		{`name == "api" && strings.HasPrefix(name, "sync-")`, false},
		{`(name == "sync-halo")`, true},
	} {
		e, err := parser.ParseExpr(tc.expr)
		if err != nil {
			t.Fatal(err)
		}
		if v, err := evalNameTest(e, "sync-halo"); err != nil || v != tc.want {
			t.Errorf("%s for sync-halo: %v, %v; want %v", tc.expr, v, err, tc.want)
		}
	}
	if _, err := evalNameTest(&ast.Ident{Name: "x"}, "webhook"); err == nil {
		t.Error("an expression it cannot evaluate evaluated")
	}
}

// The binaries timed here are built like the ones deployed: the Makefile's
// build target uses the same flags (for arm64).
func TestBuildFlagsMatchTheMakefile(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	var line string
	for l := range strings.SplitSeq(string(raw), "\n") {
		if strings.Contains(l, "GOARCH=arm64") && strings.Contains(l, "build ") {
			line = l
		}
	}
	if line == "" {
		t.Fatal("no arm64 go build line in the Makefile")
	}
	for _, f := range buildFlags {
		want := f
		if strings.HasPrefix(f, "-ldflags=") {
			want = "-ldflags='" + strings.TrimPrefix(f, "-ldflags=") + "'"
		}
		if !strings.Contains(line, want) {
			t.Errorf("Makefile build line lacks %s: %s", want, line)
		}
	}
}

func TestParseInitTrace(t *testing.T) {
	out := "init internal/bytealg @0.010 ms, 0.002 ms clock, 0 bytes, 0 allocs\n" +
		"init github.com/x/a @1.5 ms, 2.5 ms clock, 2048 bytes, 10 allocs\n" +
		"unrelated line\n" +
		"init github.com/x/b @4.0 ms, 0.5 ms clock, 1024 bytes, 3 allocs\n" +
		"init github.com/aws/aws-sdk-go-v2/service/sqs/schemas @4.5 ms, 0 ms clock, 0 bytes, 0 allocs\n"
	p := parseInitTrace(out, 10*time.Millisecond)
	if p.inits != 3002*time.Microsecond || p.initKB != 3 || p.mainDone != 4500*time.Microsecond {
		t.Fatalf("profile = %+v", p)
	}
	if len(p.top) != 3 || p.top[0].pkg != "github.com/x/a" || p.top[1].pkg != "github.com/x/b" {
		t.Fatalf("costliest = %+v", p.top)
	}
	if !slices.Equal(p.schemas, []string{"service/sqs/schemas"}) {
		t.Fatalf("schemas = %v", p.schemas)
	}
}

// doFunc is an HTTP client made of a function.
type doFunc func(*http.Request) (*http.Response, error)

func (f doFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// The RSS replay's binaries reach the store the meter fronts, although that
// store answers in-process only, at an address nothing can dial.
func TestCapacityMeterServesTheStoreOnLoopback(t *testing.T) {
	var hosts []string
	m := &capacityMeter{}
	client := m.wrap(doFunc(func(r *http.Request) (*http.Response, error) {
		hosts = append(hosts, r.Host)
		body, _ := io.ReadAll(r.Body)
		return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"X-Target": {r.Header.Get("X-Amz-Target")}},
			Body: io.NopCloser(strings.NewReader("echo " + string(body)))}, nil
	}))
	first, _ := http.NewRequest(http.MethodPost, "http://embedded-dynamodb.invalid/", strings.NewReader("{}"))
	if _, err := client.Do(first); err != nil {
		t.Fatal(err)
	}
	srv, err := m.serve()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{"TableName":"t"}`))
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.Query")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(body) != `echo {"TableName":"t"}` || resp.Header.Get("X-Target") != "DynamoDB_20120810.Query" {
		t.Fatalf("through the loopback server: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	if len(hosts) != 2 || hosts[1] != "embedded-dynamodb.invalid" {
		t.Fatalf("store saw hosts %v, want the second request addressed to the store's own host", hosts)
	}
}

// The capacity meter prices what crosses it: a transaction's items twice,
// an update by its after-image and a put by the larger of its item and the
// one it replaces (both read past the counter), reads by 4 KB, and a batch
// read by each key it asks for, found or not, as consistent as asked.
func TestCapacityMeter(t *testing.T) {
	big := strings.Repeat("x", 1500) // an item of 2 + 1500 bytes: 2 WRU, 1 RRU
	store := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Header.Get("X-Amz-Target") {
		case "DynamoDB_20120810.GetItem":
			_, _ = io.WriteString(w, `{"Item":{"pk":{"S":"`+big+`"}}}`)
		case "DynamoDB_20120810.BatchGetItem":
			_, _ = io.WriteString(w, `{"Responses":{"t":[{"pk":{"S":"a"},"sk":{"S":"b"},"doc":{"S":"`+strings.Repeat("z", 5000)+`"}}]}}`)
		case "DynamoDB_20120810.Query":
			_, _ = io.WriteString(w, `{"Items":[{"pk":{"S":"`+big+`"}},{"pk":{"S":"`+big+`"}},{"pk":{"S":"`+big+`"}}]}`)
		default:
			_, _ = io.WriteString(w, `{}`)
		}
	}))
	defer store.Close()
	m := &capacityMeter{}
	client := m.wrap(store.Client())
	do := func(op, body string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, store.URL, strings.NewReader(body))
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		// The caller still reads the whole answer.
		if raw, _ := io.ReadAll(resp.Body); len(raw) == 0 {
			t.Fatalf("%s: the meter ate the response", op)
		}
		resp.Body.Close()
	}
	do("GetItem", `{"TableName":"t","Key":{"pk":{"S":"a"}}}`)
	if r, w := m.totals(); r != 0 || w != 0 {
		t.Fatalf("counted %v RRU, %v WRU while off", r, w)
	}
	m.on.Store(true)
	tests := []struct {
		op, body string
		rru, wru float64
	}{
		{"GetItem", `{"TableName":"t","Key":{"pk":{"S":"a"}},"ConsistentRead":true}`, 1, 0},
		{"GetItem", `{"TableName":"t","Key":{"pk":{"S":"a"}}}`, 0.5, 0},
		{"Query", `{"TableName":"t"}`, 1, 0}, // 3 × 1502 bytes = 2 × 4 KB, eventually consistent
		{"PutItem", `{"TableName":"t","Item":{"pk":{"S":"` + strings.Repeat("y", 3000) + `"}}}`, 0, 3},
		{"PutItem", `{"TableName":"t","Item":{"pk":{"S":"y"}}}`, 0, 2}, // replaces the 1502-byte item
		// The 5 KB item found (2 units) and a key not found (1).
		{"BatchGetItem", `{"RequestItems":{"t":{"Keys":[{"pk":{"S":"a"},"sk":{"S":"b"}},{"pk":{"S":"a"},"sk":{"S":"c"}}],"ConsistentRead":true}}}`, 3, 0},
		{"BatchGetItem", `{"RequestItems":{"t":{"Keys":[{"pk":{"S":"a"},"sk":{"S":"b"}},{"pk":{"S":"a"},"sk":{"S":"c"}}]}}}`, 1.5, 0},
		{"UpdateItem", `{"TableName":"t","Key":{"pk":{"S":"a"}}}`, 0, 2},
		{"TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"t","Item":{"pk":{"S":"a"}}}},{"Update":{"TableName":"t","Key":{"pk":{"S":"a"}}}}]}`, 0, 2 * (1 + 2)},
	}
	for _, tt := range tests {
		r0, w0 := m.totals()
		do(tt.op, tt.body)
		r1, w1 := m.totals()
		if r1-r0 != tt.rru || w1-w0 != tt.wru {
			t.Errorf("%s: %v RRU, %v WRU; want %v, %v", tt.op, r1-r0, w1-w0, tt.rru, tt.wru)
		}
	}
	if m.url() != store.URL {
		t.Errorf("endpoint %q, want %q", m.url(), store.URL)
	}
}

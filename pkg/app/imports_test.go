package app_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestFunctionImports pins what each Lambda function's binary may import:
// a package's initialisers run at every cold start and its reachable code
// is linked, so a wiring change that gave every function every package
// would cost each of them start-up time and megabytes (BENCHMARKS.md,
// "Import graphs per function"). The build tags are the Makefile's.
func TestFunctionImports(t *testing.T) {
	const (
		mod = "github.com/tandemsync/tandem/"
		sdk = "github.com/aws/aws-sdk-go-v2/"
	)
	out, err := exec.Command("go", "list", "-tags", "lambda.norpc",
		"-f", "{{.ImportPath}}{{range .Deps}} {{.}}{{end}}", "../../functions/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := map[string][]string{}
	for line := range strings.Lines(strings.TrimSpace(string(out))) {
		f := strings.Fields(line)
		deps[strings.TrimPrefix(f[0], mod+"functions/")] = f[1:]
	}
	platforms := []string{"autotask", "connectwise", "graph", "halo", "zendesk"}
	// The SDK's config package and the services it brings, for credential
	// sources Lambda never uses: pkg/awsenv reads the environment instead.
	// The SDK's S3 client is about 1.3 MB of a function; pkg/filestore
	// speaks S3's REST API itself (BENCHMARKS.md, "Sync functions without
	// the S3 SDK client (issue 14)").
	everywhereBanned := []string{sdk + "config", sdk + "service/sts", sdk + "service/sso", sdk + "service/ssooidc", sdk + "service/signin", sdk + "service/s3"}
	// Only the sync functions move attachments (S3) and take SQS batches.
	syncOnly := []string{mod + "pkg/filestore", mod + "pkg/app/syncfn", mod + "pkg/queue/sqsbatch"}
	// A sync function serves no HTTP API.
	notInSync := []string{mod + "pkg/api", mod + "pkg/app/apifn", mod + "pkg/app/allplatforms", mod + "pkg/preview", mod + "pkg/console"}

	type rule struct {
		must, mustNot []string
	}
	want := map[string]rule{}
	platformPkgs := func(except string) []string {
		var p []string
		for _, k := range platforms {
			if k != except {
				p = append(p, mod+"pkg/"+k)
			}
		}
		return p
	}
	// Zendesk's OAuth token keeping is wired in pkg/app (zendesk.go) for
	// every function that builds clients, so every function imports
	// pkg/zendesk; its linked share is about 0.1 MB (BENCHMARKS.md).
	notZendesk := func(pkgs []string) []string {
		return slices.DeleteFunc(pkgs, func(p string) bool { return p == mod+"pkg/zendesk" })
	}
	for _, fn := range []string{"config", "connections", "settings", "webhook"} {
		want[fn] = rule{must: append([]string{mod + "pkg/app/apifn"}, platformPkgs("")...), mustNot: syncOnly}
	}
	want["renew-subscriptions"] = rule{must: platformPkgs(""), mustNot: append(slices.Clone(syncOnly), mod+"pkg/api")}
	// The schedule reads each side's platform kind from its settings and
	// queues the sweep: no platform client, so no platform package.
	want["sweep"] = rule{must: []string{mod + "pkg/sweep"}, mustNot: append(append(slices.Clone(syncOnly), mod+"pkg/api"), notZendesk(platformPkgs(""))...)}
	for _, k := range platforms {
		own := mod + "pkg/" + k
		want["sync-"+k] = rule{must: append([]string{own}, syncOnly...), mustNot: append(slices.Clone(notInSync), notZendesk(platformPkgs(k))...)}
	}

	if len(deps) != len(want) {
		t.Errorf("functions/ has %d functions, this test knows %d: give the new one its rule", len(deps), len(want))
	}
	for fn, r := range want {
		got, ok := deps[fn]
		if !ok {
			t.Errorf("functions/%s is missing", fn)
			continue
		}
		for _, p := range r.must {
			if !slices.Contains(got, p) {
				t.Errorf("functions/%s does not import %s", fn, p)
			}
		}
		for _, p := range append(slices.Clone(everywhereBanned), r.mustNot...) {
			if slices.Contains(got, p) {
				t.Errorf("functions/%s imports %s (go list -deps -tags lambda.norpc ./functions/%s)", fn, p, fn)
			}
		}
		// A service's generated schemas (schema-based serialisation, from
		// service/dynamodb v1.69.0, sqs v1.49.0, secretsmanager v1.50.0,
		// dynamodbstreams v1.42.0) are built by package initialisers at
		// every cold start: 3-7 ms and about 0.9 MB of allocations for the
		// three services. go.mod pins the releases before them.
		for _, p := range got {
			if strings.HasPrefix(p, sdk+"service/") && strings.HasSuffix(p, "/schemas") {
				t.Errorf("functions/%s imports %s: an SDK service past the pinned release (go.mod)", fn, p)
			}
		}
	}
}

# Tandem — the commands a developer needs. `make help` lists them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

FUNCTIONS   := $(notdir $(wildcard functions/*))
BUILD_DIR   := build
FUZZ_ITERS  ?= 5000
FUZZTIME    ?= 30s
GO          ?= go
CDK         ?= npx --yes aws-cdk@2.1148.1
# pinned, and run with `go run pkg@version` so neither module's go.mod carries it
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
GREMLINS    ?= $(GO) run github.com/go-gremlins/gremlins/cmd/gremlins@v0.6.0
# mutate: the packages that hold the guarantees, as dir[:file,file]; a platform package is limited to its webhook
# verify/parse file. Efficacy under MUTATE_MIN % fails, after the survivors reviewed in MUTATE_REVIEWED.
MUTATE_PKGS     ?= pkg/connection pkg/settings pkg/webhook pkg/autotask:inbound.go pkg/connectwise:inbound.go \
                   pkg/halo:inbound.go pkg/graph:inbound.go pkg/zendesk:inbound.go pkg/relay pkg/integration pkg/egress
MUTATE_MIN      ?= 90
MUTATE_REVIEWED ?= mutation-survivors.txt
MUTATE_WORKERS  ?= 2
# a mutant's test run may take MUTATE_TIMEOUT times the package's coverage run before it counts as timed out; the
# coverage run is often served from the build cache while every mutant rebuilds, hence the margin
MUTATE_TIMEOUT  ?= 20
MUTATE_NICE     ?= nice -n 15
# gremlins prints each mutant as it is judged with MUTATE_QUIET= (so a run cut short still says how far it got)
MUTATE_QUIET    ?= --silent

.PHONY: help dev test test-go test-graph-sdk test-fuzz fuzz test-infra check-deps build lint synth deploy bench mutate clean screenshots

# fuzz_each fuzzes every Fuzz target of the main module with -fuzztime=$(1), one target at a time. Each package's
# instrumented test binary is built once (go test -c -fuzz) and run from the package directory with the fuzz cache
# go test itself uses, so testdata/fuzz and crashers behave as under `go test -fuzz`. A run's output is shown only
# when it fails: that run's own output (with the crasher it wrote to testdata/fuzz), not a rerun.
define fuzz_each
bin=$$(mktemp -d); trap 'rm -rf "$$bin"' EXIT; cache=$$($(GO) env GOCACHE)/fuzz; \
	$(GO) list -f '{{.ImportPath}} {{.Dir}}' ./... | while read -r pkg dir; do \
	  targets=$$(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$$dir"/*_test.go 2>/dev/null | sed 's/^func //' || true); \
	  [ -n "$$targets" ] || continue; \
	  $(GO) test -c -fuzz=. -o "$$bin/fuzz.test" "$$pkg"; \
	  for fz in $$targets; do \
	    echo "fuzz $$pkg $$fz"; \
	    out=$$(cd "$$dir" && "$$bin/fuzz.test" -test.run='^$$' -test.fuzz="^$$fz\$$" -test.fuzztime=$(1) -test.fuzzcachedir="$$cache/$$pkg" 2>&1) || { echo "$$out"; exit 1; }; \
	  done; \
	done
endef

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | column -t -s $$'\t'

dev: ## run Tandem locally on TANDEM_ADDR (default 127.0.0.1:8080), no AWS account; DEMO=1 adds two connected demo organisations
	DEMO=$(DEMO) $(GO) run ./cmd/tandem-local

test: check-deps lint test-go test-graph-sdk test-fuzz test-infra ## everything CI runs

check-deps: ## fail early, with the fix, if a tool the tests need is missing
	@command -v moto_server >/dev/null || { echo "moto_server is missing: install it with  pip install 'moto[server]'  (the integration tests start it themselves)"; exit 1; }
	@command -v cfn-lint >/dev/null || { echo "cfn-lint is missing: install it with  pip install cfn-lint"; exit 1; }
	@command -v node >/dev/null || { echo "node is missing: the CDK tests need Node.js 20 (apt-get install nodejs)"; exit 1; }
	@command -v curl >/dev/null || { echo "curl is missing: the README walk-through test runs it (apt-get install curl)"; exit 1; }

test-go: ## unit + integration tests (moto_server started by the tests) with the race detector
	$(GO) test -race -count=1 ./...

# Its own module (conformance/msgraph) because msgraph-sdk-go takes minutes to compile; test-go stays quick. No -race:
# instrumenting the SDK would compile it a second time, and the simulator's concurrency is raced in test-go.
test-graph-sdk: ## Microsoft's Graph SDK (msgraph-sdk-go, pinned) as a client of the Graph simulator
	cd conformance/msgraph && $(GO) vet ./... && $(GO) mod tidy -diff && $(GO) test -count=1 ./...

test-fuzz: ## fuzz every target for a fixed FUZZ_ITERS executions (deterministic length; its seed corpus runs in test-go)
	@$(call fuzz_each,$(FUZZ_ITERS)x)

fuzz: ## fuzz every target for FUZZTIME each (default 30s), for looking for new crashers rather than CI
	@$(call fuzz_each,$(FUZZTIME))

screenshots: ## retake the console screenshots in docs/screenshots (the browser tests check them on every run, but write them only here)
	TANDEM_SCREENSHOTS=1 $(GO) test -count=1 -run 'TestConsoleWalkthrough' ./pkg/console

test-infra: ## synthesize the CDK app and check it (assertions, cdk-nag, cfn-lint)
	cd infra && $(GO) test -count=1 ./...

lint: ## gofmt, go vet, go mod tidy -diff and staticcheck, for both modules
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool github.com/getkin/kin-openapi/cmd/validate pkg/api/openapi.json
	cd infra && $(GO) vet ./...
	$(GO) mod tidy -diff
	cd infra && $(GO) mod tidy -diff
	$(STATICCHECK) ./...
	cd infra && $(STATICCHECK) ./...

build: ## one arm64 bootstrap per function for provided.al2023, zipped reproducibly (no file times, no VCS stamp) in build/
	@mkdir -p $(BUILD_DIR)
	@for fn in $(FUNCTIONS); do \
	  echo "build $$fn"; \
	  GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath -buildvcs=false -ldflags='-s -w' -o $(BUILD_DIR)/$$fn/bootstrap ./functions/$$fn; \
	done
	cd infra && $(GO) run ./cmd/lambdazip -dir ../$(BUILD_DIR) $(FUNCTIONS)

# synth and deploy need an explicit STAGE (dev or prod): there is no default,
# so production credentials never deploy dev's settings. ACCOUNT=<id>
# overrides the stage's account pin from infra/cdk.json; ALARM_EMAIL=<address>
# subscribes an address to the alarm topic.
synth: ## synthesize infra/cdk.out/Tandem-<stage>.template.json (runs cdk-nag); STAGE=dev|prod required
	@[ -n "$(STAGE)" ] || { echo "STAGE is required: make synth STAGE=dev (or STAGE=prod)"; exit 1; }
	@$(MAKE) --no-print-directory build
	cd infra && $(CDK) synth -c stage=$(STAGE) $(if $(ACCOUNT),-c account=$(ACCOUNT)) --quiet

deploy: ## deploy the Tandem-<stage> stack to the current AWS account, then upload the web console; STAGE=dev|prod required
	@[ -n "$(STAGE)" ] || { echo "STAGE is required: make deploy STAGE=dev (or STAGE=prod)"; exit 1; }
	@$(MAKE) --no-print-directory build
	cd infra && $(CDK) deploy -c stage=$(STAGE) $(if $(ACCOUNT),-c account=$(ACCOUNT)) \
	  $(if $(ALARM_EMAIL),--parameters AlarmEmail=$(ALARM_EMAIL)) --require-approval broadening
	infra/upload-console.sh Tandem-$(STAGE)

# bench prints every figure of issue 14 in one run of cmd/tandem-bench (function sizes, init against the
# hello-world, peak RSS, latency, calls and DynamoDB requests per change, events/s, cost per million changes and
# at rest), after the Go benchmarks. QUICK=1 runs only the reduced harness (-quick), in under 2 minutes.
bench: ## Go benchmarks, then the harness: every figure of BENCHMARKS.md in one run; QUICK=1 for the reduced harness
	$(if $(QUICK),,$(GO) test -run='^$$' -bench=. -benchmem -count=5 ./pkg/autotask ./pkg/connectwise ./pkg/halo ./pkg/graph ./pkg/integration/... ./pkg/app ./pkg/queue/...)
	$(if $(QUICK),,$(GO) test -run='^$$' -bench=Connection -benchmem -benchtime=100x -count=5 ./pkg/dynamostore)
	$(GO) run ./cmd/tandem-bench$(if $(QUICK), -quick)

# mutate runs gremlins on one package at a time (its mutants are killed only by that package's own tests), keeps the
# machine-readable result, and scores it: efficacy = killed / (killed + lived), where a lived mutant listed in
# MUTATE_REVIEWED (path:line:column MUTATOR reason) is set aside as reviewed. A reviewed mutant that no longer lives is
# reported, so the list does not go stale. Timed-out mutants count as neither (gremlins' own definition).
mutate: ## mutation testing of the guarantee packages (slow: see TESTING.md); fails under MUTATE_MIN % efficacy
	@out=$$(mktemp -d); trap 'rm -rf "$$out"' EXIT; fail=0; start=$$(date +%s); \
	for spec in $(MUTATE_PKGS); do \
	  dir=$${spec%%:*}; only=$$( [ "$$spec" = "$$dir" ] || echo "$${spec#*:}" | tr , ' ' ); \
	  ex=(-E '/' -E '_test\.go$$'); \
	  if [ -n "$$only" ]; then for f in $$(cd "$$dir" && ls *.go | grep -v '_test\.go$$'); do \
	    case " $$only " in *" $$f "*) ;; *) ex+=(-E "^$${f//./\\.}\$$");; esac; done; fi; \
	  json="$$out/$$(echo "$$dir" | tr / -).json"; t0=$$(date +%s); \
	  $(MUTATE_NICE) $(GREMLINS) unleash $(MUTATE_QUIET) --workers $(MUTATE_WORKERS) --timeout-coefficient $(MUTATE_TIMEOUT) "$${ex[@]}" -o "$$json" "./$$dir" \
	    || { echo "$$dir: gremlins failed"; fail=1; continue; }; \
	  jq -r --arg d "$$dir" '.files[] | .file_name as $$f | .mutations[] | "\($$d)/\($$f):\(.line):\(.column) \(.type) \(.status)"' "$$json" \
	  | awk -v dir="$$dir" -v min=$(MUTATE_MIN) -v secs=$$(( $$(date +%s) - t0 )) -v reviewed="$(MUTATE_REVIEWED)" ' \
	    BEGIN { while ((getline l < reviewed) > 0) { if (l ~ /^[^#[:space:]]/) { split(l, w, " "); if (index(w[1], dir "/") == 1 && w[1] !~ ("^" dir "/.*/")) ok[w[1] " " w[2]] = 1 } } } \
	    { st = $$3; for (i = 4; i <= NF; i++) st = st " " $$i; \
	      if (st == "KILLED") k++; else if (st == "TIMED OUT") to++; else if (st == "NOT COVERED") nc++; \
	      else if (st == "LIVED") { if (($$1 " " $$2) in ok) { r++; seen[$$1 " " $$2] = 1 } else { l++; print "  lived: " $$1 " " $$2 } } } \
	    END { for (m in ok) if (!(m in seen)) print "  reviewed survivor no longer lives (remove it from " reviewed "): " m; \
	      eff = (k + l + r) ? 100 * k / (k + l + r) : 100; rev = (k + l) ? 100 * k / (k + l) : 100; \
	      printf "%-18s efficacy %5.1f%% (%5.1f%% before review)  killed %d  lived %d  reviewed %d  timed out %d  not covered %d  %ds\n", dir, rev, eff, k, l, r, to, nc, secs; \
	      exit (rev < min) }' || fail=1; \
	done; \
	echo "mutate: $$(( $$(date +%s) - start ))s"; \
	[ $$fail = 0 ] || { echo "mutate: efficacy under $(MUTATE_MIN)% (or a gremlins failure) above"; exit 1; }

clean: ## remove build output
	rm -rf $(BUILD_DIR) infra/cdk.out

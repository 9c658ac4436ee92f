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

.PHONY: help dev test test-go test-fuzz fuzz test-infra check-deps build lint synth deploy bench clean screenshots

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

test: check-deps lint test-go test-fuzz test-infra ## everything CI runs

check-deps: ## fail early, with the fix, if a tool the tests need is missing
	@command -v moto_server >/dev/null || { echo "moto_server is missing: install it with  pip install 'moto[server]'  (the integration tests start it themselves)"; exit 1; }
	@command -v cfn-lint >/dev/null || { echo "cfn-lint is missing: install it with  pip install cfn-lint"; exit 1; }
	@command -v node >/dev/null || { echo "node is missing: the CDK tests need Node.js 20 (apt-get install nodejs)"; exit 1; }
	@command -v curl >/dev/null || { echo "curl is missing: the README walk-through test runs it (apt-get install curl)"; exit 1; }

test-go: ## unit + integration tests (moto_server started by the tests) with the race detector
	$(GO) test -race -count=1 ./...

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

bench: ## Go benchmarks, then the sync harness (latency, API calls and DynamoDB requests per change, events/s)
	$(GO) test -run='^$$' -bench=. -benchmem -count=5 ./pkg/autotask ./pkg/connectwise ./pkg/halo ./pkg/graph ./pkg/integration/... ./pkg/app ./pkg/queue/...
	$(GO) test -run='^$$' -bench=Connection -benchmem -benchtime=100x -count=5 ./pkg/dynamostore
	$(GO) run ./cmd/tandem-bench

clean: ## remove build output
	rm -rf $(BUILD_DIR) infra/cdk.out

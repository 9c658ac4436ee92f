# Tandem — the commands a developer needs. `make help` lists them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

FUNCTIONS := $(notdir $(wildcard functions/*))
BUILD_DIR := build
FUZZTIME  ?= 3s
GO        ?= go
CDK       ?= npx --yes aws-cdk@2.1148.1
STAGE     ?= dev

.PHONY: help dev test test-go test-fuzz test-infra check-deps build lint synth deploy bench clean

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

test-fuzz: ## run every fuzz target briefly (FUZZTIME each) on top of its seed corpus
	@for pkg in $$($(GO) list ./pkg/...); do \
	  dir=$$($(GO) list -f '{{.Dir}}' $$pkg); \
	  for fz in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | sed 's/^func //'); do \
	    echo "fuzz $$pkg $$fz"; \
	    $(GO) test -run='^$$' -fuzz="^$$fz\$$" -fuzztime=$(FUZZTIME) $$pkg >/dev/null || { $(GO) test -run='^$$' -fuzz="^$$fz\$$" -fuzztime=$(FUZZTIME) $$pkg; exit 1; }; \
	  done; \
	done

test-infra: ## synthesize the CDK app and check it (assertions, cdk-nag, cfn-lint)
	cd infra && $(GO) test -count=1 ./...

lint: ## gofmt and go vet, for both modules
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	cd infra && $(GO) vet ./...

build: ## one arm64 bootstrap per function, zipped for provided.al2023, in build/
	@mkdir -p $(BUILD_DIR)
	@for fn in $(FUNCTIONS); do \
	  echo "build $$fn"; \
	  GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w' -o $(BUILD_DIR)/$$fn/bootstrap ./functions/$$fn; \
	  rm -f $(BUILD_DIR)/$$fn.zip; \
	  if command -v zip >/dev/null; then (cd $(BUILD_DIR)/$$fn && zip -q -X ../$$fn.zip bootstrap); \
	  else (cd $(BUILD_DIR)/$$fn && python3 -m zipfile -c ../$$fn.zip bootstrap); fi; \
	done

synth: build ## synthesize infra/cdk.out/Tandem.template.json (runs cdk-nag)
	cd infra && $(CDK) synth -c stage=$(STAGE) --quiet

deploy: build ## deploy the Tandem stack to the current AWS account (STAGE=dev|prod), then upload the web console
	cd infra && $(CDK) deploy -c stage=$(STAGE) --require-approval broadening
	infra/upload-console.sh Tandem

bench: ## Go benchmarks, then the sync harness (latency, API calls and DynamoDB requests per change, events/s)
	$(GO) test -run='^$$' -bench=. -benchmem -count=5 ./pkg/autotask ./pkg/connectwise ./pkg/halo ./pkg/graph ./pkg/integration/... ./pkg/app ./pkg/queue/...
	$(GO) test -run='^$$' -bench=Connection -benchmem -benchtime=100x -count=5 ./pkg/dynamostore
	$(GO) run ./cmd/tandem-bench

clean: ## remove build output
	rm -rf $(BUILD_DIR) infra/cdk.out

# make check is the one command that keeps the tree healthy: format, vet,
# staticcheck, then every test (the dependency and package-doc tests among them).
GO ?= go
PKGS := ./...

.PHONY: all build check fmt-check vet staticcheck test test-nocgo test-short bench demo fake clean
.PHONY: bench-search bench-load bench-chroma bench-startup bench-ci

# The Chroma server the chroma tests start: .ci/run installs it here
# (scripts/chroma/install.sh); without it those tests skip and say why.
export ORF_CHROMA_DIR ?= $(CURDIR)/.cache/chroma

all: build

build:
	$(GO) build -o bin/openreview-finder ./cmd/openreview-finder

check: fmt-check vet staticcheck test test-nocgo

fmt-check:
	@out=$$(find . -name '*.go' -not -path './.git/*' -not -path '*/node_modules/*' | xargs gofmt -l); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

staticcheck:
	$(GO) tool staticcheck $(PKGS)

test:
	$(GO) test -count=1 $(PKGS)

# Without cgo the kernels fall back to pure Go: build everything and run the
# numeric packages' tests that way too.
test-nocgo:
	CGO_ENABLED=0 $(GO) build ./...
	CGO_ENABLED=0 $(GO) test -count=1 ./internal/tensor/ ./internal/bert/ ./internal/embedding/

test-short:
	$(GO) test -short $(PKGS)

bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x $(PKGS)

# Search at 100k papers against the issue's targets (builds its synthetic
# index and random BERT-base once, under bench/.cache/).
bench-search:
	$(GO) run ./bench/search

# /api/search at 8 concurrent clients over bench-search's cached 100k index,
# against issue 5's p50/p99 targets (run bench-search once first).
bench-load:
	$(GO) run ./bench/load

# Indexing and search throughput, embedded store vs a Chroma server it
# starts, on 20k synthetic papers (needs ORF_CHROMA_DIR or .cache/chroma).
bench-chroma:
	$(GO) run ./bench/chroma

# serve's start-up from a Hub snapshot against issue 6's target (semantic
# search within 60 s): a synthetic 12k-paper ICLR 2025 snapshot and a random
# SPECTER2-shaped model on a fake Hub, cold and warm-model (built once, under
# bench/.cache/startup/); the Space's image too when podman has it.
bench-startup:
	$(GO) run ./bench/startup

# The benchmarks CI runs after the tests, for the figures (they assert
# nothing about speed): search at 100k papers, the web API under load,
# Chroma against the embedded store at 20k, and a Space's start from a
# 12k-paper snapshot.
bench-ci:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./internal/search/ ./internal/web/
	$(GO) run ./bench/search -queries 50 -wait-idle 0 -retries 0
	$(GO) run ./bench/load -duration 5s -warmup 2s -wait-idle 0
	$(GO) run ./bench/chroma -duration 2s -wait-idle 0
	$(GO) run ./bench/startup -runs 1 -wait-idle 0 -podman off

# Crawl and search the fake OpenReview server: no account or network needed.
demo:
	bash scripts/demo.sh

# A fake OpenReview server on 127.0.0.1 for manual runs.
fake:
	$(GO) run ./cmd/openreview-fake

clean:
	rm -rf bin

# make check is the one command that keeps the tree healthy: format, vet,
# staticcheck, then every test (the dependency and package-doc tests among them).
GO ?= go
PKGS := ./...

.PHONY: all build check fmt-check vet staticcheck test test-nocgo test-short bench demo fake clean

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

# Crawl and search the fake OpenReview server: no account or network needed.
demo:
	bash scripts/demo.sh

# A fake OpenReview server on 127.0.0.1 for manual runs.
fake:
	$(GO) run ./cmd/openreview-fake

clean:
	rm -rf bin

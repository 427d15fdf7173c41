#!/usr/bin/env bash
# Offline demo: start the fake OpenReview server on 127.0.0.1, crawl two of
# its venues into ./data-demo, embed them, search them in every mode, and stop
# the server. The Hub is out of reach offline, so the demo embeds with the
# tiny random SPECTER2 stand-in of the tests: the pipeline is the real one,
# the rankings by meaning are noise. Set ORF_MODEL, ORF_ADAPTER and
# ORF_QUERY_ADAPTER to real model directories (or unset them, online) for
# real SPECTER2.
set -euo pipefail
cd "$(dirname "$0")/.."

mkdir -p bin
go build -o bin/openreview-fake ./cmd/openreview-fake
go build -o bin/openreview-finder ./cmd/openreview-finder

v2=127.0.0.1:${DEMO_V2_PORT:-3901}
v1=127.0.0.1:${DEMO_V1_PORT:-3900}
bin/openreview-fake -addr "$v2" -v1-addr "$v1" >/dev/null &
fake=$!
trap 'kill $fake 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  (echo >"/dev/tcp/${v2%:*}/${v2#*:}") 2>/dev/null && break
  sleep 0.1
done

export OPENREVIEW_BASEURL=http://$v2 OPENREVIEW_V1_BASEURL=http://$v1
export OPENREVIEW_USERNAME=test@example.org OPENREVIEW_PASSWORD=secret
export ORF_DATA_DIR=./data-demo ORF_REQUEST_INTERVAL=0s
export ORF_MODEL=${ORF_MODEL-testdata/models/tiny-bin}
export ORF_ADAPTER=${ORF_ADAPTER-testdata/models/tiny-bin-adapter-proximity}
export ORF_QUERY_ADAPTER=${ORF_QUERY_ADAPTER-testdata/models/tiny-bin-adapter-query}
bin/openreview-finder index --venue ICLR.cc/2025/Conference --venue ICLR.cc/2020/Conference --status all
bin/openreview-finder status
bin/openreview-finder search "graph neural networks" -n 5 --venue ICLR --status accepted --explain
bin/openreview-finder search "graph neural networks" -n 3 --mode keyword
bin/openreview-finder search "graph neural networks" -n 3 --mode semantic
id=$(bin/openreview-finder search "graph neural networks" -n 1 --mode keyword --format csv | awk -F, 'NR==2 {print $3}')
bin/openreview-finder similar "$id" -n 3

#!/usr/bin/env bash
# Offline demo: start the fake OpenReview server on 127.0.0.1, crawl two of
# its venues into ./data-demo, search them, and stop the server.
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
bin/openreview-finder index --venue ICLR.cc/2025/Conference --venue ICLR.cc/2020/Conference --status all
bin/openreview-finder status
bin/openreview-finder search "graph neural networks" -n 5 --venue ICLR --status accepted

#!/usr/bin/env bash
# Installs the Chroma server that internal/chroma's tests run against into
# DIR (default .cache/chroma), from the package.json and lockfile beside this
# script, then prints DIR. Point the tests at it with ORF_CHROMA_DIR=DIR.
#
# The lockfile pins chromadb 3.5.0 with its Linux binding overridden to 1.0.5:
# later bindings need glibc 2.38/2.39 and Debian 12 has 2.36 (see the vector
# store reference). A second run with the same lockfile installs nothing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="${1:-$here/../../.cache/chroma}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "chroma install: node and npm are missing; run: apt-get install nodejs npm" >&2
  exit 1
fi

cli="$dir/node_modules/chromadb/dist/cli.mjs"
# The stamp is written only after a complete install, so an interrupted one
# is redone.
stamp="$dir/.installed-lock.json"
if [ -f "$cli" ] && cmp -s "$here/package-lock.json" "$stamp"; then
  echo "chroma install: up to date in $dir" >&2
  echo "$dir"
  exit 0
fi

rm -f "$stamp"
cp "$here/package.json" "$here/package-lock.json" "$dir/"
start=$SECONDS
# npm ci installs exactly the lockfile (and removes a stale node_modules).
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
if [ ! -f "$cli" ]; then
  echo "chroma install: npm ci finished but $cli is missing" >&2
  exit 1
fi
cp "$here/package-lock.json" "$stamp"
echo "chroma install: chromadb $(node -p "require('$dir/node_modules/chromadb/package.json').version") in $dir, $((SECONDS - start)) s" >&2
echo "$dir"

#!/usr/bin/env bash
# Builds the Space's image locally with podman, the way internal/deploytest
# does, on a machine that cannot reach Docker Hub:
#
#   bash scripts/podman/base-images.sh   # once: the stand-in base images
#   bash scripts/podman/build.sh         # -> localhost/openreview-finder:dev
#   podman run --rm -p 127.0.0.1:7860:7860 localhost/openreview-finder:dev
#
# Arguments are passed on to podman build (e.g. -t NAME to name the image).
# With Docker and Hub access, `docker build -t openreview-finder .` does the
# same.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# runc and lowered ulimits (see containers.conf); the RUN steps of the
# build need them as much as `podman run` does.
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/containers.conf}"

# --pull=never: use the local stand-ins, never ask Docker Hub.
# --network=host: the build's apt-get and `go mod download` reach the
#   Debian archive and the Go proxy without a bridge network.
# --format docker: the manifest Docker makes (the default OCI format drops
#   HEALTHCHECK and SHELL).
# --force-rm: a failed step leaves no working container behind.
exec podman build --pull=never --network=host --format docker --force-rm \
  -t localhost/openreview-finder:dev "$@" "$root"

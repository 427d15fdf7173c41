# The image of the Hugging Face Docker Space (docs/deploy.md): one Go binary
# running `openreview-finder serve`, configured only by environment.
# Build locally with scripts/podman/build.sh, or `docker build .`.

# --- build stage: the Go toolchain and a C compiler, thrown away afterwards.
# Same Debian release as the runtime stage, so the binary's glibc and
# OpenBLAS are the ones it runs with.
FROM golang:1.26-bookworm AS build
# cgo links the embedding kernels against OpenBLAS. gcc, libc6-dev and
# ca-certificates (for the Go proxy) are in the official image already;
# naming them keeps the build independent of the image's extras (and lets
# the stand-in of scripts/podman/base-images.sh stay minimal).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates gcc libc6-dev libopenblas-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Modules first, in their own layer: it is rebuilt only when go.mod or
# go.sum change, not on every source edit.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# -trimpath: no build-machine paths in the binary; -s -w: no symbol or
# debug tables (a smaller image; panics still print file:line). The
# compiler's cache lives in a BuildKit/buildah cache mount, not in a layer:
# a rebuild after a source edit compiles only what changed (3 s instead of
# 45 s here) and leaves no stale 180 MB cache layer behind.
RUN --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=1 go build -trimpath -ldflags="-s -w" -o /out/openreview-finder ./cmd/openreview-finder

# --- runtime stage: no Go, no compiler, only what the binary loads.
FROM debian:bookworm-slim
# ca-certificates: HTTPS to the Hub and OpenReview. libopenblas0-pthread:
# the shared library the cgo kernels link (the -dev package stays in the
# build stage).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libopenblas0-pthread \
 && rm -rf /var/lib/apt/lists/*
# Spaces run the container as uid 1000 (reportedly whatever USER says): all the
# app writes must belong to that user. /data is where a storage bucket is
# mounted; without one it is plain (ephemeral) disk, so it is made writable
# for uid 1000 (chmod 777 too, as the Spaces docs do, in case the platform
# maps another uid). /home/user/work holds the live index on local disk.
RUN useradd -m -u 1000 user \
 && mkdir -p /data /home/user/work /app \
 && chown user:user /data /home/user/work /app \
 && chmod 777 /data
# HOME explicitly: the Hub model cache (~/.cache/huggingface) follows it and
# stays on local disk, where its renames and symlinks work (a bucket mount
# may not support them). Bind every interface on app_port (README.md), not
# the binary's default 127.0.0.1, or the Space proxy cannot reach it.
ENV HOME=/home/user \
    ORF_ADDR=0.0.0.0:7860 \
    ORF_DATA_DIR=/data \
    ORF_WORK_DIR=/home/user/work \
    ORF_LOG_LEVEL=info
# On PATH, owned by root: the app cannot overwrite its own binary.
COPY --from=build /out/openreview-finder /usr/local/bin/openreview-finder
# /app owned by uid 1000 is what the Spaces Dev Mode expects.
WORKDIR /app
USER user
# Documentation only: the Space exposes README.md's app_port.
EXPOSE 7860
CMD ["openreview-finder", "serve"]

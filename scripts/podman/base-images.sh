#!/usr/bin/env bash
# Makes local stand-ins for the two base images the Dockerfile names, for
# machines that cannot reach Docker Hub (ours reach only Debian's archive
# and the Go module proxy):
#
#   docker.io/library/debian:bookworm-slim  Debian 12 minbase, by mmdebstrap
#   docker.io/library/golang:1.26-bookworm  the above plus this machine's Go
#
# They are not the official images, only enough to build and run our
# Dockerfile; the label org.openreview-finder.stand-in marks them. An image
# that exists is kept (podman rmi it to remake it), so a second run takes a
# second. Needs root, podman, buildah, runc and mmdebstrap (.ci/run installs
# them).
#
# Where containers cannot run at all (no permission to create namespaces,
# e.g. inside a GitHub container job) it says so and exits 0: the podman
# test in internal/deploytest then skips and says why. Any other failure is
# an error.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/containers.conf}"
label=org.openreview-finder.stand-in=true
mirror=http://deb.debian.org

say() { echo "base-images: $*"; }
die() { echo "base-images: $*" >&2; exit 1; }
# exists: 0 if the image is in podman's store, 1 if not; podman itself
# failing (exit 125) is an error, not a missing image.
exists() {
  local rc=0
  podman image exists "$1" || rc=$?
  [ "$rc" -le 1 ] || die "podman image exists $1 failed (exit $rc)"
  return "$rc"
}

for tool in podman buildah runc mmdebstrap go; do
  command -v "$tool" >/dev/null || die "$tool is not installed (apt-get install podman buildah runc mmdebstrap; Go from go.dev)"
done
[ "$(id -u)" = 0 ] || die "run as root: mmdebstrap and rootful podman need it"

# podman needs mount and pid namespaces; an unprivileged container has none.
if ! err="$(unshare --mount --pid --fork true 2>&1)"; then
  say "containers cannot run on this machine (unshare: ${err:-failed}); no images made, the podman test will skip"
  exit 0
fi

# The image names come from the Dockerfile, so the two cannot drift.
golang_ref="$(awk 'toupper($1) == "FROM" && $2 ~ /^golang:/ { print $2; exit }' "$root/Dockerfile")"
debian_ref="$(awk 'toupper($1) == "FROM" && $2 ~ /^debian:/ { print $2; exit }' "$root/Dockerfile")"
if [ -z "$golang_ref" ] || [ -z "$debian_ref" ]; then
  die "no golang: or debian: FROM line in $root/Dockerfile"
fi
golang_img="docker.io/library/$golang_ref"
debian_img="docker.io/library/$debian_ref"
suite="${debian_ref#debian:}"
suite="${suite%-slim}"
go_minor="${golang_ref#golang:}"
go_minor="${go_minor%%-*}"

work="$(mktemp -d)"
c="" # buildah's working container, removed if the script stops half way
trap 'rm -rf "$work"; if [ -n "$c" ]; then buildah rm "$c" >/dev/null; fi' EXIT

if exists "$debian_img"; then
  say "$debian_img exists, kept"
else
  say "making $debian_img (mmdebstrap $suite minbase)"
  start=$SECONDS
  # As in the official slim image: no docs, man pages or translations, and
  # the release, updates and security archives. The host's own CA
  # certificates go in too, so that a build behind a TLS-inspecting proxy
  # trusts what the host trusts (the Dockerfile's ca-certificates install
  # picks them up from /usr/local/share).
  hooks=()
  if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    hooks+=(--customize-hook='copy-in /usr/local/share/ca-certificates /usr/local/share')
  fi
  mmdebstrap --quiet --variant=minbase "${hooks[@]}" \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    "$suite" "$work/rootfs.tar" \
    "deb $mirror/debian $suite main" \
    "deb $mirror/debian $suite-updates main" \
    "deb $mirror/debian-security $suite-security main"
  podman import --quiet --change 'CMD ["bash"]' --change "LABEL $label" \
    "$work/rootfs.tar" "$debian_img" >/dev/null
  say "made $debian_img in $((SECONDS - start))s"
fi

if exists "$golang_img"; then
  say "$golang_img exists, kept"
else
  goroot="$(go env GOROOT)"
  gover="$(go env GOVERSION)"
  case "$gover" in
    "go$go_minor" | "go$go_minor".*) ;;
    *) die "this machine's Go is $gover, the Dockerfile's builder is $golang_ref: install Go $go_minor" ;;
  esac
  say "making $golang_img ($debian_img plus $gover from $goroot)"
  start=$SECONDS
  c="$(buildah from --pull=never "$debian_img")"
  # The official image's layout: Go in /usr/local/go, GOPATH /go, and
  # GOTOOLCHAIN=local so go.mod's go line never triggers a download.
  buildah copy --quiet "$c" "$goroot" /usr/local/go >/dev/null
  buildah run "$c" -- mkdir -p /go/src /go/bin
  buildah run "$c" -- chmod -R 1777 /go
  buildah config \
    --env GOLANG_VERSION="${gover#go}" --env GOTOOLCHAIN=local --env GOPATH=/go \
    --env PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --workingdir /go --label "$label" "$c"
  buildah commit --quiet --rm "$c" "$golang_img" >/dev/null
  c=""
  say "made $golang_img in $((SECONDS - start))s"
fi

# Namespaces worked above, so a container that does not run now is a real
# fault (runc missing, containers.conf wrong): fail loudly.
podman run --rm --pull=never --network=none "$debian_img" true \
  || die "a container of $debian_img does not run with CONTAINERS_CONF=$CONTAINERS_CONF"
say "ok: containers run with CONTAINERS_CONF=$CONTAINERS_CONF"

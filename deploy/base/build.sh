#!/usr/bin/env bash
# Debootstrap deploy/base/recipe.env into a root filesystem and `podman import` it as TAG.
# Called by `scripts/containers.sh base` (which decides whether the recipe changed).
# Usage: deploy/base/build.sh TAG MIRROR
set -euo pipefail
tag=$1
mirror=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=recipe.env
. "$here/recipe.env"

work=$(mktemp -d /var/tmp/rfl-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"

debootstrap --variant="$VARIANT" --components="$COMPONENTS" --include="$INCLUDE" \
  --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
  "$SUITE" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }

# The same mirror for the images' apt-get, with the suite's updates and security archives.
security=${mirror%/debian}/debian-security
cat >"$rootfs/etc/apt/sources.list" <<SOURCES
deb $mirror $SUITE $COMPONENTS
deb $mirror $SUITE-updates $COMPONENTS
deb $security $SUITE-security $COMPONENTS
SOURCES
# Small images: no documentation, no recommends, apt caches cleaned after every install.
cat >"$rootfs/etc/dpkg/dpkg.cfg.d/01-nodoc" <<'NODOC'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
NODOC
cat >"$rootfs/etc/apt/apt.conf.d/01-container" <<'APT'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
APT
if [ -n "${REMOVE:-}" ]; then
  # shellcheck disable=SC2086
  chroot "$rootfs" dpkg --purge --force-remove-essential $REMOVE >/dev/null 2>&1 || true
fi
chroot "$rootfs" apt-get clean
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* \
  "$rootfs"/usr/share/locale/* "$rootfs"/var/log/* "$rootfs"/var/cache/debconf/*-old \
  "$rootfs"/tmp/* "$rootfs"/root/.bash_history

tar --numeric-owner -C "$rootfs" -c . \
  | podman import --change 'CMD ["/bin/bash"]' --change 'ENV LANG=C.UTF-8' - "$tag" >/dev/null
echo "imported $tag"

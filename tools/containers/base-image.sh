#!/bin/sh
# Make the Debian base image the Dockerfiles build FROM (BASE_IMAGE, default debian:bookworm-slim)
# under a local name: pulled from Docker Hub when a registry answers, else made from Debian's own
# packages for machines that reach Debian's mirror but no registry: debootstrap
# --variant=minbase, apt caches, lists, docs and locales removed, `podman import`. Skips when the
# image already exists. debootstrap needs root.
#   tools/containers/base-image.sh [IMAGE]      (default localhost/debian:bookworm-slim)
# Env: SUITE (bookworm), MIRROR (http://deb.debian.org/debian), PULL (1: try the registry first),
# CONTAINER_TOOL (podman or docker; default our podman.sh).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
IMAGE=${1:-localhost/debian:bookworm-slim}
SUITE=${SUITE:-bookworm}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
TOOL=${CONTAINER_TOOL:-$HERE/podman.sh}

if $TOOL image inspect "$IMAGE" >/dev/null 2>&1; then
    echo "base-image: $IMAGE exists"
    exit 0
fi
if [ "${PULL:-1}" = 1 ] && $TOOL pull -q "docker.io/library/debian:$SUITE-slim" >/dev/null 2>&1; then
    $TOOL tag "docker.io/library/debian:$SUITE-slim" "$IMAGE"
    echo "base-image: $IMAGE pulled (debian:$SUITE-slim)"
    exit 0
fi
echo "base-image: debian:$SUITE-slim cannot be pulled; making it with debootstrap"
if [ "$(id -u)" != 0 ]; then
    echo "base-image: debootstrap needs root" >&2
    exit 1
fi
command -v debootstrap >/dev/null 2>&1 || {
    echo "base-image: debootstrap missing; run make setup-containers" >&2
    exit 1
}

ROOTFS=$(mktemp -d /tmp/base-image.XXXXXX)
trap 'rm -rf "$ROOTFS"' EXIT INT TERM
echo "base-image: debootstrap --variant=minbase $SUITE ($MIRROR)"
debootstrap --variant=minbase "$SUITE" "$ROOTFS" "$MIRROR" >"$ROOTFS.log" 2>&1 || {
    tail -20 "$ROOTFS.log" >&2
    rm -f "$ROOTFS.log"
    exit 1
}
rm -f "$ROOTFS.log"
# What debian:*-slim leaves out too: package caches and lists, docs, man pages, logs.
rm -rf "$ROOTFS"/var/cache/apt/* "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/log/*.log \
    "$ROOTFS"/var/cache/debconf/*-old "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* \
    "$ROOTFS"/usr/share/info/* "$ROOTFS"/usr/share/locale/* "$ROOTFS"/tmp/*
# Keep it so for every later apt-get install in the Dockerfiles (as the official slim images do).
cat >"$ROOTFS/etc/dpkg/dpkg.cfg.d/docker-slim" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
CFG
printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
    >"$ROOTFS/etc/apt/apt.conf.d/docker-no-recommends"
printf 'Dir::Cache::pkgcache "";\nDir::Cache::srcpkgcache "";\n' \
    >"$ROOTFS/etc/apt/apt.conf.d/docker-no-cache"

tar -C "$ROOTFS" --numeric-owner -c . | $TOOL import \
    --change 'CMD ["bash"]' --change 'ENV LANG=C.UTF-8' - "$IMAGE" >/dev/null
echo "base-image: $IMAGE made"
$TOOL image ls "$IMAGE"

#!/bin/sh
# Install podman, buildah and debootstrap (Debian's packages) and configure podman for machines
# like our CI hosts: crun cannot use their hybrid cgroup layout, and podman's default ulimits are
# above the hard limits there. See tools/containers/podman.sh for the other half (the mount
# namespace without the cgroup2 `unified` mount). Idempotent: safe to run any number of times.
set -eu

CONF=${CONTAINERS_CONF:-/etc/containers/containers.conf}

if [ "$(id -u)" != 0 ]; then
    if command -v podman >/dev/null 2>&1 || command -v docker >/dev/null 2>&1; then
        echo "setup-containers: not root; using the container tool already installed" >&2
        exit 0
    fi
    echo "setup-containers: run as root (installs podman, buildah, debootstrap with apt)" >&2
    exit 1
fi

missing=""
for tool in podman buildah debootstrap; do
    command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
    echo "setup-containers: apt-get install$missing"
    apt-get update -qq
    # shellcheck disable=SC2086 # one word per package
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        $missing uidmap slirp4netns fuse-overlayfs crun >/dev/null
fi

# containers.conf: add the two settings to [containers] unless a value is already there
# (ours from an earlier run, or the machine owner's own choice, which we keep).
mkdir -p "$(dirname "$CONF")"
touch "$CONF"
grep -q '^\[containers\]' "$CONF" || printf '\n[containers]\n' >>"$CONF"
add_setting() { # key, line: inserted right after the [containers] header
    if ! grep -Eq "^[[:space:]]*$1[[:space:]]*=" "$CONF"; then
        sed -i "/^\[containers\]/a $2" "$CONF"
        echo "setup-containers: $CONF: $2"
    fi
}
add_setting default_ulimits 'default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]'
add_setting cgroups 'cgroups = "disabled"'

"$(dirname "$0")/podman.sh" info --format '{{.Host.OCIRuntime.Name}} {{.Version.Version}}' \
    | sed 's/^/setup-containers: podman ready: /'

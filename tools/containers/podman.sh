#!/bin/sh
# podman in a private mount namespace without the cgroup2 `unified` mount: crun refuses the hybrid
# cgroup layout of our CI hosts ("cgroups in hybrid mode not supported"). Only this process's view
# of the mounts changes. Arguments are passed through as they are (no eval, no re-splitting).
# Without unshare, or not as root, it is plain podman.
set -eu
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1 && [ -d /sys/fs/cgroup/unified ]; then
    exec unshare -m --propagation private \
        sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec podman "$@"' podman "$@"
fi
exec podman "$@"

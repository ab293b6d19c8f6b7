"""Run the Kubernetes API emulator in its own process (its own GIL) until stdin closes.

    python -m gatling_kube_emulator         # prints the URL as its first stdout line

Benchmarks with hundreds of client threads use this, so the server is not starved by them.
GET /_emulator/requests returns the per-(verb, resource, client) request counts.
"""

from __future__ import annotations

import sys

from gatling_kube_emulator.server import KubernetesEmulator


def main() -> None:
    with KubernetesEmulator() as emulator:
        print(emulator.url, flush=True)
        sys.stdin.read()  # the parent closes our stdin (or exits) to stop us


if __name__ == "__main__":
    main()

"""The waiter's view of its peers, kept current by the follower thread, read by the waiter.

With N waiters each seeing N registrations, the view handles N^2 events in the fleet; each event
therefore costs O(N) C-level list work (no re-sort), and the waiting thread is woken only when the
release instant itself changes, not once per event.
"""

from __future__ import annotations

import bisect
import threading
from datetime import datetime, timedelta

from gatling_common.errors import FleetError

from gatling_waiter.kube import Pod
from gatling_waiter.release import Peer, peer_from_pod

OrderKey = tuple[datetime, str]  # (registration time, name): the release order of release.py


class PeerView:
    """Peers by name, the counted ones in release order, and the instant they imply."""

    def __init__(self, parallelism: int, settle: float, start_time: datetime | None) -> None:
        self.cond = threading.Condition(threading.Lock())
        self._parallelism = parallelism
        self._settle = timedelta(seconds=settle)
        self._start_time = start_time
        self._peers: dict[str, Peer] = {}
        self._order: list[OrderKey] = []  # counted peers, sorted
        self.instant: datetime | None = None
        self._first: tuple[str, ...] = ()  # precomputed: the release wake-up must be cheap
        self.error: FleetError | None = None
        self.loaded = False  # no progress lines before the first list arrived

    # --- follower side -------------------------------------------------------------------
    def replace(self, pods: list[Pod]) -> None:
        peers = [peer_from_pod(pod) for pod in pods]
        with self.cond:
            self._peers = {p.name: p for p in peers}
            self._order = sorted(_key(p) for p in peers if p.counts)
            self.loaded = True
            self._recompute(force=True)

    def apply(self, event_type: str, pod: Pod) -> None:
        peer = peer_from_pod(pod)
        with self.cond:
            old = self._peers.pop(peer.name, None)
            if old is not None and old.counts:
                self._order.remove(_key(old))
            if event_type != "DELETED":
                self._peers[peer.name] = peer
                if peer.counts:
                    bisect.insort(self._order, _key(peer))
            if old != peer or event_type == "DELETED":
                self._recompute()

    def fail(self, error: FleetError) -> None:
        with self.cond:
            self.error = error
            self.cond.notify_all()

    def _recompute(self, force: bool = False) -> None:
        """Same rule as release.release_instant, on the maintained order."""
        instant = None
        if len(self._order) >= self._parallelism:
            instant = self._order[self._parallelism - 1][0] + self._settle
            if self._start_time is not None:
                instant = max(instant, self._start_time)
        if instant is not None:
            self._first = tuple(name for _, name in self._order[: self._parallelism])
        if instant != self.instant or force:
            self.instant = instant
            self.cond.notify_all()

    # --- waiter side (call with `cond` held) ---------------------------------------------
    def peers(self) -> list[Peer]:
        return list(self._peers.values())

    def first(self) -> tuple[str, ...]:
        return self._first


def _key(peer: Peer) -> OrderKey:
    assert peer.registered_at is not None
    return (peer.registered_at, peer.name)

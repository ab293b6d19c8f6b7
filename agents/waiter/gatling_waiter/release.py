"""The release rule: every waiter computes the same instant from the same view of its peers.

Definitions, for the runner Job J and parallelism N:

* A *peer* is a pod labelled ``job-name=J``. It is *registered* when it carries the label
  ``gatling-fleet/registered=true`` and the annotation ``gatling-fleet/registered-at``, an RFC 3339
  UTC time with milliseconds (``2026-11-26T10:00:00.123Z``) taken from **the registering pod's own
  clock** just before it patches itself (the pod clock, not the API server's, because the API server
  records no sub-second time a client can read back, and the release is slept on pod clocks anyway).
  A registration whose annotation does not parse is ignored.
* A peer is *terminated* when its phase is Succeeded or Failed or it has a deletionTimestamp; a
  terminated peer never counts (its replacement registers anew).
* Let R be the registered, non-terminated peers sorted by (registration time, pod name). When
  ``len(R) >= N`` (at least N, not exactly N: an extra replacement pod must not hang anyone),
  the release instant is ``max(registration time of R[:N]) + settle``, raised to ``start_time``
  when that is later. With fewer than N there is no release instant yet.

Each waiter keeps watching while it sleeps towards the instant and recomputes it on every change,
so views that differ for a moment (a registration still in flight) converge before the instant as
long as ``settle`` exceeds the API propagation delay (milliseconds with a watch; one poll interval
in the polling fallback). Then every waiter sleeps until the same wall-clock instant, and the
spread between pods is their clock skew, not a polling interval.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from gatling_waiter.settings import REGISTERED_AT_ANNOTATION, REGISTERED_LABEL

_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


@dataclass(frozen=True)
class Peer:
    name: str
    registered_at: datetime | None
    terminated: bool

    @property
    def counts(self) -> bool:
        return self.registered_at is not None and not self.terminated


def format_time(moment: datetime) -> str:
    """RFC 3339, UTC, milliseconds: 2026-11-26T10:00:00.123Z."""
    return moment.astimezone(UTC).strftime(_TIME_FORMAT)[:-3] + "Z"


def parse_time(text: str | None) -> datetime | None:
    """The inverse of format_time; also accepts other RFC 3339 forms. None if unparsable."""
    if not isinstance(text, str):
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else None


def peer_from_pod(pod: Mapping[str, Any]) -> Peer:
    meta = pod.get("metadata") or {}
    labels = meta.get("labels") or {}
    registered_at = None
    if labels.get(REGISTERED_LABEL) == "true":
        registered_at = parse_time((meta.get("annotations") or {}).get(REGISTERED_AT_ANNOTATION))
    phase = (pod.get("status") or {}).get("phase")
    terminated = phase in ("Succeeded", "Failed") or bool(meta.get("deletionTimestamp"))
    return Peer(str(meta.get("name", "")), registered_at, terminated)


def counted(peers: Iterable[Peer]) -> list[Peer]:
    """Registered, non-terminated peers in release order: (registration time, name)."""
    return sorted(
        (p for p in peers if p.counts),
        key=lambda p: (p.registered_at or datetime.min.replace(tzinfo=UTC), p.name),
    )


def release_instant(
    peers: Iterable[Peer], parallelism: int, settle: float, start_time: datetime | None
) -> datetime | None:
    """The release instant defined in the module docstring, or None while fewer than N count."""
    ready = counted(peers)
    if len(ready) < parallelism:
        return None
    last = max(p.registered_at for p in ready[:parallelism] if p.registered_at is not None)
    instant = last + timedelta(seconds=settle)
    return max(instant, start_time) if start_time is not None else instant

"""The incremental view agrees with the reference rule in release.py on any event sequence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from gatling_waiter.release import counted, format_time, peer_from_pod, release_instant
from gatling_waiter.view import PeerView
from hypothesis import given, settings
from hypothesis import strategies as st

T0 = datetime(2026, 1, 31, 12, 0, 0, tzinfo=UTC)
NAMES = ["a", "b", "c", "d", "e"]


def _pod(name: str, registered_ms: int | None, phase: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": {"job-name": "run"}}
    if registered_ms is not None:
        meta["labels"]["gatling-fleet/registered"] = "true"
        moment = T0 + timedelta(milliseconds=registered_ms)
        meta["annotations"] = {"gatling-fleet/registered-at": format_time(moment)}
    return {"metadata": meta, "status": {"phase": phase}}


events = st.lists(
    st.tuples(
        st.sampled_from(["ADDED", "MODIFIED", "DELETED"]),
        st.sampled_from(NAMES),
        st.one_of(st.none(), st.integers(0, 50)),  # few distinct times: ties by name
        st.sampled_from(["Pending", "Running", "Failed"]),
    ),
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(events=events, n=st.integers(1, 4), start=st.one_of(st.none(), st.integers(0, 2000)))
def test_view_matches_the_reference_rule(
    events: list[tuple[str, str, int | None, str]], n: int, start: int | None
) -> None:
    start_time = None if start is None else T0 + timedelta(milliseconds=start)
    view = PeerView(n, 1.0, start_time)
    view.replace([])
    pods: dict[str, dict[str, Any]] = {}
    for event_type, name, registered, phase in events:
        pod = _pod(name, registered, phase)
        view.apply(event_type, pod)
        if event_type == "DELETED":
            pods.pop(name, None)
        else:
            pods[name] = pod
        peers = [peer_from_pod(p) for p in pods.values()]
        assert view.instant == release_instant(peers, n, 1.0, start_time)
        if view.instant is not None:
            assert view.first() == tuple(p.name for p in counted(peers)[:n])
    view.replace(list(pods.values()))
    peers = [peer_from_pod(p) for p in pods.values()]
    assert view.instant == release_instant(peers, n, 1.0, start_time)

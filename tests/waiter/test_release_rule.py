"""The release rule on its own: deterministic, >= N, terminated pods excluded, start time."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from gatling_waiter.release import (
    Peer,
    counted,
    format_time,
    parse_time,
    peer_from_pod,
    release_instant,
)

T0 = datetime(2026, 1, 31, 12, 0, 0, tzinfo=UTC)


def at(ms: int) -> datetime:
    return T0 + timedelta(milliseconds=ms)


def test_release_is_the_nth_registration_plus_settle_whatever_the_order() -> None:
    peers = [Peer("c", at(300), False), Peer("a", at(100), False), Peer("b", at(200), False)]
    for order in itertools.permutations(peers):
        assert release_instant(order, 3, 2.0, None) == at(2300)


def test_fewer_than_n_has_no_instant_and_more_than_n_uses_the_first_n() -> None:
    peers = [Peer("a", at(100), False), Peer("b", at(200), False)]
    assert release_instant(peers, 3, 1.0, None) is None
    peers.append(Peer("late", at(900), False))
    peers.append(Peer("c", at(300), False))
    assert release_instant(peers, 3, 1.0, None) == at(1300)


def test_ties_break_by_name_and_terminated_or_unregistered_pods_do_not_count() -> None:
    peers = [
        Peer("b", at(100), False),
        Peer("a", at(100), False),
        Peer("dead", at(50), True),
        Peer("new", None, False),
    ]
    assert [p.name for p in counted(peers)] == ["a", "b"]
    assert release_instant(peers, 3, 0.0, None) is None


def test_start_time_wins_when_later() -> None:
    peers = [Peer("a", at(100), False)]
    assert release_instant(peers, 1, 1.0, at(5000)) == at(5000)
    assert release_instant(peers, 1, 1.0, at(0)) == at(1100)


def test_time_format_round_trips_with_milliseconds() -> None:
    moment = datetime(2026, 1, 31, 12, 0, 0, 123456, tzinfo=UTC)
    assert format_time(moment) == "2026-01-31T12:00:00.123Z"
    assert parse_time(format_time(moment)) == moment.replace(microsecond=123000)
    assert parse_time("yesterday") is None
    assert parse_time("2026-01-31T12:00:00") is None  # no zone: ambiguous, ignored


def test_peer_from_pod() -> None:
    pod = {
        "metadata": {
            "name": "p",
            "labels": {"gatling-fleet/registered": "true"},
            "annotations": {"gatling-fleet/registered-at": "2026-01-31T12:00:00.100Z"},
        },
        "status": {"phase": "Running"},
    }
    assert peer_from_pod(pod) == Peer("p", at(100), False)
    pod["metadata"]["deletionTimestamp"] = "2026-01-31T12:00:01Z"
    assert peer_from_pod(pod).terminated
    assert peer_from_pod({"metadata": {"name": "x"}}) == Peer("x", None, False)


def test_gc_pause_nests_and_restores_the_collector() -> None:
    import gc

    from gatling_waiter.barrier import GcPause

    assert gc.isenabled()
    with GcPause():
        with GcPause():
            assert not gc.isenabled()
        assert not gc.isenabled()  # another waiter is still approaching its instant
    assert gc.isenabled()

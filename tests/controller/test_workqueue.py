"""The work queue's guarantees, with real worker threads."""

from __future__ import annotations

import threading
import time
from collections import Counter

from gatling_controller.workqueue import WorkQueue


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_adds_coalesce() -> None:
    q = WorkQueue()
    for _ in range(5):
        q.add("ns/a")
    q.add("ns/b")
    assert [q.get(), q.get()] == ["ns/a", "ns/b"]
    assert len(q) == 0


def test_a_key_in_progress_is_not_handed_out_again_until_done() -> None:
    q = WorkQueue()
    q.add("ns/a")
    assert q.get() == "ns/a"
    q.add("ns/a")  # an event arrives while a worker holds the key
    q.add("ns/b")
    assert q.get() == "ns/b"  # not ns/a: it is still being processed
    q.done("ns/b")
    assert len(q) == 0
    q.done("ns/a")
    assert q.get() == "ns/a"  # requeued by done()


def test_delayed_and_rate_limited_adds() -> None:
    clock = FakeClock()
    q = WorkQueue(base_delay=1.0, max_delay=3.0, clock=clock)
    assert [q.add_rate_limited("k") for _ in range(4)] == [1.0, 2.0, 3.0, 3.0]
    q.forget("k")
    assert q.add_rate_limited("k") == 1.0
    clock.now = 0.5
    q.add_after("later", 10.0)
    clock.now = 1.0
    assert q.get() == "k"  # due at 1.0; the others coalesced into it
    clock.now = 11.0
    assert q.get() == "later"


def test_many_workers_never_process_one_key_twice_at_once() -> None:
    q = WorkQueue()
    active: Counter[str] = Counter()
    worst: Counter[str] = Counter()
    processed: Counter[str] = Counter()
    lock = threading.Lock()

    def worker() -> None:
        while (key := q.get()) is not None:
            with lock:
                active[key] += 1
                worst[key] = max(worst[key], active[key])
            time.sleep(0.001)  # widen the window a second worker would need
            with lock:
                active[key] -= 1
                processed[key] += 1
            q.done(key)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for i in range(2000):
        q.add(f"ns/{i % 5}")
    while len(q):
        time.sleep(0.01)
    time.sleep(0.05)
    q.shutdown()
    for t in threads:
        t.join()
    assert set(worst.values()) == {1}
    assert set(processed) == {f"ns/{i}" for i in range(5)}

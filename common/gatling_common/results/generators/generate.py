"""A deterministic generator of realistic Gatling runs, for benchmarks, demos and tests.

`generate(spec)` yields the run as columnar `RecordBatch`es (one per chunk of users, so memory
stays flat at any size) with ids into `catalog_strings()`; `write_text_log` writes them exactly as
Gatling 3.10.5 does and `write_binary_log` in the 3.13+ binary layout (see binary_writer.py).
Everything is numpy-vectorized: 5M requests write in seconds, and the same seed gives the same
bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gatling_common.results.records import (
    NO_MESSAGE,
    FileStrings,
    RecordBatch,
    group_path,
    request_key,
)

Step = tuple[tuple[str, ...], str]

# Each scenario is one visit: its steps run in order; some sit in (nested) groups.
SCENARIOS: dict[str, list[Step]] = {
    "Browse": [
        ((), "Home"),
        ((), "Search"),
        (("Catalog",), "List products"),
        (("Catalog",), "Product page"),
        ((), "Logout"),
    ],
    "Checkout": [
        ((), "Home"),
        (("Checkout",), "Cart"),
        (("Checkout", "Payment"), "Authorize"),
        (("Checkout", "Payment"), "Capture"),
        (("Checkout",), "Confirm"),
        ((), "Logout"),
    ],
    "Admin": [
        ((), "Login"),
        (("Admin",), "Dashboard"),
        (("Admin",), "Reports"),
        ((), "Logout"),
    ],
}
SCENARIO_WEIGHTS = (0.6, 0.3, 0.1)
KO_MESSAGES = (
    "status.find.in([200, 209], 304), found 500",
    "i.g.h.c.i.RequestTimeoutException: Request timeout to shop.local/10.0.0.7:443 after 60000 ms",
    "jsonPath($.id).find.exists, found nothing",
)
# ERROR records end with a space, as Gatling writes them.
ERROR_MESSAGES = (
    "Search: Failed to build request: No attribute named 'token' is defined ",
    "Cart: Failed to build request: No attribute named 'cartId' is defined ",
)
USERS_PER_CHUNK = 50_000


@dataclass(frozen=True)
class RunSpec:
    """What run to generate."""

    requests: int = 10_000
    seed: int = 1
    start_ms: int = 1_700_000_000_000
    duration_s: int = 300
    median_ms: float = 80.0  # lognormal response times
    sigma: float = 0.9
    ko_rate: float = 0.02
    error_rate: float = 0.001  # ERROR records per request
    think_ms: int = 500  # max pause between a user's requests
    simulation_class: str = "computerdatabase.FleetSimulation"
    simulation_id: str = "fleetsimulation"
    description: str = ""
    version: str = "3.10.5"  # written in the text RUN line
    binary_version: str = "3.13.4"  # written in the binary RUN header


@dataclass(frozen=True)
class _Block:
    """A group visit inside a scenario: steps first..last (inclusive) share this group path."""

    path_id: int
    first: int
    last: int


class Catalog:
    """Ids of the generator's strings; equal to `catalog_strings()`'s tables."""

    def __init__(self) -> None:
        self.strings = FileStrings()
        self.scenarios = list(SCENARIOS)
        for name in self.scenarios:
            self.strings.scenarios.intern(name)
        width = max(len(steps) for steps in SCENARIOS.values())
        self.step_keys = np.full((len(SCENARIOS), width), -1, np.int32)
        self.steps = np.array([len(steps) for steps in SCENARIOS.values()], np.int64)
        self.blocks: list[list[_Block]] = []
        for s, steps in enumerate(SCENARIOS.values()):
            for i, (groups, name) in enumerate(steps):
                self.step_keys[s, i] = self.strings.request_keys.intern(request_key(groups, name))
            self.blocks.append(self._blocks(steps))
        self.ko_messages = [self.strings.messages.intern(m) for m in KO_MESSAGES]
        self.error_messages = [self.strings.messages.intern(m) for m in ERROR_MESSAGES]

    def _blocks(self, steps: list[Step]) -> list[_Block]:
        found: list[_Block] = []
        depth = max(len(groups) for groups, _ in steps)
        for level in range(1, depth + 1):
            i = 0
            while i < len(steps):
                prefix = steps[i][0][:level]
                if len(prefix) < level:
                    i += 1
                    continue
                j = i
                while j + 1 < len(steps) and steps[j + 1][0][:level] == prefix:
                    j += 1
                found.append(_Block(self.strings.groups.intern(group_path(prefix)), i, j))
                i = j + 1
        return found


def catalog_strings() -> FileStrings:
    return Catalog().strings


def generate(spec: RunSpec) -> Iterator[RecordBatch]:
    """The run, chunk by chunk of users; within a chunk each record type is in time order."""
    catalog = Catalog()
    mean_steps = float(np.dot(SCENARIO_WEIGHTS, catalog.steps))
    expected_users = max(1, int(np.ceil(spec.requests / mean_steps)))
    done = 0
    chunk = 0
    while done < spec.requests:
        rng = np.random.default_rng([spec.seed, chunk])
        scen = rng.choice(len(SCENARIOS), size=USERS_PER_CHUNK, p=SCENARIO_WEIGHTS)
        counts = catalog.steps[scen]
        total = np.cumsum(counts)
        users = min(int(np.searchsorted(total, spec.requests - done)) + 1, USERS_PER_CHUNK)
        scen, counts = scen[:users], counts[:users].copy()
        taken = int(min(total[users - 1], spec.requests - done))
        counts[-1] -= int(total[users - 1]) - taken
        first_user = chunk * USERS_PER_CHUNK
        yield _chunk(spec, catalog, rng, scen, counts, first_user, expected_users)
        done += taken
        chunk += 1


def _chunk(
    spec: RunSpec,
    catalog: Catalog,
    rng: np.random.Generator,
    scen: np.ndarray,
    counts: np.ndarray,
    first_user: int,
    expected_users: int,
) -> RecordBatch:
    users = len(scen)
    duration_ms = spec.duration_s * 1000
    user_ids = np.arange(first_user, first_user + users, dtype=np.int64)
    arrival = spec.start_ms + user_ids * duration_ms // expected_users
    arrival += rng.integers(0, 1000, users)
    n = int(counts.sum())
    owner = np.repeat(np.arange(users), counts)
    firsts = np.cumsum(counts) - counts
    step = np.arange(n) - np.repeat(firsts, counts)
    rt = np.minimum(rng.lognormal(np.log(spec.median_ms), spec.sigma, n), 60_000).astype(np.int64)
    pause = rng.integers(0, spec.think_ms + 1, n)
    elapsed = np.cumsum(rt + pause)
    before = elapsed - (rt + pause)  # time spent by earlier requests of the whole chunk
    start = arrival[owner] + pause + before - np.repeat(before[firsts], counts)
    end = start + rt
    ok = rng.random(n) >= spec.ko_rate
    message = np.full(n, NO_MESSAGE, np.int32)
    kos = np.flatnonzero(~ok)
    message[kos] = np.asarray(catalog.ko_messages, np.int32)[rng.integers(0, 3, len(kos))]
    key = catalog.step_keys[scen[owner], step]
    last = firsts + counts - 1
    user_end = end[last] + rng.integers(0, 50, users)
    grp = _groups(catalog, scen, counts, firsts, start, end, rt, ok)
    n_err = int(rng.binomial(n, spec.error_rate))
    err_at = rng.integers(0, n, n_err)
    err_msg = np.asarray(catalog.error_messages, np.int32)[rng.integers(0, 2, n_err)]
    return _sorted_batch(
        (key, start, end, ok, message),
        grp,
        (np.concatenate([scen, scen]).astype(np.int32), np.concatenate([arrival, user_end])),
        (err_msg, start[err_at]),
    )


def _groups(
    catalog: Catalog,
    scen: np.ndarray,
    counts: np.ndarray,
    firsts: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    rt: np.ndarray,
    ok: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """GROUP records of every complete group visit: cumulated = sum of its response times."""
    rt_sum = np.concatenate([[0], np.cumsum(rt)])
    ko_sum = np.concatenate([[0], np.cumsum(~ok)])
    parts: list[tuple[np.ndarray, ...]] = []
    for s, blocks in enumerate(catalog.blocks):
        for block in blocks:
            users = np.flatnonzero((scen == s) & (counts > block.last))
            a, b = firsts[users] + block.first, firsts[users] + block.last
            parts.append(
                (
                    np.full(len(users), block.path_id, np.int32),
                    start[a],
                    end[b],
                    rt_sum[b + 1] - rt_sum[a],
                    ko_sum[b + 1] - ko_sum[a] == 0,
                )
            )
    if not parts:
        return RecordBatch.empty().grp_path, *(np.empty(0, np.int64),) * 3, np.empty(0, bool)
    return tuple(np.concatenate(column) for column in zip(*parts, strict=True))


def _sorted_batch(
    req: tuple[np.ndarray, ...],
    grp: tuple[np.ndarray, ...],
    usr: tuple[np.ndarray, np.ndarray],
    err: tuple[np.ndarray, np.ndarray],
) -> RecordBatch:
    """Each record type sorted by the time Gatling would write it (end or timestamp)."""
    r = np.argsort(req[2], kind="stable")
    g = np.argsort(grp[2], kind="stable")
    u = np.argsort(usr[1], kind="stable")
    e = np.argsort(err[1], kind="stable")
    starts = np.zeros(len(usr[1]), bool)
    starts[: len(usr[1]) // 2] = True
    return RecordBatch(
        req_key=req[0][r].astype(np.int32),
        req_start=req[1][r].astype(np.int64),
        req_end=req[2][r].astype(np.int64),
        req_ok=req[3][r],
        req_message=req[4][r].astype(np.int32),
        grp_path=grp[0][g].astype(np.int32),
        grp_start=grp[1][g].astype(np.int64),
        grp_end=grp[2][g].astype(np.int64),
        grp_cumulated=grp[3][g].astype(np.int64),
        grp_ok=grp[4][g],
        user_scenario=usr[0][u].astype(np.int32),
        user_start=starts[u],
        user_time=usr[1][u].astype(np.int64),
        err_message=err[0][e].astype(np.int32),
        err_time=err[1][e].astype(np.int64),
    )


def write_text_log(path: Path, spec: RunSpec) -> Path:
    """Write the run exactly as Gatling 3.10.5's text simulation.log."""
    from gatling_common.results.generators.text_writer import write_text

    return write_text(path, spec, Catalog(), generate(spec))


def write_binary_log(path: Path, spec: RunSpec) -> Path:
    """Write the run in the Gatling 3.13+ binary layout (header says `spec.binary_version`)."""
    from gatling_common.results.generators.binary_writer import write_binary

    return write_binary(path, spec, Catalog(), generate(spec))


def write_text_log_with_names(path: Path, spec: RunSpec, names: int) -> Path:
    """The run with its requests spread evenly over `names` request names (every 4th in one of
    20 groups): what report size and speed are measured on."""
    from gatling_common.results.generators.text_writer import write_text

    catalog = Catalog()
    keys = [
        catalog.strings.request_keys.intern(
            request_key((f"Flow {i % 20}",) if i % 4 == 0 else (), f"Endpoint {i:04d}")
        )
        for i in range(names)
    ]
    lookup = np.array(keys, np.int32)
    rng = np.random.default_rng(spec.seed)

    def relabelled() -> Iterator[RecordBatch]:
        for batch in generate(spec):
            batch.req_key = lookup[rng.integers(0, names, len(batch.req_key))]
            yield batch

    return write_text(path, spec, catalog, relabelled())

"""Writes generated runs as Gatling 3.10.5's text simulation.log, byte for byte.

A run whose `RunSpec.version` is 3.0-3.3 is written in the 3.0-3.3 layout, as Gatling 3.3.1 does:
a user id before the names of REQUEST and GROUP lines, and "USER\t<scenario>\t<user id>\t
START|END\t<user start>\t<time>". The generator does not tie records to users: the ids are
filler (varying widths) and an END's user start is its own time (the statistics use neither).
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from gatling_common.results.records import RecordBatch, split_group_path, split_request_key
from gatling_common.results.versions import gatling_version

if TYPE_CHECKING:
    from gatling_common.results.generators.generate import Catalog, RunSpec


def run_line(spec: RunSpec) -> str:
    description = spec.description or " "
    return (
        f"RUN\t{spec.simulation_class}\t{spec.simulation_id}\t{spec.start_ms}\t"
        f"{description}\t{spec.version}\n"
    )


def write_text(path: Path, spec: RunSpec, catalog: Catalog, batches: Iterable[RecordBatch]) -> Path:
    strings = catalog.strings
    old = gatling_version(spec.version) < (3, 4)  # the 3.0-3.3 layout
    req_prefix = []
    for key in strings.request_keys.values:
        groups, name = split_request_key(key)
        req_prefix.append(f"{','.join(groups)}\t{name}\t")
    messages = strings.messages.values
    grp_prefix = [f"{','.join(split_group_path(p))}\t" for p in strings.groups.values]
    user_start = [f"USER\t{s}\tSTART\t" for s in strings.scenarios.values]
    user_end = [f"USER\t{s}\tEND\t" for s in strings.scenarios.values]
    if old:
        user_start = [f"USER\t{s}\t" for s in strings.scenarios.values]
        user_end = user_start
    ids = 0  # the 3.0-3.3 user ids written so far
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(run_line(spec))
        for b in batches:
            lines: list[str] = []
            ok_suffix = "\tOK\t \n"
            ko_suffix = [f"\tKO\t{m}\n" for m in messages]
            nr, ng, nu = len(b.req_key), len(b.grp_path), len(b.user_start)
            uid = _user_ids(ids, nr + ng + nu) if old else [""] * (nr + ng + nu)
            ids += nr + ng + nu
            req_head = [f"REQUEST\t{i}\t" for i in uid[:nr]] if old else ["REQUEST\t"] * nr
            for h, k, s, e, ok, m in zip(
                req_head,
                b.req_key.tolist(),
                b.req_start.tolist(),
                b.req_end.tolist(),
                b.req_ok.tolist(),
                b.req_message.tolist(),
                strict=True,
            ):
                suffix = ok_suffix if ok else (ko_suffix[m] if m >= 0 else "\tKO\t \n")
                lines.append(f"{h}{req_prefix[k]}{s}\t{e}{suffix}")
            grp_head = [f"GROUP\t{i}\t" for i in uid[nr : nr + ng]] if old else ["GROUP\t"] * ng
            for h, p, s, e, c, ok in zip(
                grp_head,
                b.grp_path.tolist(),
                b.grp_start.tolist(),
                b.grp_end.tolist(),
                b.grp_cumulated.tolist(),
                b.grp_ok.tolist(),
                strict=True,
            ):
                lines.append(f"{h}{grp_prefix[p]}{s}\t{e}\t{c}\t{'OK' if ok else 'KO'}\n")
            for i, sc, st, t in zip(
                uid[nr + ng :],
                b.user_scenario.tolist(),
                b.user_start.tolist(),
                b.user_time.tolist(),
                strict=True,
            ):
                if old:
                    status = "START" if st else "END"
                    lines.append(f"{user_start[sc]}{i}\t{status}\t{t}\t{t}\n")
                else:
                    lines.append(f"{(user_start if st else user_end)[sc]}{t}\n")
            for m, t in zip(b.err_message.tolist(), b.err_time.tolist(), strict=True):
                lines.append(f"ERROR\t{messages[m]}\t{t}\n")
            if lines:
                times = np.concatenate([b.req_end, b.grp_end, b.user_time, b.err_time])
                order = np.argsort(times, kind="stable").tolist()
                ordered = itemgetter(*order)(lines) if len(order) > 1 else tuple(lines)
                out.write("".join(ordered))
    return path


def _user_ids(first: int, n: int) -> list[str]:
    """n filler user ids of 1-6 digits (the 3.0-3.3 layout's)."""
    ids = (np.arange(first, first + n, dtype=np.int64) * 7919) % 999_983 + 1
    return [str(i) for i in ids.tolist()]

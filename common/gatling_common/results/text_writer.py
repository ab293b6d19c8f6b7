"""Writes generated runs as Gatling 3.10.5's text simulation.log, byte for byte."""

from __future__ import annotations

from collections.abc import Iterable
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from gatling_common.results.records import RecordBatch, split_group_path, split_request_key

if TYPE_CHECKING:
    from gatling_common.results.generate import Catalog, RunSpec


def run_line(spec: RunSpec) -> str:
    description = spec.description or " "
    return (
        f"RUN\t{spec.simulation_class}\t{spec.simulation_id}\t{spec.start_ms}\t"
        f"{description}\t{spec.version}\n"
    )


def write_text(path: Path, spec: RunSpec, catalog: Catalog, batches: Iterable[RecordBatch]) -> Path:
    strings = catalog.strings
    req_prefix = []
    for key in strings.request_keys.values:
        groups, name = split_request_key(key)
        req_prefix.append(f"REQUEST\t{','.join(groups)}\t{name}\t")
    messages = strings.messages.values
    grp_prefix = [f"GROUP\t{','.join(split_group_path(p))}\t" for p in strings.groups.values]
    user_start = [f"USER\t{s}\tSTART\t" for s in strings.scenarios.values]
    user_end = [f"USER\t{s}\tEND\t" for s in strings.scenarios.values]
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(run_line(spec))
        for b in batches:
            lines: list[str] = []
            ok_suffix = "\tOK\t \n"
            ko_suffix = [f"\tKO\t{m}\n" for m in messages]
            for k, s, e, ok, m in zip(
                b.req_key.tolist(),
                b.req_start.tolist(),
                b.req_end.tolist(),
                b.req_ok.tolist(),
                b.req_message.tolist(),
                strict=True,
            ):
                suffix = ok_suffix if ok else (ko_suffix[m] if m >= 0 else "\tKO\t \n")
                lines.append(f"{req_prefix[k]}{s}\t{e}{suffix}")
            for p, s, e, c, ok in zip(
                b.grp_path.tolist(),
                b.grp_start.tolist(),
                b.grp_end.tolist(),
                b.grp_cumulated.tolist(),
                b.grp_ok.tolist(),
                strict=True,
            ):
                lines.append(f"{grp_prefix[p]}{s}\t{e}\t{c}\t{'OK' if ok else 'KO'}\n")
            for sc, st, t in zip(
                b.user_scenario.tolist(), b.user_start.tolist(), b.user_time.tolist(), strict=True
            ):
                lines.append(f"{(user_start if st else user_end)[sc]}{t}\n")
            for m, t in zip(b.err_message.tolist(), b.err_time.tolist(), strict=True):
                lines.append(f"ERROR\t{messages[m]}\t{t}\n")
            if lines:
                times = np.concatenate([b.req_end, b.grp_end, b.user_time, b.err_time])
                order = np.argsort(times, kind="stable").tolist()
                ordered = itemgetter(*order)(lines) if len(order) > 1 else tuple(lines)
                out.write("".join(ordered))
    return path

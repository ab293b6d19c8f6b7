"""The simulation's own assertions (its ASSERTION records), judged as Gatling judges them.

Results join our `--assert` thresholds in the report's table, summary.json, JUnit and the exit
code; `js/assertions.json` and `js/assertions.xml` are written in Gatling's own layout. An
ASSERTION record that cannot be read counts as a failed assertion: a CI gate must not pass
because a condition went unchecked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gatling_common.errors import InputError
from gatling_common.results.readers.assertions import (
    GatlingAssertion,
    decode_assertion,
    scala_double,
)
from gatling_common.results.statistics.stats import RunStats
from gatling_common.results.versions import gatling_version

from gatling_reporter.thresholds import AssertionResult, NodeMetrics, RunStatsSource

log = logging.getLogger(__name__)

CONDITIONS: dict[str, Callable[[float, tuple[float, ...], bool], bool]] = {
    "lt": lambda a, v, _: a < v[0],
    "lte": lambda a, v, _: a <= v[0],
    "gt": lambda a, v, _: a > v[0],
    "gte": lambda a, v, _: a >= v[0],
    "is": lambda a, v, _: a == v[0],
    "between": lambda a, v, inc: v[0] <= a <= v[1] if inc else v[0] < a < v[1],
    "in": lambda a, v, _: a in v,
}


@dataclass(frozen=True)
class SimulationResult:
    assertion: GatlingAssertion | None  # None: the record could not be read
    path_text: str
    message: str
    passed: bool
    actual: float | None
    version: tuple[int, int] = (3, 14)

    def as_threshold(self) -> AssertionResult:
        return AssertionResult(self.message, self.actual, self.passed, "" if self.passed else
                               "simulation assertion")  # fmt: skip


def read_assertions(stats: RunStats) -> list[tuple[GatlingAssertion | None, str, tuple[int, int]]]:
    """(assertion or None, error, version) of each distinct ASSERTION record (every pod of a
    run writes the same ones)."""
    found: list[tuple[GatlingAssertion | None, str, tuple[int, int]]] = []
    seen: set[bytes] = set()
    for info in stats.inputs:
        version = gatling_version(info.run.gatling_version, info.run.layout)
        for payload in info.run.assertions:
            if payload in seen:
                continue
            seen.add(payload)
            try:
                found.append((decode_assertion(payload, version, info.path), "", version))
            except InputError as exc:
                log.warning("%s", exc)
                found.append((None, str(exc), version))
    return found


def _actual(a: GatlingAssertion, m: NodeMetrics) -> float:
    if a.target == "rps":
        return m.value("rps")
    if a.target == "count":
        return m.value({"all": "count", "failed": "ko", "successful": "ok"}[a.metric])
    if a.target == "percent":
        count = m.value("count")
        if a.metric == "all":
            return 100.0
        if count == 0:
            return 100.0 if a.metric == "failed" else 0.0
        return m.value("ko" if a.metric == "failed" else "ok") / count * 100
    if a.selection == "percentile":
        return float(m.percentile(a.percentile or 0.0))
    return float(m.value(a.selection))


def _judge(
    a: GatlingAssertion, path_text: str, m: NodeMetrics, version: tuple[int, int]
) -> SimulationResult:
    actual = _actual(a, m)
    passed = CONDITIONS[a.condition](actual, a.values, a.inclusive)
    return SimulationResult(a, path_text, a.message(path_text, version), passed, actual, version)


def evaluate_simulation(stats: RunStats) -> list[SimulationResult]:
    source = RunStatsSource(stats)
    results: list[SimulationResult] = []
    for a, error, version in read_assertions(stats):
        if a is None:
            results.append(SimulationResult(None, "", error, False, None, version))
        elif a.path == "global" or (a.path == "details" and not a.parts):
            results.append(_judge(a, "Global", source.metrics_of(source.root), version))
        elif a.path == "forall":
            for request in source.requests():
                text = " / ".join((*request.groups, request.name))
                results.append(_judge(a, text, source.metrics_of(request), version))
        else:
            node = source.at_path(a.parts)
            if node is None:
                listed = "List(" + ", ".join(a.parts) + ")"
                message = f"Could not find stats matching assertion path {listed}"
                results.append(SimulationResult(a, a.path_text(), message, False, None, version))
            else:
                results.append(_judge(a, a.path_text(), source.metrics_of(node), version))
    return results


def assertions_json(results: list[SimulationResult], stats: RunStats) -> dict[str, Any]:
    """js/assertions.json as Gatling writes it."""
    run = stats.inputs[0].run if stats.inputs else None
    return {
        "simulation": run.simulation_class if run else "",
        "simulationId": run.simulation_id if run else "",
        "start": run.run_start if run else 0,
        "description": run.description if run else "",
        "scenarios": list(stats.names["scenarios"].values),
        "assertions": [_result_json(r) for r in results],
    }


def _result_json(r: SimulationResult) -> dict[str, Any]:
    a = r.assertion
    return {
        "path": r.path_text,
        "target": a.target_text(r.version) if a else "",
        "condition": a.condition_text() if a else "",
        "expectedValues": list(a.values) if a else [],
        "result": r.passed,
        "message": r.message,
        "actualValue": [] if r.actual is None else [r.actual],
    }


# xml.sax.saxutils' escape and quoteattr, written out: that module imports urllib.request (and
# through it http.client, ssl, email), about 15 ms of every build for two string functions.
_XML_TEXT = (("&", "&amp;"), (">", "&gt;"), ("<", "&lt;"))
_XML_ATTRIBUTE = (*_XML_TEXT, ("\n", "&#10;"), ("\r", "&#13;"), ("\t", "&#9;"))


def escape(text: str, replacements: tuple[tuple[str, str], ...] = _XML_TEXT) -> str:
    """`&`, `<` and `>` as entities (saxutils.escape)."""
    for char, entity in replacements:
        text = text.replace(char, entity)
    return text


def quoteattr(text: str) -> str:
    """An attribute value with its quotes, escaped as saxutils.quoteattr does it."""
    text = escape(text, _XML_ATTRIBUTE)
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return '"{}"'.format(text.replace('"', "&quot;"))


def assertions_xml(results: list[SimulationResult], simulation: str) -> str:
    """js/assertions.xml as Gatling writes it (JUnit), but escaped: names are the run's text."""
    cases = []
    for r in results:
        if r.passed:
            body = f"<system-out>{escape(r.message)}</system-out>"
        else:
            actual = scala_double(-1.0 if r.actual is None else r.actual)
            body = f"<failure type={quoteattr(r.path_text)}>Actual value: {actual}</failure>"
        cases.append(
            f'<testcase name={quoteattr(r.message)} status="{str(r.passed).lower()}" '
            f'time="0">\n  {body}\n</testcase>'
        )
    failures = sum(1 for r in results if not r.passed)
    return (
        f'<testsuite name={quoteattr(simulation)} tests="{len(results)}" errors="0" '
        f'failures="{failures}" time="0">\n' + "\n".join(cases) + "\n</testsuite>\n"
    )

"""Pass/fail thresholds on the merged run: `global.p95 < 800`, `request("Login").p99 < 1500`.

Grammar (a tiny hand-written parser; expressions come from CI files and are never evaluated):

    assertion := target "." metric operator (number | relative)
    relative  := "baseline" [("*" | "+" | "-") number]
    target    := "global" | ("request" | "group") "(" string ("," string)* ")"
    metric    := count | ok | ko | ko_percent | min | max | mean | stddev | rps | pNN | pNN.N
    operator  := "<" | "<=" | ">" | ">=" | "==" | "!="

Strings are single- or double-quoted (backslash escapes the quote and itself). `request("Login")`
names a request anywhere in the tree and must be unique; `request("Checkout", "Pay")` gives its
group path first. `group("A", "B")` is the group B nested in A. Statistics are those of all
requests (OK and KO), as in the report's table; `pNN` is the exact percentile (any value 0-100).

Relative thresholds compare with the same metric of the baseline report (`--baseline`, see
gatling_common.baseline): `request("Login").p95 < baseline * 1.10`, `global.ko_percent <=
baseline + 1`, `global.rps >= baseline * 0.95`. The baseline's value comes from its js/stats.json
(its `total` split; a percentile only if the baseline computed that rank); `bind_baseline` looks
them up before the run is read, so a missing baseline, or a request, group or percentile the
baseline lacks, is an InputError (exit code 2) naming the threshold.

Exit code: the CLI exits with `AssertionsFailed.exit_code` (3) when at least one assertion fails,
after writing the report, summary.json and the JUnit file; 2 is bad input, 1 any other failure.
"""

from __future__ import annotations

import json
import math
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from gatling_common.errors import FleetError, InputError
from gatling_common.results.report.gatling_json import (
    Node,
    build_tree,
    duration_seconds,
    node_hists,
)
from gatling_common.results.statistics.percentiles import Hist, rounded_percentile, summarize
from gatling_common.results.statistics.stats import RunStats

if TYPE_CHECKING:
    from gatling_common.baseline.stats import NodeStats, ReportStats

Kind = Literal["global", "request", "group"]

PLAIN_METRICS = ("count", "ok", "ko", "ko_percent", "min", "max", "mean", "stddev", "rps")
OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}
_PERCENTILE = re.compile(r"p(\d{1,3}(?:\.\d+)?)")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_BASELINE = re.compile(r"baseline(?![A-Za-z0-9_.])")
RelativeOp = Literal["*", "+", "-"]


class AssertionsFailed(FleetError):
    """At least one threshold failed; the report was still written."""

    exit_code = 3


@dataclass(frozen=True)
class Target:
    kind: Kind
    path: tuple[str, ...] = ()  # group names then (for a request) the request name

    def describe(self) -> str:
        if self.kind == "global":
            return "global"
        return f"{self.kind}({', '.join(json.dumps(p) for p in self.path)})"


@dataclass(frozen=True)
class Relative:
    """The right side `baseline`, `baseline * F`, `baseline + X` or `baseline - X`."""

    op: RelativeOp | None = None  # None: plain `baseline`
    operand: float = 0.0

    def limit(self, baseline: float) -> float:
        if self.op == "*":
            return baseline * self.operand
        if self.op == "+":
            return baseline + self.operand
        if self.op == "-":
            return baseline - self.operand
        return baseline


@dataclass(frozen=True)
class Assertion:
    expression: str
    target: Target
    metric: str  # one of PLAIN_METRICS, or "percentile"
    operator: str
    value: float  # the limit; unused (0) for a relative assertion
    percentile: float | None = None
    relative: Relative | None = None  # set when the right side names the baseline
    baseline_value: float | None = None  # the baseline's metric, once bound (bind_baseline)


@dataclass(frozen=True)
class AssertionResult:
    expression: str
    actual: float | None
    passed: bool
    message: str = ""  # why it failed, for JUnit and the report
    baseline: float | None = None  # relative assertions: the baseline's value
    limit: float | None = None  # relative assertions: the limit compared with

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "expression": self.expression,
            "actual": self.actual,
            "passed": self.passed,
        }
        if self.baseline is not None:
            out.update(baseline=self.baseline, limit=self.limit)
        return out


class NodeMetrics(Protocol):
    """The statistics of one node (global, a request or a group), all requests (OK and KO)."""

    def value(self, metric: str) -> float:
        """One of PLAIN_METRICS."""

    def percentile(self, p: float) -> float:
        """The exact percentile p (0-100), rounded as the report shows it."""


class MetricSource(Protocol):
    def node(self, target: Target) -> NodeMetrics:
        """The node `target` names; raises InputError when it is unknown or ambiguous."""


# -- parsing ---------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str, origin: str) -> None:
        self.text = text
        self.origin = origin
        self.pos = 0

    def fail(self, expected: str) -> InputError:
        where = f"{self.origin} {self.text!r}"
        return InputError(f"{where}: expected {expected} at column {self.pos + 1}")

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self, literal: str) -> bool:
        self.skip_space()
        return self.text.startswith(literal, self.pos)

    def expect(self, literal: str, what: str | None = None) -> None:
        if not self.peek(literal):
            raise self.fail(what or repr(literal))
        self.pos += len(literal)

    def match(self, pattern: re.Pattern[str], what: str) -> str:
        self.skip_space()
        found = pattern.match(self.text, self.pos)
        if not found:
            raise self.fail(what)
        self.pos = found.end()
        return found.group(0)

    def string(self) -> str:
        self.skip_space()
        quote = self.text[self.pos : self.pos + 1]
        if quote not in ('"', "'"):
            raise self.fail("a quoted name")
        start, self.pos, chars = self.pos, self.pos + 1, []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "\\" and self.pos + 1 < len(self.text):
                chars.append(self.text[self.pos + 1])
                self.pos += 2
            elif char == quote:
                self.pos += 1
                return "".join(chars)
            else:
                chars.append(char)
                self.pos += 1
        self.pos = start
        raise self.fail("a closing quote for the name starting")

    def target(self) -> Target:
        start = self.pos
        word = self.match(re.compile(r"[A-Za-z_]+"), 'global, request("...") or group("...")')
        if word == "global":
            return Target("global")
        if word not in ("request", "group"):
            self.pos = start
            raise self.fail('global, request("...") or group("...")')
        self.expect("(")
        path = [self.string()]
        while self.peek(","):
            self.pos += 1
            path.append(self.string())
        self.expect(")", "')' or ','")
        return Target("request" if word == "request" else "group", tuple(path))

    def metric(self) -> tuple[str, float | None]:
        start = self.pos
        name = self.match(_IDENT, "a metric (" + ", ".join(PLAIN_METRICS) + ", pNN)")
        if name in PLAIN_METRICS:
            return name, None
        found = _PERCENTILE.fullmatch(name)
        if found and 0 <= float(found.group(1)) <= 100:
            return "percentile", float(found.group(1))
        self.pos = start
        raise self.fail("a metric (" + ", ".join(PLAIN_METRICS) + ", or p0 to p100)")

    def operator(self) -> str:
        self.skip_space()
        for op in OPERATORS:  # two-character operators are listed first
            if self.text.startswith(op, self.pos):
                self.pos += len(op)
                return op
        raise self.fail("an operator (<, <=, >, >=, ==, !=)")

    def parse(self) -> Assertion:
        target = self.target()
        self.expect(".", "'.' and a metric")
        metric, percentile = self.metric()
        op = self.operator()
        self.skip_space()
        if _BASELINE.match(self.text, self.pos):
            relative = self.relative()
            return Assertion(self.text, target, metric, op, 0.0, percentile, relative)
        value = float(self.match(_NUMBER, "a number"))
        self.skip_space()
        if self.pos != len(self.text):
            raise self.fail("the end of the expression")
        return Assertion(self.text, target, metric, op, value, percentile)

    def relative(self) -> Relative:
        self.pos += len("baseline")
        self.skip_space()
        if self.pos == len(self.text):
            return Relative()
        op = self.text[self.pos]
        if op not in ("*", "+", "-"):
            raise self.fail("'*', '+' or '-' and a number after baseline, or the end")
        self.pos += 1
        self.skip_space()
        if not _NUMBER.match(self.text, self.pos) or self.text[self.pos] == "-":
            raise self.fail("a number")
        operand = float(self.match(_NUMBER, "a number"))
        self.skip_space()
        if self.pos != len(self.text):
            raise self.fail("the end of the expression")
        relative_op: RelativeOp = "*" if op == "*" else "+" if op == "+" else "-"
        return Relative(relative_op, operand)


def parse_assertion(text: str, origin: str = "--assert") -> Assertion:
    """Parse one expression; InputError naming the expression and the column when malformed."""
    return _Parser(text.strip(), origin).parse()


def load_assertions_file(path: Path) -> list[Assertion]:
    """A YAML or JSON list of expressions or `{expr: ...}` mappings, parsed."""
    import yaml  # lazy: only --assertions files need it (about 15 ms to import)

    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"assertions file {path}: cannot read it ({exc})") from exc
    try:
        loaded = json.loads(raw) if path.suffix == ".json" else yaml.safe_load(raw)
    except (ValueError, yaml.YAMLError) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"assertions file {path}: not valid YAML/JSON ({first_line})") from exc
    if not isinstance(loaded, list):
        raise InputError(f"assertions file {path}: expected a list of expressions")
    expressions = []
    for index, item in enumerate(loaded, start=1):
        if isinstance(item, dict) and isinstance(item.get("expr"), str):
            item = item["expr"]
        if not isinstance(item, str):
            raise InputError(
                f"assertions file {path}: item {index}: expected a string or {{expr: ...}}"
            )
        expressions.append(parse_assertion(item, f"assertions file {path} item {index}"))
    return expressions


def parse_all(expressions: Iterable[str], files: Iterable[Path] = ()) -> list[Assertion]:
    """`--assert` expressions then those of each `--assertions` file, in order."""
    parsed = [parse_assertion(text) for text in expressions]
    for path in files:
        parsed.extend(load_assertions_file(path))
    return parsed


# -- evaluation ------------------------------------------------------------------------------


def evaluate(
    assertions: Sequence[Assertion],
    source: MetricSource,
    baseline: MetricSource | None = None,
) -> list[AssertionResult]:
    """Evaluate every assertion; an unknown request or group name is an InputError, and so is
    a relative assertion neither bound (bind_baseline) nor given a `baseline` here."""
    results = []
    for assertion in assertions:
        if assertion.relative is not None and assertion.baseline_value is None:
            assertion = _bind(assertion, baseline)
        node = source.node(assertion.target)
        actual = _metric(node, assertion)
        if assertion.relative is None:
            passed = not math.isnan(actual) and OPERATORS[assertion.operator](
                actual, assertion.value
            )
            message = "" if passed else f"actual {format_number(actual)}"
            results.append(AssertionResult(assertion.expression, actual, passed, message))
            continue
        assert assertion.baseline_value is not None
        limit = assertion.relative.limit(assertion.baseline_value)
        passed = not math.isnan(actual) and OPERATORS[assertion.operator](actual, limit)
        message = "" if passed else relative_message(actual, assertion.baseline_value, limit)
        results.append(
            AssertionResult(
                assertion.expression, actual, passed, message, assertion.baseline_value, limit
            )
        )
    return results


def relative_message(actual: float, baseline: float, limit: float) -> str:
    shown = (format_number(v) for v in (actual, baseline, limit))
    return "actual {}, baseline {}, limit {}".format(*shown)


def _metric(node: NodeMetrics, assertion: Assertion) -> float:
    if assertion.percentile is not None:
        return float(node.percentile(assertion.percentile))
    return float(node.value(assertion.metric))


def _bind(assertion: Assertion, baseline: MetricSource | None) -> Assertion:
    if baseline is None:
        raise InputError(
            f"threshold {assertion.expression!r} compares with the baseline, "
            "but no --baseline was given"
        )
    if isinstance(baseline, BaselineSource):
        baseline = baseline.for_expression(assertion.expression)
    value = _metric(baseline.node(assertion.target), assertion)
    return replace(assertion, baseline_value=value)


def bind_baseline(
    assertions: Sequence[Assertion], baseline: MetricSource | None
) -> list[Assertion]:
    """The assertions with each relative one's baseline value looked up (call it before the
    run is read: a missing baseline or a name or percentile it lacks is an InputError)."""
    return [a if a.relative is None else _bind(a, baseline) for a in assertions]


def format_number(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "-"
    return str(int(value)) if value == int(value) else f"{value:.3f}".rstrip("0")


def check(results: Sequence[AssertionResult]) -> None:
    """Raise AssertionsFailed (exit code 3) naming the failed assertions."""
    failed = [r for r in results if not r.passed]
    if failed:
        listed = "; ".join(f"{r.expression} (actual {format_number(r.actual)})" for r in failed)
        raise AssertionsFailed(f"{len(failed)} of {len(results)} assertions failed: {listed}")


# -- the statistics engine as a metric source --------------------------------------------------


class _HistMetrics:
    """Metrics of one node, from its exact all/OK/KO histograms (as js/stats.json shows them)."""

    def __init__(self, all_h: Hist, ko: Hist, duration_s: int) -> None:
        self.all, self.ko, self.duration_s = all_h, ko, duration_s

    def value(self, metric: str) -> float:
        count, ko = self.all.count, self.ko.count
        summary = summarize(self.all, ())
        values = {
            "count": count,
            "ok": count - ko,
            "ko": ko,
            "ko_percent": ko * 100 / count if count else 0.0,
            "min": summary.min,
            "max": summary.max,
            "mean": summary.mean,
            "stddev": summary.std_dev,
            "rps": count / max(self.duration_s, 1) if count else 0.0,
        }
        return float(values[metric])

    def percentile(self, p: float) -> float:
        return float(rounded_percentile(self.all, p))


class RunStatsSource:
    """Resolves `global`, `request(...)` and `group(...)` against merged `RunStats`."""

    def __init__(self, stats: RunStats) -> None:
        self.stats = stats
        self.root = build_tree(stats)
        self.duration_s = duration_seconds(stats)

    def node(self, target: Target) -> NodeMetrics:
        found = self.root if target.kind == "global" else self._find(target)
        return self.metrics_of(found)

    def metrics_of(self, node: Node) -> NodeMetrics:
        all_h, _ok, ko, _ranges = node_hists(self.stats, node)
        return _HistMetrics(all_h, ko, self.duration_s)

    def at_path(self, parts: tuple[str, ...]) -> Node | None:
        """The request (groups, then its name) or group (its path) that `parts` names."""
        for node in self.root.walk()[1:]:
            path = node.groups if node.kind == "GROUP" else (*node.groups, node.name)
            if path == parts:
                return node
        return None

    def requests(self) -> list[Node]:
        return [n for n in self.root.walk() if n.kind == "REQUEST"]

    def _find(self, target: Target) -> Node:
        kind = "REQUEST" if target.kind == "request" else "GROUP"
        *groups, name = target.path
        candidates = []
        for node in self.root.walk()[1:]:
            node_groups = node.groups if kind == "REQUEST" else node.groups[:-1]
            if node.kind != kind or node.name != name:
                continue
            if not groups or tuple(groups) == tuple(node_groups):
                candidates.append((node, node_groups))
        if len(candidates) == 1:
            return candidates[0][0]
        if not candidates:
            raise InputError(
                f"threshold {target.describe()}: no {target.kind} of that name in the run"
                + _known(self.root, kind)
            )
        paths = "; ".join(" / ".join((*g, name)) for _, g in candidates)
        raise InputError(
            f"threshold {target.describe()}: {len(candidates)} {target.kind}s have that name "
            f'({paths}); give the group path first, e.g. {target.kind}("Group", "{name}")'
        )


def _known(root: Node, kind: str, limit: int = 10) -> str:
    names = list(dict.fromkeys(n.name for n in root.walk()[1:] if n.kind == kind))
    if not names:
        return ""
    shown = ", ".join(json.dumps(n) for n in names[:limit])
    return f" (known: {shown}{', ...' if len(names) > limit else ''})"


# -- a baseline report (its js/stats.json) as a metric source ---------------------------------


class _BaselineNode:
    """One node of the baseline's stats.json: its `total` values, its percentiles by rank."""

    def __init__(self, node: NodeStats, ranks: tuple[float, ...], expression: str) -> None:
        self.node, self.ranks, self.expression = node, ranks, expression

    def value(self, metric: str) -> float:
        n = self.node
        values = {
            "count": n.count,
            "ok": n.ok,
            "ko": n.ko,
            "ko_percent": n.ko_percent,
            "min": n.min,
            "max": n.max,
            "mean": n.mean,
            "stddev": n.stddev,
            "rps": n.rps,
        }
        return float(values[metric])

    def percentile(self, p: float) -> float:
        if p not in self.node.percentiles:
            has = ", ".join(f"p{r:g}" for r in self.ranks) or "none"
            raise InputError(
                f"threshold {self.expression!r}: the baseline has no p{p:g} "
                f"(its percentiles: {has})"
            )
        return float(self.node.percentiles[p])


class BaselineSource:
    """Resolves `global`, `request(...)` and `group(...)` against a baseline's statistics, with
    the run's rules (a bare name anywhere in the tree, unique; or its group path first)."""

    def __init__(self, stats: ReportStats) -> None:
        self.stats = stats
        self._expression = ""

    def for_expression(self, expression: str) -> BaselineSource:
        bound = BaselineSource(self.stats)
        bound._expression = expression
        return bound

    def node(self, target: Target) -> NodeMetrics:
        if target.kind == "global":
            return _BaselineNode(self.stats.run, self.stats.percentiles, self._expression)
        *groups, name = target.path
        candidates = [
            n
            for n in self.stats.nodes
            if n.kind == target.kind
            and n.path[-1] == name
            and (not groups or tuple(groups) == n.path[:-1])
        ]
        if len(candidates) == 1:
            return _BaselineNode(candidates[0], self.stats.percentiles, self._expression)
        where = f"threshold {target.describe()}"
        if not candidates:
            kind = target.kind
            known = list(dict.fromkeys(n.path[-1] for n in self.stats.nodes if n.kind == kind))
            shown = ", ".join(json.dumps(k) for k in known[:10])
            tail = f" (known: {shown}{', ...' if len(known) > 10 else ''})" if known else ""
            raise InputError(f"{where}: no {kind} of that name in the baseline{tail}")
        paths = "; ".join(" / ".join(n.path) for n in candidates)
        raise InputError(
            f"{where}: {len(candidates)} {target.kind}s have that name in the baseline "
            f'({paths}); give the group path first, e.g. {target.kind}("Group", "{name}")'
        )

"""Threshold results as a JUnit XML file, the format every CI server shows as test results.

One `<testsuite>` for the run, one `<testcase>` per assertion, a `<failure>` in each failed one.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from gatling_common.errors import InputError

from gatling_reporter.thresholds import AssertionResult, format_number

SUITE_NAME = "gatling-fleet thresholds"


def junit_xml(results: Sequence[AssertionResult], *, simulation: str = "") -> bytes:
    failures = sum(1 for r in results if not r.passed)
    suite = ET.Element(
        "testsuite",
        name=SUITE_NAME,
        tests=str(len(results)),
        failures=str(failures),
        errors="0",
        skipped="0",
    )
    if simulation:
        properties = ET.SubElement(suite, "properties")
        ET.SubElement(properties, "property", name="simulation", value=simulation)
    for result in results:
        case = ET.SubElement(
            suite, "testcase", name=result.expression, classname=simulation or "gatling"
        )
        if not result.passed:
            failure = ET.SubElement(
                case,
                "failure",
                message=f"{result.expression}: actual {format_number(result.actual)}",
                type="ThresholdFailed",
            )
            failure.text = result.message or f"actual {format_number(result.actual)}"
    ET.indent(suite)
    return ET.tostring(suite, encoding="utf-8", xml_declaration=True) + b"\n"


def write_junit(path: Path, results: Sequence[AssertionResult], *, simulation: str = "") -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(junit_xml(results, simulation=simulation))
    except OSError as exc:
        raise InputError(f"--junit {path}: cannot write it ({exc.strerror})") from exc
